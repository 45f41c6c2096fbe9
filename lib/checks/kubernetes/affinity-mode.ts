import { get } from '../../evidence/kubernetes.ts';
import { cite } from '../../evidence/source.ts';
import { setIngressAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { annotation, annotationRef, autoscaled, find, ingressAffinity, nginxRoutes, objectLabel, workloadsOf } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * Cookie affinity in ingress-nginx's default `balanced` mode in front of an autoscaled workload:
 * each scale-up redistributes some sticky sessions to the new pods.
 */
export const kubernetesAffinityMode: Check = {
  id: 'kubernetes.affinity-mode',
  layer: 'kubernetes',
  cause: 'backend-removed',
  title: 'Scaling redistributes sticky sessions',
  run: ({ ev, service }) => {
    const objs = ev.kubernetes;
    const seen = new Set<string>();
    return nginxRoutes(objs, service).flatMap((r): CheckResult[] => {
      const ing = r.ingress;
      if (seen.has(ing.name) || ingressAffinity(ing) !== 'cookie' || (annotation(ing, 'affinity-mode') ?? 'balanced') !== 'balanced') return [];
      seen.add(ing.name);
      const svc = find(objs, 'Service', r.backendService, ing.namespace);
      const wls = svc ? workloadsOf(objs, svc) : [];
      const hpa = autoscaled(objs, wls);
      if (!hpa) return [];
      const key = idPart(ing.name);
      return [{
        key, resource: objectLabel(ing), severity: 'warning',
        summary: `Ingress ${ing.name} uses affinity-mode balanced in front of autoscaled ${String(get(hpa.raw, 'spec', 'scaleTargetRef', 'name'))}: every scale-up moves some sticky sessions to new pods`,
        evidence: [cite(annotationRef(ing, 'affinity-mode')), cite(hpa.ref(['spec', 'scaleTargetRef'], `HorizontalPodAutoscaler ${hpa.name}`))],
        plan: setIngressAnnotations(key, ing, { 'affinity-mode': 'persistent' }, `Keep sessions on their pods when ${ing.name}'s backend scales (affinity-mode persistent)`),
      }];
    });
  },
};
