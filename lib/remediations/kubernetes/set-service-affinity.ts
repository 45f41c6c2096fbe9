import { get, type KubeObject } from '../../evidence/kubernetes.ts';
import type { Plan } from '../types.ts';
import { patchPlan } from './patch.ts';

/** Raises a Service's `sessionAffinityConfig.clientIP.timeoutSeconds` (at most 86400). */
export function raiseServiceAffinityTimeout(key: string, svc: KubeObject, sessionSeconds: number): Plan {
  const old = get(svc.raw, 'spec', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds') as number | undefined;
  const want = Math.min(86_400, sessionSeconds * 2);
  const field = (v: number | null) => ({ spec: { sessionAffinityConfig: { clientIP: { timeoutSeconds: v } } } });
  return patchPlan('kubernetes.set-service-affinity', key, svc, {
    title: `Raise Service ${svc.name} ClientIP affinity timeout to ${want} s`,
    risk: 'low',
    patchType: 'merge',
    patch: field(want),
    rollback: field(old ?? null),
    before: `Service ${svc.name} sessionAffinityConfig.clientIP.timeoutSeconds: ${old ?? '(unset: 10800)'}`,
    after: `Service ${svc.name} sessionAffinityConfig.clientIP.timeoutSeconds: ${want}`,
  });
}

/** Keeps the client address visible to the Service: `externalTrafficPolicy: Local`. */
export function keepClientIp(key: string, svc: KubeObject): Plan {
  const old = (get(svc.raw, 'spec', 'externalTrafficPolicy') as string | undefined) ?? null;
  return patchPlan('kubernetes.set-service-affinity', key, svc, {
    title: `Preserve client addresses on Service ${svc.name} (externalTrafficPolicy: Local)`,
    risk: 'medium',
    patchType: 'merge',
    patch: { spec: { externalTrafficPolicy: 'Local' } },
    rollback: { spec: { externalTrafficPolicy: old } },
    before: `Service ${svc.name} externalTrafficPolicy: ${old ?? '(unset: Cluster)'}`,
    after: `Service ${svc.name} externalTrafficPolicy: Local`,
  });
}
