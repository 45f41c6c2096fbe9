import type { HaproxyStickTable } from '../../evidence/haproxy.ts';
import { configEditPlan, replaceLine } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/**
 * Shares a backend's stick-table between instances through a `peers` section. The peer
 * addresses must be filled in by a person, so this plan is advice.
 */
export function shareStickTable(key: string, backend: string, tables: { instance: string; table: HaproxyStickTable }[]): Plan {
  return configEditPlan('haproxy.share-stick-table', key, {
    title: `Share the stick-table of ${backend} between ${tables.map((t) => t.instance).join(', ')}`,
    risk: 'medium',
    instance: tables.map((t) => t.instance).join(', '),
    advice: true,
    why: 'not a button, because the peers section needs the address every instance reaches the others on, which the configuration does not show: add `peers sticky` with one `peer <name> <address>:10000` line per instance (the local one named as its hostname or `-L`) to every instance, point the stick-tables at it as shown, check with `haproxy -c` and reload',
    edits: tables.map((t) => replaceLine(t.table.ref, `${t.table.ref.text ?? ''} peers sticky   # plus: peers sticky / peer <name> <ip>:10000 for each instance`)),
  });
}
