import { cite } from '../../evidence/source.ts';
import { isLoopback } from '../support/cookies.ts';
import { affinityCookieNames, cookieAdvice, liveFix, seenAffinityCookies } from '../support/probe.ts';
import type { Check, CheckResult } from '../types.ts';

/** Largest cookie (name, value and attributes) browsers are required to keep (RFC 6265 6.1). */
const MAX_COOKIE_BYTES = 4096;

/**
 * Affinity cookies browsers refuse or never send: `SameSite=None` without `Secure`, `Secure`
 * over plain HTTP (except loopback), larger than 4096 bytes, or not `SameSite=None` for a
 * cross-site app.
 */
export const probeCookieAttributes: Check = {
  id: 'probe.cookie-attributes',
  layer: 'probe',
  cause: 'cookie-blocked',
  title: 'Browsers drop the affinity cookie',
  run: ({ ev, service, findings }): CheckResult[] => {
    const f = ev.probe;
    if (!f) return [];
    const url = new URL(f.data.url);
    const plain = (url.protocol === 'http:' || url.protocol === 'ws:') && !isLoopback(url.hostname);
    return seenAffinityCookies(f.data.exchanges, affinityCookieNames(ev, service)).flatMap(({ cookie }): CheckResult[] => {
      const reasons: string[] = [];
      if (cookie.sameSite === 'None' && !cookie.secure) reasons.push('SameSite=None without Secure');
      if (cookie.secure && plain) reasons.push('Secure on a plain-HTTP site');
      if (cookie.size > MAX_COOKIE_BYTES) reasons.push(`${cookie.size} bytes, over the 4096 browsers keep`);
      if (service.crossSite && cookie.sameSite !== 'None') reasons.push(`SameSite=${cookie.sameSite ?? 'Lax (default)'} on a cross-site app`);
      if (reasons.length === 0) return [];
      return [{
        key: cookie.name, resource: `cookie ${cookie.name} at ${f.data.url}`, severity: 'critical',
        summary: `browsers drop affinity cookie ${cookie.name}: ${reasons.join('; ')}`,
        evidence: [cite({ file: f.file }, `Set-Cookie: ${cookie.name}=<redacted>${cookie.secure ? '; Secure' : ''}${cookie.sameSite ? `; SameSite=${cookie.sameSite}` : ''} (${cookie.size} bytes)`)],
        ...liveFix(findings, 'cookie-blocked', () => cookieAdvice(cookie.name, reasons.join('; '), [plain ? 'no Secure' : 'Secure', service.crossSite ? 'SameSite=None' : 'SameSite=Lax', 'under 4096 bytes'].join(', ')), cookie.name),
      }];
    });
  },
};
