import { cite } from '../../evidence/source.ts';
import { enableCookie } from '../../remediations/haproxy/enable-cookie.ts';
import { affinityOf, eachServed } from '../support/haproxy.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * Persistence on the client address (`balance source`, `stick on src`) for public clients:
 * mobile clients change address and NAT or proxies put many users behind one, so sessions
 * move or pile up. Internal clients with stable addresses are fine.
 */
export const haproxySourceAffinity: Check = {
  id: 'haproxy.source-affinity',
  layer: 'haproxy',
  cause: 'ip-affinity-unstable',
  title: 'Affinity hashes the client IP',
  run: ({ ev, service }) =>
    service.clients !== 'public'
      ? []
      : eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
          const a = affinityOf(sb.proxy);
          if (a.kind !== 'source' || !a.ref) return [];
          return [{
            key, resource, severity: 'warning',
            summary: `backend ${sb.proxy.name} sticks on the client IP; public clients change address (mobile) or share one (NAT, proxies)`,
            evidence: [cite(a.ref)],
            plan: enableCookie(cfg.instance, key, sb.proxy, service, undefined, sb.frontends),
          }];
        }),
};
