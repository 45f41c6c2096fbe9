import type { NginxLocation } from '../../evidence/nginx.ts';
import { configEditPlan } from '../config-edit.ts';
import { DirectiveEdits } from './directive-edit.ts';
import type { Plan } from '../types.ts';

/** Points the WebSocket location's `proxy_pass` at the sticky upstream that serves the pages. */
export function routeWebsocketSticky(instance: string, key: string, ws: NginxLocation, stickyUpstream: string): Plan {
  const pp = ws.proxyPass!;
  const target = pp.target.replace(/^([a-z]+:\/\/)[^/:]+/, `$1${stickyUpstream}`);
  return configEditPlan('nginx.route-websocket-sticky', key, {
    title: `Send WebSocket upgrades on ${ws.path} through sticky upstream ${stickyUpstream}`,
    risk: 'low',
    instance,
    edits: new DirectiveEdits().replace({ name: 'proxy_pass', args: [pp.target], ref: pp.ref }, `proxy_pass ${target};`).list(),
  });
}
