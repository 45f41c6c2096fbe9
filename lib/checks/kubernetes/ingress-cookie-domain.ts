import { cite } from '../../evidence/source.ts';
import { setIngressAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { domainMatches } from '../support/cookies.ts';
import { annotation, annotationRef, cookieIngresses, objectLabel } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/** `session-cookie-domain` that does not domain-match the hosts clients use. */
export const kubernetesIngressCookieDomain: Check = {
  id: 'kubernetes.ingress-cookie-domain',
  layer: 'kubernetes',
  cause: 'cookie-domain-mismatch',
  title: 'Affinity cookie domain does not match the hosts',
  run: ({ ev, service }) => {
    const ings = cookieIngresses(ev.kubernetes, service);
    return ings.flatMap((ing): CheckResult[] => {
      const domain = annotation(ing, 'session-cookie-domain');
      if (!domain) return [];
      const orphan = service.hosts.filter((h) => !domainMatches(domain, h));
      if (orphan.length === 0) return [];
      const key = idPart(ing.name);
      return [{
        key, resource: objectLabel(ing), severity: orphan.length === service.hosts.length ? 'critical' : 'warning',
        summary: `affinity cookie of Ingress ${ing.name} has domain ${domain}, which browsers reject on ${orphan.join(', ')}`,
        evidence: [cite(annotationRef(ing, 'session-cookie-domain'))],
        plan: setIngressAnnotations(key, ing, { 'session-cookie-domain': null }, `Drop the foreign cookie domain of Ingress ${ing.name}`),
      }];
    });
  },
};
