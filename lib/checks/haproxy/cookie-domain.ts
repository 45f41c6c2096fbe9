import { cookieOf } from '../../evidence/haproxy.ts';
import { cite } from '../../evidence/source.ts';
import { setCookieAttributes } from '../../remediations/haproxy/set-cookie-attributes.ts';
import { domainMatches } from '../support/cookies.ts';
import { eachServed } from '../support/haproxy.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A persistence cookie with a `domain` that does not domain-match the hosts clients use: the
 * browser rejects it, so the client never sticks.
 */
export const haproxyCookieDomain: Check = {
  id: 'haproxy.cookie-domain',
  layer: 'haproxy',
  cause: 'cookie-domain-mismatch',
  title: 'Cookie domain does not match the service hosts',
  run: ({ ev, service }) =>
    eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
      const cookie = cookieOf(sb.proxy);
      if (!cookie || cookie.domains.length === 0) return [];
      const orphan = service.hosts.filter((h) => !cookie.domains.some((d) => domainMatches(d, h)));
      if (orphan.length === 0) return [];
      return [{
        key,
        resource,
        severity: orphan.length === service.hosts.length ? 'critical' : 'warning',
        summary: `cookie ${cookie.name} has domain ${cookie.domains.join(', ')}, which browsers reject on ${orphan.join(', ')}`,
        evidence: [cite(cookie.ref)],
        plan: setCookieAttributes(cfg.instance, key, sb.proxy.name, cookie, service),
      }];
    }),
};
