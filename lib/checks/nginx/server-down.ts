import { cite } from '../../evidence/source.ts';
import { restoreServer } from '../../remediations/nginx/restore-server.ts';
import { eachUpstream } from '../support/nginx.ts';
import type { Check, CheckResult } from '../types.ts';

/** Upstream servers marked `down` in a sticky upstream: the clients hashed to them are rebalanced. */
export const nginxServerDown: Check = {
  id: 'nginx.server-down',
  layer: 'nginx',
  cause: 'backend-removed',
  title: 'Server marked down',
  run: ({ ev, service }) =>
    eachUpstream(ev, service).flatMap((s): CheckResult[] => {
      const down = s.upstream.servers.filter((x) => x.down);
      if (down.length === 0 || s.upstream.method === 'round-robin') return [];
      return [{
        key: s.key, resource: s.resource, severity: 'warning',
        summary: `${down.map((d) => d.address).join(', ')} marked down in ${s.upstream.name}: the clients that stick to ${down.length > 1 ? 'them' : 'it'} are rebalanced`,
        evidence: down.map((d) => cite(d.ref)),
        plan: restoreServer(s.cfg.instance, s.key, s.upstream),
      }];
    }),
};
