import type { HaproxyCookie } from '../../evidence/haproxy.ts';
import type { Service } from '../../evidence/service.ts';
import { commonDomain, cookieNeeds } from '../../checks/support/cookies.ts';
import { configEditPlan, replaceLine } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/**
 * Rewrites the cookie line's browser-facing attributes to what the service needs: a Domain that
 * covers its hosts (or none), `secure` when clients use HTTPS, and for a cross-site app
 * `SameSite=None` with `secure` (browsers accept `Secure` cookies over plain HTTP only on
 * loopback). A cross-site app served over plain HTTP on a public host cannot have a cookie
 * browsers send cross-site at all: that plan is advice to serve it over HTTPS first.
 */
export function setCookieAttributes(instance: string, key: string, backend: string, cookie: HaproxyCookie, service: Service): Plan {
  const needs = cookieNeeds(service);
  let after = (cookie.ref.text ?? '').replace(/\s+#.*$/, '').replace(/\s+domain\s+\S+/g, '').replace(/\s+attr\s+("[^"]*"|\S+)/g, '').replace(/\s+secure\b/g, '');
  const hostsCovered = cookie.domains.length > 0 && service.hosts.length > 1;
  if (hostsCovered) after += ` domain .${commonDomain(service.hosts)}`;
  if (needs.secure) after += ' secure';
  if (needs.sameSiteNone) after += ' attr "SameSite=None"';
  return configEditPlan('haproxy.set-cookie-attributes', key, {
    title: `Fix cookie ${cookie.name} attributes on ${instance}/${backend}`,
    risk: 'low',
    instance,
    edits: [replaceLine(cookie.ref, after.trim())],
    ...(service.crossSite && !needs.crossSitePossible
      ? { advice: true, why: `not a button, because browsers send a cookie cross-site only with SameSite=None, which needs Secure, which they accept only over HTTPS: serve ${service.hosts.join(', ')} over HTTPS (and set tls: true in the catalog), then fix the cookie` }
      : {}),
  });
}
