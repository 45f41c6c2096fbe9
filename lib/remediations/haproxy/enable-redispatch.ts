import type { HaproxyProxy } from '../../evidence/haproxy.ts';
import { configEditPlan, insertAfter } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/** Adds `option redispatch` so a client whose server is down is sent elsewhere instead of a 503. */
export function enableRedispatch(instance: string, key: string, backend: HaproxyProxy, after = backend.ref): Plan {
  return configEditPlan('haproxy.enable-redispatch', key, {
    title: `Redispatch clients of a down server on ${instance}/${backend.name}`,
    risk: 'low',
    instance,
    edits: [insertAfter(after, 'option redispatch')],
  });
}
