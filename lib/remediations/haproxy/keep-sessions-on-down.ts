import type { SourceRef } from '../../evidence/source.ts';
import { configEditPlan, replaceLine } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/** Drops `on-marked-down shutdown-sessions` so established sessions finish when a server is marked down. */
export function keepSessionsOnDown(instance: string, key: string, backend: string, refs: SourceRef[]): Plan {
  return configEditPlan('haproxy.keep-sessions-on-down', key, {
    title: `Let sessions finish when a server of ${instance}/${backend} goes down`,
    risk: 'low',
    instance,
    edits: refs.map((r) => replaceLine(r, (r.text ?? '').replace(/\s+on-marked-down\s+shutdown-sessions/, ''))),
  });
}
