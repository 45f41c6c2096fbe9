import { cite } from '../../evidence/source.ts';
import { alignUpstreamServers } from '../../remediations/nginx/align-upstream-servers.ts';
import { eachUpstream } from '../support/nginx.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * Several NGINX instances hashing the same upstream over different server lists (or orders):
 * the same client hashes to different servers depending on the instance it reaches.
 */
export const nginxSharedState: Check = {
  id: 'nginx.shared-state',
  layer: 'nginx',
  cause: 'no-shared-session-state',
  title: 'Instances hash over different server lists',
  run: ({ ev, service }) => {
    const groups = new Map<string, ReturnType<typeof eachUpstream>>();
    for (const s of eachUpstream(ev, service)) {
      if (s.upstream.method !== 'hash' && s.upstream.method !== 'ip_hash') continue;
      groups.set(s.upstream.name, [...(groups.get(s.upstream.name) ?? []), s]);
    }
    const out: CheckResult[] = [];
    for (const [name, g] of groups) {
      if (g.length < 2) continue;
      const lists = g.map((s) => s.upstream.servers.filter((x) => !x.backup).map((x) => x.address).join(','));
      if (new Set(lists).size === 1) continue;
      out.push({
        key: idPart(name), resource: `upstream ${name} on ${g.map((s) => s.cfg.instance).join(', ')}`, severity: 'critical',
        summary: `upstream ${name} hashes over different server lists on ${g.map((s) => s.cfg.instance).join(' and ')}: one client maps to different servers depending on the instance`,
        evidence: g.map((s) => cite(s.upstream.ref, `${s.upstream.ref.text} servers: ${s.upstream.servers.map((x) => x.address).join(', ')}`)),
        plan: alignUpstreamServers(idPart(name), g.map((s) => ({ instance: s.cfg.instance, upstream: s.upstream }))),
      });
    }
    return out;
  },
};
