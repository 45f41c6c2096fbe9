import type { NginxLocation } from '../../evidence/nginx.ts';
import { configEditPlan } from '../config-edit.ts';
import { DirectiveEdits } from './directive-edit.ts';
import type { Plan } from '../types.ts';

/**
 * Adds `proxy_set_header X-Forwarded-Proto $scheme;` at the level where the location's
 * effective `proxy_set_header`s are defined (or next to its `proxy_pass` when none are), so
 * NGINX's all-or-nothing inheritance does not drop the others.
 */
export function forwardProto(instance: string, key: string, loc: NginxLocation): Plan {
  const header = [...loc.headers.values()].at(-1);
  const anchor = header ? { name: 'proxy_set_header', args: header.args, ref: header.ref } : { name: 'proxy_pass', args: [loc.proxyPass!.target], ref: loc.proxyPass!.ref };
  return configEditPlan('nginx.forward-proto', key, {
    title: `Forward the client's scheme on ${instance} location ${loc.path}`,
    risk: 'low',
    instance,
    edits: new DirectiveEdits().insertAfter(anchor, 'proxy_set_header X-Forwarded-Proto $scheme;').list(),
  });
}
