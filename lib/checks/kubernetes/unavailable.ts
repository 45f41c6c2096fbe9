import { get } from '../../evidence/kubernetes.ts';
import { cite } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { objectLabel, servingWorkloads } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * A serving workload with fewer ready pods than desired (from its `status`): the missing pods'
 * sticky clients have been moved and lost their sessions.
 */
export const kubernetesUnavailable: Check = {
  id: 'kubernetes.unavailable',
  layer: 'kubernetes',
  cause: 'backend-removed',
  title: 'Pods out of rotation',
  run: ({ ev, service }) =>
    servingWorkloads(ev.kubernetes, service).flatMap((wl): CheckResult[] => {
      const status = get(wl.raw, 'status');
      if (!status) return [];
      const desired = (get(wl.raw, 'spec', 'replicas') as number | undefined) ?? 1;
      const ready = (get(status, 'readyReplicas') as number | undefined) ?? 0;
      if (ready >= desired) return [];
      return [{
        key: idPart(wl.name), resource: objectLabel(wl), severity: 'warning',
        summary: `${wl.kind} ${wl.name} has ${ready} of ${desired} pods ready: clients stuck to the missing pods lost their sessions`,
        evidence: [cite(wl.ref(['status', 'readyReplicas'], `readyReplicas: ${ready} (spec.replicas ${desired})`))],
        plan: advice('kubernetes.restore-pods', idPart(wl.name), `Bring ${wl.kind} ${wl.name} back to ${desired} ready pods`, `${ready} of ${desired} pods ready`, `${desired} of ${desired} pods ready`, `find why pods are not ready (kubectl describe ${wl.kind.toLowerCase()} ${wl.name}, its events and pod logs) and fix it; sessions on the missing pods are already lost`),
      }];
    }),
};
