import type { NginxUpstream } from '../../evidence/nginx.ts';
import type { Service } from '../../evidence/service.ts';
import { configEditPlan, insertAfter, replaceLine } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/**
 * Hashes the upstream on the app's session cookie with consistent hashing, the cookie affinity
 * open-source NGINX has. Needs the cookie's name (`sessionCookie` in the catalog); without it
 * the plan is advice.
 */
export function cookieHash(instance: string, key: string, up: NginxUpstream, service: Service): Plan {
  const name = service.sessionCookie ?? 'SESSION';
  const line = `hash $cookie_${name} consistent;`;
  return configEditPlan('nginx.cookie-hash', key, {
    title: `Hash ${instance}/${up.name} on cookie ${name}${service.sessionCookie ? '' : ' (set sessionCookie in the catalog first)'}`,
    risk: 'medium',
    instance,
    advice: !service.sessionCookie,
    edits: [up.methodRef ? replaceLine(up.methodRef, line) : insertAfter(up.ref, line)],
  });
}
