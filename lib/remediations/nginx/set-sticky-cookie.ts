import type { NginxUpstream } from '../../evidence/nginx.ts';
import type { Service } from '../../evidence/service.ts';
import { cookieNeeds } from '../../checks/support/cookies.ts';
import { configEditPlan, timeValue } from '../config-edit.ts';
import { DirectiveEdits } from './directive-edit.ts';
import type { Plan } from '../types.ts';

/**
 * Rewrites an NGINX Plus `sticky cookie` (or `sticky learn` timeout) so it outlives the
 * session and carries attributes the browser accepts on the service's hosts and paths.
 */
export function setStickyCookie(instance: string, key: string, up: NginxUpstream, service: Service): Plan {
  const s = up.sticky!;
  const life = timeValue(service.sessionTimeoutSeconds * 2);
  let line: string;
  if (s.kind === 'learn') {
    line = `sticky learn ${s.args.filter((a) => !a.startsWith('timeout=')).join(' ')} timeout=${life};`;
  } else {
    const name = s.args[0] ?? 'srv_id';
    const keep = s.args.slice(1).filter((a) => !/^(expires|domain|path|secure|samesite)=?/.test(a));
    const needs = cookieNeeds(service);
    const attrs = [`expires=${life}`, 'path=/', ...(needs.secure ? ['secure'] : []), ...(needs.sameSiteNone ? ['samesite=none'] : [])];
    line = `sticky cookie ${name} ${[...attrs, ...keep].join(' ')};`;
  }
  return configEditPlan('nginx.set-sticky-cookie', key, {
    title: `Fix the sticky cookie of ${instance}/${up.name}`,
    risk: 'low',
    instance,
    edits: new DirectiveEdits().replace({ name: 'sticky', args: [s.kind, ...s.args], ref: s.ref }, line).list(),
  });
}
