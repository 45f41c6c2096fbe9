import type { HaproxyStickTable } from '../../evidence/haproxy.ts';
import { configEditPlan, replaceLine, timeValue } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/** Raises a stick-table's `expire` to twice the session timeout. */
export function raiseStickExpire(instance: string, key: string, backend: string, table: HaproxyStickTable, sessionSeconds: number): Plan {
  const life = timeValue(sessionSeconds * 2);
  const text = table.ref.text ?? '';
  const after = /\bexpire\s+\S+/.test(text) ? text.replace(/(\bexpire\s+)\S+/, `$1${life}`) : `${text} expire ${life}`;
  return configEditPlan('haproxy.raise-stick-expire', key, {
    title: `Raise the stick-table expiry on ${instance}/${backend} to ${life}`,
    risk: 'low',
    instance,
    edits: [replaceLine(table.ref, after)],
  });
}
