import { get } from '../../evidence/kubernetes.ts';
import { humanSeconds } from '../../evidence/duration.ts';
import { cite } from '../../evidence/source.ts';
import { raiseServiceAffinityTimeout } from '../../remediations/kubernetes/set-service-affinity.ts';
import { objectLabel, servingServices } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/** ClientIP affinity whose `timeoutSeconds` (default 10800) is shorter than the session. */
export const kubernetesServiceAffinityTimeout: Check = {
  id: 'kubernetes.service-affinity-timeout',
  layer: 'kubernetes',
  cause: 'affinity-ttl-short',
  title: 'ClientIP affinity expires before the session',
  run: ({ ev, service }) =>
    servingServices(ev.kubernetes, service).flatMap((svc): CheckResult[] => {
      if (get(svc.raw, 'spec', 'sessionAffinity') !== 'ClientIP') return [];
      const timeout = (get(svc.raw, 'spec', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds') as number | undefined) ?? 10_800;
      if (timeout >= service.sessionTimeoutSeconds) return [];
      const key = idPart(svc.name);
      return [{
        key, resource: objectLabel(svc), severity: 'critical',
        summary: `ClientIP affinity of Service ${svc.name} expires after ${humanSeconds(timeout)}; sessions last ${humanSeconds(service.sessionTimeoutSeconds)}`,
        evidence: [cite(svc.ref(['spec', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds'], `timeoutSeconds: ${timeout}`))],
        plan: raiseServiceAffinityTimeout(key, svc, service.sessionTimeoutSeconds),
      }];
    }),
};
