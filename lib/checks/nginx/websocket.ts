import type { NginxUpstream } from '../../evidence/nginx.ts';
import { cite } from '../../evidence/source.ts';
import { routeWebsocketSticky } from '../../remediations/nginx/route-websocket-sticky.ts';
import { servedUpstreams } from '../support/nginx.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

const affinity = (u: NginxUpstream) => (u.method === 'hash' ? `hash ${u.hashKey}` : u.method === 'sticky' ? `sticky ${u.sticky?.args[0]}` : u.method);
const sticky = (u: NginxUpstream) => ['ip_hash', 'hash', 'sticky'].includes(u.method);

/**
 * A WebSocket location that proxies to an upstream without the affinity of the upstream that
 * serves the pages: the upgrade opens on a server that does not hold the session.
 */
export const nginxWebsocket: Check = {
  id: 'nginx.websocket',
  layer: 'nginx',
  cause: 'websocket-not-sticky',
  title: 'WebSocket upgrades bypass the sticky upstream',
  run: ({ ev, service }) =>
    ev.nginx.flatMap((cfg): CheckResult[] => {
      const served = servedUpstreams(cfg, service);
      const page = served.find((s) => s.pages.length > 0 && sticky(s.upstream));
      if (!page) return [];
      return served
        .filter((s) => s.websockets.length > 0 && s.upstream !== page.upstream)
        .filter((s) => affinity(s.upstream) !== affinity(page.upstream) || s.upstream.servers.map((x) => x.address).join() !== page.upstream.servers.map((x) => x.address).join())
        .map((s) => {
          const ws = s.websockets[0]!;
          const key = `${idPart(cfg.instance)}.${idPart(ws.location.path)}`;
          return {
            key, resource: `${cfg.instance}/location ${ws.location.path}`, severity: 'critical' as const,
            summary: `WebSocket path(s) ${s.websockets.map((w) => w.path).join(', ')} proxy to ${s.upstream.name} (${affinity(s.upstream)}) while pages stick through ${page.upstream.name} (${affinity(page.upstream)})`,
            evidence: [cite(ws.location.proxyPass!.ref), cite(s.upstream.methodRef ?? s.upstream.ref), cite(page.upstream.methodRef ?? page.upstream.ref)],
            plan: routeWebsocketSticky(cfg.instance, key, ws.location, page.upstream.name),
          };
        });
    }),
};
