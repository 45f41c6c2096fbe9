import { get, list, type KubeObject } from '../../evidence/kubernetes.ts';
import { cite } from '../../evidence/source.ts';
import { splitProbes } from '../../remediations/kubernetes/split-probes.ts';
import { inWindow, kubeIndex, objectLabel, servingWorkloads } from '../support/kubernetes.ts';
import { FLAP_SECONDS } from '../support/thresholds.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

const handler = (probe: unknown) => JSON.stringify(get(probe, 'httpGet') ?? get(probe, 'exec') ?? get(probe, 'tcpSocket') ?? get(probe, 'grpc') ?? null);

/** The container an event's `involvedObject.fieldPath` (`spec.containers{web}`) names, if any. */
const containerOf = (e: KubeObject) => /spec\.containers\{([^}]+)\}/.exec(String(get(e.raw, 'involvedObject', 'fieldPath') ?? ''))?.[1];

/**
 * Readiness probes that take pods out of rotation too easily. Observed: `Unhealthy` events
 * "Readiness probe failed" in the hour before the check, at least `failureThreshold` (default 3)
 * of them for one pod, which is what marks a pod unready at least once. Configured: a probe that
 * fails a pod in under 5 s (`periodSeconds` × `failureThreshold`; the defaults, 10 × 3, are not
 * a finding), or one endpoint used for both liveness and readiness (a dependency blip then
 * restarts every pod and drops their sessions). One finding per container.
 */
export const kubernetesProbes: Check = {
  id: 'kubernetes.probes',
  layer: 'kubernetes',
  cause: 'health-check-flapping',
  title: 'Probes take pods out of rotation',
  run: ({ ev, service, collectedAt }) => {
    const index = kubeIndex(ev.kubernetes);
    const until = collectedAt?.getTime();
    return servingWorkloads(ev.kubernetes, service).flatMap((wl): CheckResult[] => {
      const containers = list(wl.raw, 'spec', 'template', 'spec', 'containers');
      const fallback = get(containers.find((c) => get(c, 'readinessProbe') !== undefined), 'name') as string | undefined;
      const failures = index.eventsOf(wl.name).filter((e) => get(e.raw, 'reason') === 'Unhealthy' && /^Readiness probe failed/i.test(String(get(e.raw, 'message') ?? '')) && inWindow(e, until));
      return containers.flatMap((c, i): CheckResult[] => {
        const name = (get(c, 'name') as string | undefined) ?? String(i);
        const readiness = get(c, 'readinessProbe');
        const liveness = get(c, 'livenessProbe');
        const reasons: string[] = [];
        const evidence: string[] = [];
        const base = ['spec', 'template', 'spec', 'containers', i];
        const period = (get(readiness, 'periodSeconds') as number | undefined) ?? 10;
        const threshold = (get(readiness, 'failureThreshold') as number | undefined) ?? 3;
        const mine = failures.filter((e) => (containerOf(e) ?? fallback) === name);
        const perPod = new Map<string, number>();
        for (const e of mine) {
          const pod = String(get(e.raw, 'involvedObject', 'name') ?? '');
          perPod.set(pod, (perPod.get(pod) ?? 0) + Number(get(e.raw, 'count') ?? 1));
        }
        const flapped = [...perPod].filter(([, n]) => n >= threshold);
        if (readiness && flapped.length > 0) {
          reasons.push(`readiness failed ${flapped.map(([pod, n]) => `${n} times on ${pod}`).join(', ')} in the hour before the check (failureThreshold ${threshold}): the pod${flapped.length > 1 ? 's were' : ' was'} taken out of rotation and ${flapped.length > 1 ? 'their' : 'its'} sticky clients moved`);
          evidence.push(...mine.filter((e) => flapped.some(([pod]) => pod === get(e.raw, 'involvedObject', 'name'))).slice(0, 3).map((e) => cite(e.ref(['message'], `${String(get(e.raw, 'lastTimestamp') ?? '')} Unhealthy ${String(get(e.raw, 'involvedObject', 'name'))} (×${String(get(e.raw, 'count') ?? 1)}): ${String(get(e.raw, 'message') ?? '')}`))));
        }
        if (readiness && period * threshold < FLAP_SECONDS) {
          reasons.push(`readiness fails the pod after ${period * threshold} s (periodSeconds ${period} × failureThreshold ${threshold}, under ${FLAP_SECONDS} s)`);
          evidence.push(cite(wl.ref([...base, 'readinessProbe'], `readinessProbe: periodSeconds ${period}, failureThreshold ${threshold}`)));
        }
        if (readiness && liveness && handler(readiness) === handler(liveness)) {
          reasons.push('liveness and readiness use the same check, so a dependency failure restarts the pods');
          evidence.push(cite(wl.ref([...base, 'livenessProbe'], `livenessProbe = readinessProbe: ${handler(liveness)}`)));
        }
        if (reasons.length === 0) return [];
        const key = `${idPart(wl.name)}.${idPart(name)}`;
        return [{
          key, resource: `${objectLabel(wl)} container ${name}`, severity: 'warning',
          summary: reasons.join('; '), evidence,
          plan: splitProbes(key, wl, name, reasons.join('; ')),
        }];
      });
    });
  },
};
