import type { NginxUpstream } from '../../evidence/nginx.ts';
import { configEditPlan, replaceLine } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/** Removes the `down` flag from upstream servers so their hashed clients come back to them. */
export function restoreServer(instance: string, key: string, up: NginxUpstream): Plan {
  const down = up.servers.filter((s) => s.down);
  return configEditPlan('nginx.restore-server', key, {
    title: `Return ${down.map((s) => s.address).join(', ')} to ${instance}/${up.name}`,
    risk: 'medium',
    instance,
    edits: down.map((s) => replaceLine(s.ref, (s.ref.text ?? '').replace(/\s+down\b/, ''))),
  });
}
