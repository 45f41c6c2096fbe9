import type { HaproxyProxy } from '../../evidence/haproxy.ts';
import { proxyMode, setting } from '../../evidence/haproxy.ts';
import type { Service } from '../../evidence/service.ts';
import { cookieNeeds } from '../../checks/support/cookies.ts';
import { configEditPlan, insertAfter, replaceLine, timeValue, type LineEdit } from '../config-edit.ts';
import type { Plan } from '../types.ts';
import { withServerCookie } from './server-line.ts';

/** The backends a frontend or listen section can send requests to (use_backend, default_backend). */
function routedBackends(fe: HaproxyProxy): string[] {
  const named = fe.own.filter((d) => d.keyword === 'use_backend' || d.keyword === 'default_backend').map((d) => d.args[0] ?? '');
  const inherited = fe.defaults?.directives.filter((d) => d.keyword === 'default_backend').map((d) => d.args[0] ?? '') ?? [];
  return [...new Set([...named, ...inherited, ...(fe.kind === 'listen' && fe.servers.length > 0 ? [fe.name] : [])])];
}

/** `mode http` for a section: its own `mode` line rewritten, else a line added under its header. */
function httpMode(p: HaproxyProxy): LineEdit {
  const own = p.own.filter((d) => d.keyword === 'mode').pop();
  return own ? replaceLine(own.ref, 'mode http') : insertAfter(p.ref, 'mode http');
}

/**
 * Why cookie persistence cannot be switched on by editing this instance, when it cannot: a
 * backend in `mode tcp` needs `mode http`, which is impossible where HAProxy passes TLS through
 * (it never sees the HTTP inside) and unsafe where its frontend also feeds other backends.
 */
function blocker(backend: HaproxyProxy, frontends: HaproxyProxy[], service: Service): string | undefined {
  const fronts = frontends.filter((f) => f !== backend);
  const sections = backend.kind === 'listen' ? [backend, ...fronts] : fronts;
  if (service.tls && sections.some((f) => !f.own.some((d) => d.keyword === 'bind' && d.args.includes('ssl')))) {
    return 'not a button, because HAProxy passes TLS through here (mode tcp, no "ssl" on the bind line), so it can neither read nor set a cookie: terminate TLS on HAProxy (bind ... ssl crt ...) and switch to mode http, or keep affinity on the client address';
  }
  const shared = fronts.filter((f) => routedBackends(f).some((b) => b !== backend.name));
  if (shared.length > 0) {
    return `not a button, because ${shared.map((f) => `${f.kind} ${f.name}`).join(', ')} also sends traffic to other backends (${[...new Set(shared.flatMap(routedBackends))].filter((b) => b !== backend.name).join(', ')}) that would have to switch to mode http too: move ${backend.name}'s traffic to a frontend of its own in mode http, then add the cookie`;
  }
  return undefined;
}

/**
 * Cookie persistence for a backend: an inserted, indirect, non-cacheable cookie with an idle
 * and total lifetime above the session timeout, and a distinct cookie value on every server.
 * Replaces `balance source` / `stick on src` when those were the affinity. A backend in
 * `mode tcp` (where HAProxy ignores cookies) is switched to `mode http` together with the
 * frontends that reach it, keeping a `cookie` line it already has; where that cannot work
 * (TLS passed through, a frontend shared with other backends) the plan is advice saying why.
 */
export function enableCookie(instance: string, key: string, backend: HaproxyProxy, service: Service, cookieName = 'SERVERID', frontends: HaproxyProxy[] = []): Plan {
  const edits: LineEdit[] = [];
  const tcp = proxyMode(backend) !== 'http';
  const life = timeValue(service.sessionTimeoutSeconds * 2);
  const needs = cookieNeeds(service);
  const attrs = [needs.secure ? 'secure' : '', 'httponly', needs.sameSiteNone ? 'attr "SameSite=None"' : ''].filter(Boolean).join(' ');
  const line = `    cookie ${cookieName} insert indirect nocache ${attrs} maxidle ${life} maxlife ${life}`.replace(/\s+maxidle/, ' maxidle');
  const current = setting(backend, 'cookie');
  if (tcp) for (const p of [backend, ...frontends.filter((f) => f !== backend)]) edits.push(httpMode(p));
  if (current && tcp) {
    // the cookie line HAProxy ignored in mode tcp takes effect once the backend speaks HTTP
  } else if (current && backend.own.includes(current)) edits.push(replaceLine(current.ref, line.trim()));
  else {
    const balance = backend.own.find((d) => d.keyword === 'balance');
    if (balance && balance.args[0] === 'source') edits.push(replaceLine(balance.ref, 'balance roundrobin'));
    edits.push(insertAfter(balance?.ref ?? backend.ref, line.trim()));
  }
  for (const d of backend.own.filter((x) => x.keyword === 'stick' && /\bsrc\b/.test(x.args.join(' ')))) edits.push({ ...replaceLine(d.ref, ''), after: '' });
  const used = new Set<string>();
  for (const s of backend.servers) {
    let value = s.params.get('cookie');
    if (value && !used.has(value)) {
      used.add(value);
      continue;
    }
    value = s.name;
    for (let i = 2; used.has(value); i++) value = `${s.name}-${i}`;
    used.add(value);
    edits.push(replaceLine(s.ref, withServerCookie(s.ref.text ?? '', value)));
  }
  const name = current && tcp ? (current.args[0] ?? cookieName) : cookieName;
  const why = tcp ? blocker(backend, frontends, service) : undefined;
  return configEditPlan('haproxy.enable-cookie', key, {
    title: tcp ? `Switch ${instance}/${backend.name} to mode http and stick with cookie ${name}` : `Stick ${instance}/${backend.name} with cookie ${cookieName} (lifetime ${life})`,
    risk: 'medium',
    instance,
    edits,
    ...(why ? { advice: true, why } : {}),
  });
}
