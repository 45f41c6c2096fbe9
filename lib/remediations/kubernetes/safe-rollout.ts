import { get, list, type KubeObject } from '../../evidence/kubernetes.ts';
import type { Plan } from '../types.ts';
import { patchPlan } from './patch.ts';

/**
 * Makes rollouts drain before they kill: `maxUnavailable: 0` (Deployments), a `preStop` sleep
 * on every container so endpoints are removed before SIGTERM, and a grace period longer than
 * the sleep. A strategic-merge patch, containers matched by name. High risk: changing the pod
 * template rolls every pod once, so it needs a second person's approval. The rollback restores
 * the strategy as collected and removes the `rollingUpdate` the fix added when the strategy
 * had none (a `Recreate` Deployment may not carry one).
 */
export function safeRollout(key: string, wl: KubeObject, drainSeconds = 30): Plan {
  const grace = drainSeconds + 30;
  const containers = list(wl.raw, 'spec', 'template', 'spec', 'containers') as { name: string; lifecycle?: unknown }[];
  const oldGrace = get(wl.raw, 'spec', 'template', 'spec', 'terminationGracePeriodSeconds') as number | undefined;
  const isDeploy = wl.kind === 'Deployment';
  const oldStrategy = get(wl.raw, 'spec', 'strategy');
  const patch = {
    spec: {
      ...(isDeploy ? { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } } : {}),
      template: {
        spec: {
          terminationGracePeriodSeconds: Math.max(grace, oldGrace ?? 0),
          containers: containers.map((c) => ({ name: c.name, lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', `sleep ${drainSeconds}`] } } } })),
        },
      },
    },
  };
  const restoreStrategy = oldStrategy && typeof oldStrategy === 'object'
    ? { ...(oldStrategy as Record<string, unknown>), ...('rollingUpdate' in oldStrategy ? {} : { rollingUpdate: null }) }
    : null;
  const rollback = {
    spec: {
      ...(isDeploy ? { strategy: restoreStrategy } : {}),
      template: { spec: { terminationGracePeriodSeconds: oldGrace ?? null, containers: containers.map((c) => ({ name: c.name, lifecycle: c.lifecycle ?? null })) } },
    },
  };
  return patchPlan('kubernetes.safe-rollout', key, wl, {
    title: `Drain ${wl.kind} ${wl.name} pods before they stop (restarts every pod once)`,
    risk: 'high',
    patchType: 'strategic',
    patch,
    rollback,
    before: `${wl.kind} ${wl.name}: ${isDeploy ? `strategy ${JSON.stringify(oldStrategy ?? { type: 'RollingUpdate (maxUnavailable 25%)' })}, ` : ''}preStop ${containers.some((c) => get(c, 'lifecycle', 'preStop')) ? 'set' : 'none'}, terminationGracePeriodSeconds ${oldGrace ?? '(unset: 30)'}`,
    after: `${wl.kind} ${wl.name}: ${isDeploy ? 'maxUnavailable 0, maxSurge 1, ' : ''}preStop sleep ${drainSeconds}, terminationGracePeriodSeconds ${Math.max(grace, oldGrace ?? 0)}`,
  });
}
