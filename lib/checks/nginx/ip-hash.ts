import { cite } from '../../evidence/source.ts';
import { routeCookie } from '../../remediations/nginx/route-cookie.ts';
import { eachUpstream, hashKeyKind } from '../support/nginx.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * `ip_hash` (first three octets of IPv4) or a hash on the client address, for public clients:
 * mobile clients change address and NAT or proxies put many users behind one.
 */
export const nginxIpHash: Check = {
  id: 'nginx.ip-hash',
  layer: 'nginx',
  cause: 'ip-affinity-unstable',
  title: 'Affinity hashes the client IP',
  run: ({ ev, service }) =>
    service.clients !== 'public'
      ? []
      : eachUpstream(ev, service).flatMap((s): CheckResult[] => {
          const u = s.upstream;
          const ip = u.method === 'ip_hash' || (u.method === 'hash' && hashKeyKind(u.hashKey, s.cfg.maps) === 'address');
          if (!ip || !u.methodRef) return [];
          return [{
            key: s.key, resource: s.resource, severity: 'warning',
            summary: `upstream ${u.name} sticks on the client address${u.method === 'ip_hash' ? ' (ip_hash uses the first three octets of IPv4)' : ''}; public clients change it (mobile) or share it (NAT, proxies)`,
            evidence: [cite(u.methodRef)],
            plan: routeCookie(s.cfg.instance, s.key, s, service),
          }];
        }),
};
