import type { NginxLocation } from '../../evidence/nginx.ts';
import { configEditPlan, insertAfter } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/**
 * Adds `proxy_set_header X-Forwarded-Proto $scheme;` at the level where the location's
 * effective `proxy_set_header`s are defined (or next to its `proxy_pass` when none are), so
 * NGINX's all-or-nothing inheritance does not drop the others.
 */
export function forwardProto(instance: string, key: string, loc: NginxLocation): Plan {
  const anchor = [...loc.headers.values()][0]?.ref ?? loc.proxyPass!.ref;
  return configEditPlan('nginx.forward-proto', key, {
    title: `Forward the client's scheme on ${instance} location ${loc.path}`,
    risk: 'low',
    instance,
    edits: [insertAfter(anchor, 'proxy_set_header X-Forwarded-Proto $scheme;')],
  });
}
