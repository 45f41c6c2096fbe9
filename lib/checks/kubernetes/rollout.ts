import { get, list, type KubeObject } from '../../evidence/kubernetes.ts';
import { cite } from '../../evidence/source.ts';
import { safeRollout } from '../../remediations/kubernetes/safe-rollout.ts';
import { albRoutes, type AlbTargetGroup } from '../support/alb.ts';
import { intOrPercent, objectLabel, servingWorkloads, workloadsOf } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

function preStopSleep(container: unknown): number | undefined {
  const pre = get(container, 'lifecycle', 'preStop');
  if (!pre) return undefined;
  const sleep = get(pre, 'sleep', 'seconds');
  if (typeof sleep === 'number') return sleep;
  const cmd = (list(pre, 'exec', 'command') as string[]).join(' ');
  const m = /sleep\s+(\d+)/.exec(cmd);
  return m ? Number(m[1]) : 0;
}

/**
 * Rollouts that kill pods holding sessions: `Recreate` (every pod at once); `RollingUpdate`
 * with `maxUnavailable` above zero (default 25%, rounded down) and no `preStop` delay; or a
 * `preStop` sleep that the termination grace period (default 30 s) cuts short. Pods that are
 * ALB targets themselves (AWS Load Balancer Controller, `target-type: ip`) need the preStop delay
 * even with `maxUnavailable: 0`: the ALB deregisters a stopping pod only seconds later.
 */
export const kubernetesRollout: Check = {
  id: 'kubernetes.rollout',
  layer: 'kubernetes',
  cause: 'rolling-deploy-termination',
  title: 'Rollouts kill pods that hold sessions',
  run: ({ ev, service }) => {
    const albIp = new Map<KubeObject, AlbTargetGroup>();
    for (const r of albRoutes(ev.kubernetes, service)) {
      for (const tg of r.targetGroups) if (tg.targetType === 'ip' && tg.service) for (const w of workloadsOf(ev.kubernetes, tg.service)) if (!albIp.has(w)) albIp.set(w, tg);
    }
    return servingWorkloads(ev.kubernetes, service).flatMap((wl): CheckResult[] => {
      const key = idPart(wl.name);
      const resource = objectLabel(wl);
      const replicas = (get(wl.raw, 'spec', 'replicas') as number | undefined) ?? 1;
      const containers = list(wl.raw, 'spec', 'template', 'spec', 'containers');
      const grace = (get(wl.raw, 'spec', 'template', 'spec', 'terminationGracePeriodSeconds') as number | undefined) ?? 30;
      const sleeps = containers.map(preStopSleep);
      const evidence: string[] = [];
      const reasons: string[] = [];
      let severity: 'critical' | 'warning' = 'warning';
      const strategyField = wl.kind === 'Deployment' ? 'strategy' : 'updateStrategy';
      const type = (get(wl.raw, 'spec', strategyField, 'type') as string | undefined) ?? 'RollingUpdate';
      if (wl.kind === 'Deployment' && type === 'Recreate') {
        severity = 'critical';
        reasons.push('strategy Recreate stops every pod at once on each rollout');
        evidence.push(cite(wl.ref(['spec', 'strategy', 'type'], 'strategy.type: Recreate')));
      } else if (type === 'RollingUpdate') {
        const raw = get(wl.raw, 'spec', strategyField, 'rollingUpdate', 'maxUnavailable') ?? (wl.kind === 'Deployment' ? '25%' : 1);
        const maxUnavailable = intOrPercent(raw, replicas, false);
        if (maxUnavailable > 0 && sleeps.every((s) => s === undefined)) {
          reasons.push(`maxUnavailable ${String(raw)} (${maxUnavailable} of ${replicas} pods) with no preStop delay: pods stop while still receiving their sticky clients`);
          evidence.push(cite(wl.ref(['spec', strategyField], `${strategyField}: maxUnavailable ${String(raw)}${get(wl.raw, 'spec', strategyField, 'rollingUpdate', 'maxUnavailable') === undefined ? ' (default)' : ''}`)));
          evidence.push(cite(wl.ref(['spec', 'template', 'spec', 'containers'], 'containers: no lifecycle.preStop')));
        }
      }
      const alb = albIp.get(wl);
      if (alb && sleeps.every((s) => s === undefined)) {
        reasons.push(`its pods are the targets of ${alb.label} (target-type ip): the ALB keeps sending requests to a stopping pod until the controller has deregistered it, and without a preStop delay those requests fail`);
        evidence.push(alb.citeTargetType());
        if (!evidence.some((e) => e.endsWith('containers: no lifecycle.preStop'))) evidence.push(cite(wl.ref(['spec', 'template', 'spec', 'containers'], 'containers: no lifecycle.preStop')));
      }
      const longest = Math.max(0, ...sleeps.map((s) => s ?? 0));
      if (longest > 0 && grace <= longest) {
        reasons.push(`the preStop sleep (${longest} s) is not shorter than terminationGracePeriodSeconds (${grace} s), so the pod is killed before it drains`);
        evidence.push(cite(wl.ref(['spec', 'template', 'spec', 'terminationGracePeriodSeconds'], `terminationGracePeriodSeconds: ${grace}`)));
      }
      if (reasons.length === 0) return [];
      return [{ key, resource, severity, summary: reasons.join('; '), evidence, plan: safeRollout(key, wl, Math.max(30, longest)) }];
    });
  },
};
