import type { NginxUpstream } from '../../evidence/nginx.ts';
import { configEditPlan } from '../config-edit.ts';
import { DirectiveEdits } from './directive-edit.ts';
import type { Plan } from '../types.ts';

/** Removes the `down` flag from upstream servers so their hashed clients come back to them. */
export function restoreServer(instance: string, key: string, up: NginxUpstream): Plan {
  const down = up.servers.filter((s) => s.down);
  const edits = new DirectiveEdits();
  for (const s of down) edits.replace({ name: 'server', args: [s.address, ...s.params], ref: s.ref }, `server ${[s.address, ...s.params.filter((p) => p !== 'down')].join(' ')};`);
  return configEditPlan('nginx.restore-server', key, {
    title: `Return ${down.map((s) => s.address).join(', ')} to ${instance}/${up.name}`,
    risk: 'medium',
    instance,
    edits: edits.list(),
  });
}
