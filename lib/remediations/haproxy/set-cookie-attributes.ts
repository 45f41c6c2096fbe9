import type { HaproxyCookie } from '../../evidence/haproxy.ts';
import type { Service } from '../../evidence/service.ts';
import { commonDomain } from '../../checks/support/cookies.ts';
import { configEditPlan, replaceLine } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/**
 * Rewrites the cookie line's browser-facing attributes to what the service needs: a Domain that
 * covers its hosts (or none), `secure` exactly when clients use HTTPS, `SameSite=None` only for
 * cross-site apps.
 */
export function setCookieAttributes(instance: string, key: string, backend: string, cookie: HaproxyCookie, service: Service): Plan {
  let after = (cookie.ref.text ?? '').replace(/\s+domain\s+\S+/g, '').replace(/\s+attr\s+("[^"]*"|\S+)/g, '').replace(/\s+secure\b/g, '');
  const hostsCovered = cookie.domains.length > 0 && service.hosts.length > 1;
  if (hostsCovered) after += ` domain .${commonDomain(service.hosts)}`;
  if (service.tls) after += ' secure';
  if (service.crossSite && service.tls) after += ' attr "SameSite=None"';
  return configEditPlan('haproxy.set-cookie-attributes', key, {
    title: `Fix cookie ${cookie.name} attributes on ${instance}/${backend}`,
    risk: 'low',
    instance,
    edits: [replaceLine(cookie.ref, after.trim())],
  });
}
