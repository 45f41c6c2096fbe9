import { get } from '../../evidence/kubernetes.ts';
import { cite } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { safeRollout } from '../../remediations/kubernetes/safe-rollout.ts';
import { inWindow, kubeIndex, objectLabel, servingWorkloads } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/** Whether the workload's rollouts already drain: no pod down before its replacement, and a preStop on every container. */
function drainsAlready(raw: unknown): boolean {
  const containers = (get(raw, 'spec', 'template', 'spec', 'containers') ?? []) as unknown[];
  return get(raw, 'spec', 'strategy', 'rollingUpdate', 'maxUnavailable') === 0 && containers.length > 0 && containers.every((c) => get(c, 'lifecycle', 'preStop') !== undefined);
}

/**
 * Pods of a serving workload killed or scaled down within the hour before collection (Events
 * `Killing`, `ScalingReplicaSet` scale-downs, `SuccessfulDelete`): each took its sticky sessions
 * with it. The events are the evidence. They stay in the window whatever is changed, so the plan
 * is advice: make rollouts drain, or limit disruptions when they already drain.
 */
export const kubernetesPodKills: Check = {
  id: 'kubernetes.pod-kills',
  layer: 'kubernetes',
  cause: 'rolling-deploy-termination',
  title: 'Pods killed during the incident window',
  run: ({ ev, service, collectedAt }) => {
    const until = collectedAt?.getTime();
    const index = kubeIndex(ev.kubernetes);
    return servingWorkloads(ev.kubernetes, service).flatMap((wl): CheckResult[] => {
      const events = index.eventsOf(wl.name).filter((e) => {
        const reason = String(get(e.raw, 'reason') ?? '');
        const message = String(get(e.raw, 'message') ?? '');
        const kills = reason === 'Killing' || reason === 'SuccessfulDelete' || (reason === 'ScalingReplicaSet' && /scaled down/i.test(message));
        return kills && inWindow(e, until);
      });
      if (events.length === 0) return [];
      const count = events.reduce((n, e) => n + Number(get(e.raw, 'count') ?? 1), 0);
      const key = idPart(wl.name);
      return [{
        key, resource: objectLabel(wl), severity: 'warning',
        summary: `${count} pod kill(s) or scale-down(s) of ${wl.name} in the hour before the check; the sessions held by those pods were lost`,
        evidence: events.slice(0, 5).map((e) => cite(e.ref(['message'], `${String(get(e.raw, 'lastTimestamp') ?? '')} ${String(get(e.raw, 'reason'))} ${String(get(e.raw, 'involvedObject', 'name'))}: ${String(get(e.raw, 'message') ?? '')}`))),
        plan: drainsAlready(wl.raw)
          ? advice('kubernetes.limit-disruption', key, `Limit how many ${wl.name} pods go at once`, `${count} kill(s) despite a draining rollout`, 'a PodDisruptionBudget and a slower autoscaler scale-down', 'the rollout already drains, so the kills came from scale-in, evictions or node drains: add a PodDisruptionBudget and an HPA scale-down stabilization window, or share session state')
          : advice('kubernetes.drain-rollouts', key, `Make ${wl.kind} ${wl.name}'s next rollouts drain`, `${count} kill(s) of pods that did not drain`, 'maxUnavailable 0, a preStop sleep on every container, a grace period longer than the sleep',
            `these kills are in the past, so no change can make them leave the window and be verified here; change the pod template (kubernetes.rollout proposes the patch when the rollout itself does not drain): ${safeRollout(key, wl).apply}`),
      }];
    });
  },
};
