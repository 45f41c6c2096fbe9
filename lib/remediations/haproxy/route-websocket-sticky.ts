import type { HaproxyCookie, HaproxyProxy } from '../../evidence/haproxy.ts';
import { configEditPlan, insertAfter, replaceLine, type LineEdit } from '../config-edit.ts';
import type { Plan } from '../types.ts';
import { withServerCookie } from './server-line.ts';

/**
 * Gives the WebSocket backend the page backend's cookie and the same server cookie values, so an
 * upgrade carrying the cookie lands on the server that holds the session.
 */
export function routeWebsocketSticky(instance: string, key: string, ws: HaproxyProxy, cookie: HaproxyCookie, page: HaproxyProxy): Plan {
  const edits: LineEdit[] = [insertAfter(ws.ref, `cookie ${cookie.name} insert indirect nocache`)];
  for (const s of ws.servers) {
    const twin = page.servers.find((p) => p.address === s.address || p.name === s.name);
    const value = twin?.params.get('cookie');
    if (!value || s.params.get('cookie') === value) continue;
    edits.push(replaceLine(s.ref, withServerCookie(s.ref.text ?? '', value)));
  }
  return configEditPlan('haproxy.route-websocket-sticky', key, {
    title: `Make WebSocket backend ${ws.name} on ${instance} honour cookie ${cookie.name}`,
    risk: 'low',
    instance,
    edits,
  });
}
