import { cite } from '../../evidence/source.ts';
import { domainMatches, pathMatches } from '../support/cookies.ts';
import { affinityCookieNames, cookieAdvice, liveFix, seenAffinityCookies } from '../support/probe.ts';
import type { Check, CheckResult } from '../types.ts';

/** The affinity cookie's Domain does not domain-match the host the probe (and clients) used. */
export const probeCookieDomain: Check = {
  id: 'probe.cookie-domain',
  layer: 'probe',
  cause: 'cookie-domain-mismatch',
  title: 'Affinity cookie domain rejected by browsers',
  run: ({ ev, service, findings }): CheckResult[] => {
    const f = ev.probe;
    if (!f) return [];
    const host = new URL(f.data.url).hostname;
    return seenAffinityCookies(f.data.exchanges, affinityCookieNames(ev, service))
      .filter(({ cookie }) => cookie.domain && !domainMatches(cookie.domain, host))
      .map(({ cookie }) => ({
        key: cookie.name, resource: `cookie ${cookie.name} at ${f.data.url}`, severity: 'critical' as const,
        summary: `affinity cookie ${cookie.name} has Domain=${cookie.domain}, which browsers reject on ${host}`,
        evidence: [cite({ file: f.file }, `Set-Cookie: ${cookie.name}=<redacted>; Domain=${cookie.domain}`)],
        ...liveFix(findings, 'cookie-domain-mismatch', () => cookieAdvice(cookie.name, `Domain=${cookie.domain}`, `no Domain (host-only) or Domain=${host}`), cookie.name),
      }));
  },
};

/** The affinity cookie's Path does not path-match every path that must stick. */
export const probeCookiePath: Check = {
  id: 'probe.cookie-path',
  layer: 'probe',
  cause: 'cookie-path-mismatch',
  title: 'Affinity cookie path excludes paths that must stick',
  run: ({ ev, service, findings }): CheckResult[] => {
    const f = ev.probe;
    if (!f) return [];
    return seenAffinityCookies(f.data.exchanges, affinityCookieNames(ev, service)).flatMap(({ cookie }): CheckResult[] => {
      const path = cookie.path ?? '/';
      const missed = [...service.paths, ...service.websocketPaths].filter((p) => !pathMatches(path, p));
      if (missed.length === 0 || !cookie.path) return [];
      return [{
        key: cookie.name, resource: `cookie ${cookie.name} at ${f.data.url}`, severity: 'critical',
        summary: `affinity cookie ${cookie.name} has Path=${path}: browsers do not send it on ${missed.join(', ')}`,
        evidence: [cite({ file: f.file }, `Set-Cookie: ${cookie.name}=<redacted>; Path=${path}`)],
        ...liveFix(findings, 'cookie-path-mismatch', () => cookieAdvice(cookie.name, `Path=${path}`, 'Path=/'), cookie.name),
      }];
    });
  },
};
