import { cookieOf } from '../../evidence/haproxy.ts';
import { cite } from '../../evidence/source.ts';
import { setCookieAttributes } from '../../remediations/haproxy/set-cookie-attributes.ts';
import { isLoopback } from '../support/cookies.ts';
import { eachServed } from '../support/haproxy.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * Cookie attributes browsers refuse: `SameSite=None` without `secure`, a cross-site app whose
 * cookie is not `SameSite=None` (never sent from the embedding site), or `secure` on a service
 * its clients reach over plain HTTP.
 */
export const haproxyCookieAttributes: Check = {
  id: 'haproxy.cookie-attributes',
  layer: 'haproxy',
  cause: 'cookie-blocked',
  title: 'Browsers drop the persistence cookie',
  run: ({ ev, service }) =>
    eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
      const cookie = cookieOf(sb.proxy);
      if (!cookie || cookie.mode === 'passive') return [];
      const sameSite = cookie.attrs.map((a) => /^samesite=(\w+)/i.exec(a)?.[1]?.toLowerCase()).find(Boolean);
      const reasons: string[] = [];
      if (sameSite === 'none' && !cookie.secure) reasons.push('SameSite=None without Secure is rejected by browsers');
      if (service.crossSite && sameSite !== 'none') reasons.push('the app is used cross-site but the cookie is not SameSite=None, so the embedding site never sends it');
      if (cookie.secure && !service.tls && !service.hosts.every(isLoopback)) reasons.push('the cookie is Secure but clients use plain HTTP, so browsers refuse it');
      if (reasons.length === 0) return [];
      return [{
        key, resource, severity: 'critical',
        summary: `cookie ${cookie.name}: ${reasons.join('; ')}`,
        evidence: [cite(cookie.ref)],
        plan: setCookieAttributes(cfg.instance, key, sb.proxy.name, cookie, service),
      }];
    }),
};
