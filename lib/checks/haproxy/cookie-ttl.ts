import { cookieOf } from '../../evidence/haproxy.ts';
import { humanSeconds, tryDurationMs } from '../../evidence/duration.ts';
import { cite } from '../../evidence/source.ts';
import { raiseCookieLifetime } from '../../remediations/haproxy/raise-cookie-lifetime.ts';
import { eachServed } from '../support/haproxy.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * An inserted cookie whose `maxidle` or `maxlife` (seconds by default) is shorter than the app's
 * session: HAProxy ignores the expired cookie and rebalances the client mid-session. The
 * settings only apply in insert mode, so other modes are not judged.
 */
export const haproxyCookieTtl: Check = {
  id: 'haproxy.cookie-ttl',
  layer: 'haproxy',
  cause: 'affinity-ttl-short',
  title: 'Cookie lifetime shorter than the session',
  run: ({ ev, service }) =>
    eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
      const cookie = cookieOf(sb.proxy);
      if (!cookie || cookie.mode !== 'insert') return [];
      const session = service.sessionTimeoutSeconds;
      const short = (['maxidle', 'maxlife'] as const)
        .map((k) => ({ k, s: (tryDurationMs(cookie[k], 's') ?? Infinity) / 1000 }))
        .filter((x) => x.s < session);
      if (short.length === 0) return [];
      const what = short.map((x) => `${x.k === 'maxidle' ? `after ${humanSeconds(x.s)} idle` : `${humanSeconds(x.s)} after it was set`}`).join(' and ');
      return [{
        key,
        resource,
        severity: 'critical',
        summary: `cookie ${cookie.name} expires ${what}; sessions last ${humanSeconds(session)}`,
        evidence: [cite(cookie.ref)],
        plan: raiseCookieLifetime(cfg.instance, key, sb.proxy.name, cookie, session),
      }];
    }),
};
