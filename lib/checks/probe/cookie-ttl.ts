import { humanSeconds } from '../../evidence/duration.ts';
import { cite } from '../../evidence/source.ts';
import { affinityCookieNames, cookieAdvice, liveFix, seenAffinityCookies } from '../support/probe.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * The affinity cookie's Max-Age (or Expires minus the response Date) shorter than the session:
 * the browser drops it while the session is alive. Session cookies (neither set) are not judged.
 */
export const probeCookieTtl: Check = {
  id: 'probe.cookie-ttl',
  layer: 'probe',
  cause: 'affinity-ttl-short',
  title: 'Affinity cookie expires before the session',
  run: ({ ev, service, collectedAt, findings }): CheckResult[] => {
    const f = ev.probe;
    if (!f) return [];
    return seenAffinityCookies(f.data.exchanges, affinityCookieNames(ev, service)).flatMap(({ cookie, exchange }): CheckResult[] => {
      let life: number | undefined = cookie.maxAge;
      if (life === undefined && cookie.expires) {
        const base = Date.parse(exchange.response?.date ?? exchange.at ?? '') || collectedAt?.getTime();
        const exp = Date.parse(cookie.expires);
        if (base && exp) life = Math.round((exp - base) / 1000);
      }
      if (life === undefined || life >= service.sessionTimeoutSeconds) return [];
      return [{
        key: cookie.name, resource: `cookie ${cookie.name} at ${f.data.url}`, severity: 'critical',
        summary: `affinity cookie ${cookie.name} lives ${humanSeconds(Math.max(0, life))}; sessions last ${humanSeconds(service.sessionTimeoutSeconds)}`,
        evidence: [cite({ file: f.file }, `Set-Cookie: ${cookie.name}=<redacted>${cookie.maxAge !== undefined ? `; Max-Age=${cookie.maxAge}` : ''}${cookie.expires ? `; Expires=${cookie.expires}` : ''}`)],
        ...liveFix(findings, 'affinity-ttl-short', () => cookieAdvice(cookie.name, `lifetime ${humanSeconds(Math.max(0, life))}`, `lifetime ${humanSeconds(service.sessionTimeoutSeconds * 2)} or more`), cookie.name),
      }];
    });
  },
};
