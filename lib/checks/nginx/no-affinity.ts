import { cite } from '../../evidence/source.ts';
import { routeCookie } from '../../remediations/nginx/route-cookie.ts';
import { activeUpstreamServers, eachUpstream } from '../support/nginx.ts';
import type { Check } from '../types.ts';

/**
 * An upstream that serves the service from several servers with no `ip_hash`, `hash` or
 * `sticky`: round robin (or least_conn, random) spreads one session's requests over servers.
 * The fix is open-source NGINX's own route cookie (map, hash, Set-Cookie).
 */
export const nginxNoAffinity: Check = {
  id: 'nginx.no-affinity',
  layer: 'nginx',
  cause: 'cookie-not-set',
  title: 'Upstream has no session affinity',
  run: ({ ev, service }) =>
    eachUpstream(ev, service)
      .filter((s) => s.pages.length > 0 && ['round-robin', 'least_conn', 'random', 'least_time'].includes(s.upstream.method) && activeUpstreamServers(s.upstream).length > 1)
      .map((s) => ({
        key: s.key,
        resource: s.resource,
        severity: 'critical',
        summary: `upstream ${s.upstream.name} spreads requests over ${activeUpstreamServers(s.upstream).length} servers by ${s.upstream.method} with no affinity`,
        evidence: [cite(s.upstream.ref, `${s.upstream.ref.text} (no ip_hash, hash or sticky)`), ...s.pages.slice(0, 1).map((p) => cite(p.location.proxyPass!.ref))],
        plan: routeCookie(s.cfg.instance, s.key, s, service),
      })),
};
