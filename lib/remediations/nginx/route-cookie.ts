import type { Service } from '../../evidence/service.ts';
import { cookieNeeds } from '../../checks/support/cookies.ts';
import { routeCookieOf, routeMapCookie, type ServedUpstream } from '../../checks/support/nginx.ts';
import { configEditPlan } from '../config-edit.ts';
import { DirectiveEdits } from './directive-edit.ts';
import type { Plan } from '../types.ts';

/** The cookie NGINX sets for affinity, and the variable it hashes on, when the config has none yet. */
const COOKIE = 'route';
const VARIABLE = '$sticky_route';

/** The attributes of the route cookie: host-only, every path, `Secure` over HTTPS, `SameSite=None` only for cross-site apps that browsers let have it. */
function attributes(service: Service): string {
  const needs = cookieNeeds(service);
  return ['Path=/', 'HttpOnly', ...(needs.secure ? ['Secure'] : []), needs.sameSiteNone ? 'SameSite=None' : 'SameSite=Lax'].join('; ');
}

/**
 * Cookie affinity on open-source NGINX, from the first request: NGINX sets its own route cookie.
 * A `map` turns the `route` cookie into the hash key (a fresh `$request_id` when the client has
 * none), the upstream hashes on it with `consistent`, and the locations serving the pages answer
 * with `add_header Set-Cookie "route=…" always`, placed where their other `add_header`s are so
 * NGINX's all-or-nothing inheritance drops none of them. An existing route map or hash is
 * reused. Validated with `nginx -t` before it is written. NGINX cannot hash over an upstream
 * with `backup` servers, so there the plan is advice saying why.
 */
export function routeCookie(instance: string, key: string, s: ServedUpstream, service: Service): Plan {
  const up = s.upstream;
  const existing = routeCookieOf(s);
  const reusable = existing?.map ?? s.cfg.maps.find((m) => routeMapCookie(m) === COOKIE);
  const name = existing?.name ?? (reusable ? routeMapCookie(reusable)! : COOKIE);
  const variable = existing?.variable ?? reusable?.variable ?? VARIABLE;
  const edits = new DirectiveEdits();
  const head = { name: 'upstream', args: [up.name], ref: up.ref };
  const method = up.methodRef && { name: up.method, args: up.methodArgs, ref: up.methodRef };
  if (!reusable) {
    edits.insertBefore(head, `map $cookie_${name} ${variable} {\n    ""      $request_id;\n    default $cookie_${name};\n}`);
  }
  if (!existing) {
    const hash = `hash ${variable} consistent;`;
    if (method) edits.replace(method, hash);
    else edits.insertInBlock(head, hash);
  } else if (!up.consistent && method) {
    edits.replace(method, `hash ${up.hashKey} consistent;`);
  }
  const header = `add_header Set-Cookie "${name}=${variable}; ${attributes(service)}" always;`;
  const seen = new Set<string>();
  const unset = existing ? existing.unset : [...new Set(s.pages.map((p) => p.location))];
  for (const loc of unset) {
    const last = loc.addHeaders.at(-1);
    const anchor = last ? { name: 'add_header', args: last.args, ref: last.ref } : { name: 'proxy_pass', args: [loc.proxyPass!.target], ref: loc.proxyPass!.ref };
    const at = `${anchor.ref.file}:${anchor.ref.line}`;
    if (seen.has(at)) continue;
    seen.add(at);
    edits.insertAfter(anchor, header);
  }
  const backups = up.servers.filter((x) => x.backup);
  return configEditPlan('nginx.route-cookie', key, {
    title: `Stick ${instance}/${up.name} from the first request with a ${name} cookie NGINX sets itself`,
    risk: 'medium',
    instance,
    edits: edits.list(),
    ...(backups.length > 0
      ? { advice: true, why: `not a button, because NGINX cannot hash over an upstream with backup servers (${backups.map((b) => b.address).join(', ')}; \`nginx -t\` refuses "backup" with "hash"): drop the backup flag (or move the spare to its own upstream), then apply this change` }
      : {}),
  });
}
