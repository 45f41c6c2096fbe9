import type { SourceRef } from '../../evidence/source.ts';
import { configEditPlan } from '../config-edit.ts';
import { DirectiveEdits } from './directive-edit.ts';
import type { Plan } from '../types.ts';

/** Sets `health_check interval=5s fails=3 passes=2` (15 s to mark a server down). */
export function slowHealthChecks(instance: string, key: string, ref: SourceRef, args: string[]): Plan {
  const keep = args.filter((a) => !/^(interval|fails|passes)=/.test(a));
  return configEditPlan('nginx.slow-health-checks', key, {
    title: `Slow down active health checks on ${instance}`,
    risk: 'low',
    instance,
    edits: new DirectiveEdits().replace({ name: 'health_check', args, ref }, `health_check ${[...keep, 'interval=5s', 'fails=3', 'passes=2'].join(' ')};`).list(),
  });
}
