import type { KubeObject } from '../../evidence/kubernetes.ts';
import { plan, type Plan } from '../types.ts';

/**
 * Advice: give liveness its own cheap endpoint and slow readiness down, so a dependency hiccup
 * takes a pod out of rotation briefly instead of restarting it or flapping it.
 */
export function splitProbes(key: string, wl: KubeObject, container: string, detail: string): Plan {
  return plan('kubernetes.split-probes', key, {
    title: `Separate and slow down the probes of ${wl.kind} ${wl.name}/${container}`,
    risk: 'medium',
    change: { before: detail, after: 'livenessProbe: its own endpoint that checks only the process; readinessProbe: periodSeconds 10, failureThreshold 3' },
    apply: 'change the pod template in the workload\'s source (Helm chart or manifest) and roll out',
    rollback: 'revert the manifest change',
    advice: true,
    target: { kind: wl.kind, namespace: wl.namespace, name: wl.name, container },
  });
}
