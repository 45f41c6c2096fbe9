import type { NginxUpstream } from '../../evidence/nginx.ts';
import { configEditPlan } from '../config-edit.ts';
import { DirectiveEdits } from './directive-edit.ts';
import type { Plan } from '../types.ts';

/** Adds `consistent` to a `hash` so a pool change remaps about 1/n of the clients instead of most. */
export function makeHashConsistent(instance: string, key: string, up: NginxUpstream): Plan {
  return configEditPlan('nginx.make-hash-consistent', key, {
    title: `Use consistent hashing on ${instance}/${up.name}`,
    risk: 'medium',
    instance,
    edits: new DirectiveEdits().replace({ name: 'hash', args: up.methodArgs, ref: up.methodRef! }, `hash ${up.hashKey} consistent;`).list(),
  });
}
