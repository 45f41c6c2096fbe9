import { cookieOf } from '../../evidence/haproxy.ts';
import { cite } from '../../evidence/source.ts';
import { routeWebsocketSticky } from '../../remediations/haproxy/route-websocket-sticky.ts';
import { affinityOf, servedBackends } from '../support/haproxy.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * WebSocket upgrades routed to a backend that does not honour the page backend's cookie: the
 * socket opens on a server that does not hold the session.
 */
export const haproxyWebsocket: Check = {
  id: 'haproxy.websocket',
  layer: 'haproxy',
  cause: 'websocket-not-sticky',
  title: 'WebSocket upgrades bypass the sticky backend',
  run: ({ ev, service }) =>
    ev.haproxy.flatMap((cfg): CheckResult[] => {
      const served = servedBackends(cfg, service);
      const page = served.find((s) => s.pages.length > 0 && cookieOf(s.proxy));
      if (!page) return [];
      const cookie = cookieOf(page.proxy)!;
      return served
        .filter((s) => s.websockets.length > 0 && s.proxy !== page.proxy)
        .filter((s) => cookieOf(s.proxy)?.name !== cookie.name && affinityOf(s.proxy).kind !== 'stick')
        .map((s) => {
          const key = `${idPart(cfg.instance)}.${idPart(s.proxy.name)}`;
          const route = s.frontends.flatMap((f) => f.own.filter((d) => d.keyword === 'use_backend' && d.args[0] === s.proxy.name));
          return {
            key, resource: `${cfg.instance}/backend ${s.proxy.name}`, severity: 'critical' as const,
            summary: `WebSocket path(s) ${s.websockets.join(', ')} go to backend ${s.proxy.name}, which ignores cookie ${cookie.name} of ${page.proxy.name}: sockets open on a server without the session`,
            evidence: [...route.map((d) => cite(d.ref)), cite(s.proxy.ref, `${s.proxy.ref.text} (no cookie ${cookie.name})`), cite(cookie.ref)],
            plan: routeWebsocketSticky(cfg.instance, key, s.proxy, cookie, page.proxy),
          };
        });
    }),
};
