import type { NginxUpstream } from '../../evidence/nginx.ts';
import { plan, type Plan } from '../types.ts';

/**
 * Makes every NGINX instance hash over the same server list, in the same order. The lists are
 * shown side by side; a person decides which one is right, so this is advice.
 */
export function alignUpstreamServers(key: string, lists: { instance: string; upstream: NginxUpstream }[]): Plan {
  const show = (u: NginxUpstream) => u.servers.map((s) => s.address).join(', ');
  const ref = lists[0]!;
  return plan('nginx.align-upstream-servers', key, {
    title: `Use one server list for upstream ${ref.upstream.name} on ${lists.map((l) => l.instance).join(', ')}`,
    risk: 'medium',
    change: {
      before: lists.map((l) => `${l.instance}: ${show(l.upstream)}`).join('\n'),
      after: lists.map((l) => `${l.instance}: ${show(ref.upstream)}`).join('\n'),
    },
    apply: 'not a button, because which list is right is a decision Sticky cannot make: a server on one list only may be joining or leaving the pool. Pick the list, deploy the same upstream block to every instance from one source (config management), `nginx -t`, `nginx -s reload`',
    rollback: 'redeploy the previous upstream blocks',
    advice: true,
    target: { instances: lists.map((l) => l.instance), upstream: ref.upstream.name },
  });
}
