import { cite } from '../../evidence/source.ts';
import { setIngressAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { annotation, annotationRef, ingressAffinity, nginxRoutes, objectLabel } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * A canary Ingress (`canary: "true"`) on a host whose main Ingress sticks, with
 * `affinity-canary-behavior: legacy`: the canary split ignores the affinity cookie, so a sticky
 * client is sent to the canary (or back) by weight on any request. The default (`sticky`) keeps
 * clients where their cookie says.
 */
export const kubernetesCanary: Check = {
  id: 'kubernetes.canary',
  layer: 'kubernetes',
  cause: 'group-stickiness-missing',
  title: 'Canary split ignores the affinity cookie',
  run: ({ ev, service }) => {
    const routes = nginxRoutes(ev.kubernetes, service);
    const sticky = routes.filter((r) => annotation(r.ingress, 'canary') !== 'true' && ingressAffinity(r.ingress) === 'cookie');
    if (sticky.length === 0) return [];
    const canaries = [...new Set(routes.filter((r) => annotation(r.ingress, 'canary') === 'true').map((r) => r.ingress))];
    return canaries.flatMap((c): CheckResult[] => {
      const main = sticky.find((r) => routes.some((x) => x.ingress === c && x.host === r.host))?.ingress;
      if (!main || (annotation(main, 'affinity-canary-behavior') ?? annotation(c, 'affinity-canary-behavior')) !== 'legacy') return [];
      const weight = annotation(c, 'canary-weight');
      const key = idPart(main.name);
      return [{
        key, resource: objectLabel(main), severity: 'critical',
        summary: `canary Ingress ${c.name}${weight ? ` (weight ${weight}%)` : ''} splits traffic with affinity-canary-behavior legacy: sticky clients are moved between canary and main by weight`,
        evidence: [cite(annotationRef(c, 'canary')), cite(annotationRef(main, 'affinity-canary-behavior').text?.includes('legacy') ? annotationRef(main, 'affinity-canary-behavior') : annotationRef(c, 'affinity-canary-behavior'))],
        plan: setIngressAnnotations(key, main, { 'affinity-canary-behavior': 'sticky' }, `Let canary routing of ${main.name} respect the affinity cookie`),
      }];
    });
  },
};
