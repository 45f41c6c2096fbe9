import { get, list } from '../../evidence/kubernetes.ts';
import { cite } from '../../evidence/source.ts';
import { splitProbes } from '../../remediations/kubernetes/split-probes.ts';
import { objectLabel, servingWorkloads } from '../support/kubernetes.ts';
import { FLAP_SECONDS } from '../support/thresholds.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

const handler = (probe: unknown) => JSON.stringify(get(probe, 'httpGet') ?? get(probe, 'exec') ?? get(probe, 'tcpSocket') ?? get(probe, 'grpc') ?? null);

/**
 * Probes that take pods out too easily: a readiness probe that fails a pod in under 10 s
 * (`periodSeconds` × `failureThreshold`, defaults 10 × 3), or one endpoint used for both
 * liveness and readiness (a dependency blip then restarts every pod and drops their sessions).
 */
export const kubernetesProbes: Check = {
  id: 'kubernetes.probes',
  layer: 'kubernetes',
  cause: 'health-check-flapping',
  title: 'Probes take pods out within seconds',
  run: ({ ev, service }) =>
    servingWorkloads(ev.kubernetes, service).flatMap((wl): CheckResult[] =>
      list(wl.raw, 'spec', 'template', 'spec', 'containers').flatMap((c, i): CheckResult[] => {
        const name = (get(c, 'name') as string | undefined) ?? String(i);
        const readiness = get(c, 'readinessProbe');
        const liveness = get(c, 'livenessProbe');
        const reasons: string[] = [];
        const evidence: string[] = [];
        const base = ['spec', 'template', 'spec', 'containers', i];
        if (readiness) {
          const period = (get(readiness, 'periodSeconds') as number | undefined) ?? 10;
          const failures = (get(readiness, 'failureThreshold') as number | undefined) ?? 3;
          if (period * failures < FLAP_SECONDS) {
            reasons.push(`readiness fails the pod after ${period * failures} s (periodSeconds ${period} × failureThreshold ${failures})`);
            evidence.push(cite(wl.ref([...base, 'readinessProbe'], `readinessProbe: periodSeconds ${period}, failureThreshold ${failures}`)));
          }
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
      }),
    ),
};
