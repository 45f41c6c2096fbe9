import type { HaproxyProxy } from '../../evidence/haproxy.ts';
import { configEditPlan, insertAfter } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/** Tells the app the original scheme: `http-request set-header X-Forwarded-Proto https if { ssl_fc }`. */
export function forwardProto(instance: string, key: string, frontend: HaproxyProxy): Plan {
  return configEditPlan('haproxy.forward-proto', key, {
    title: `Forward the client's scheme from ${instance}/${frontend.name}`,
    risk: 'low',
    instance,
    edits: [
      insertAfter(frontend.ref, 'http-request set-header X-Forwarded-Proto https if { ssl_fc }'),
      insertAfter(frontend.ref, 'http-request set-header X-Forwarded-Proto http if !{ ssl_fc }'),
    ],
  });
}
