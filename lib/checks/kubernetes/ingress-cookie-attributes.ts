import { cite } from '../../evidence/source.ts';
import { setIngressAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { isLoopback } from '../support/cookies.ts';
import { annotation, annotationRef, cookieIngresses, objectLabel } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * Affinity cookie attributes browsers refuse. ingress-nginx marks the cookie Secure on HTTPS
 * requests (or always with `session-cookie-secure: "true"`), so `SameSite=None` fails only on
 * plain HTTP; a cross-site app needs `SameSite=None`; a forced Secure fails on plain HTTP.
 */
export const kubernetesIngressCookieAttributes: Check = {
  id: 'kubernetes.ingress-cookie-attributes',
  layer: 'kubernetes',
  cause: 'cookie-blocked',
  title: 'Browsers drop the affinity cookie',
  run: ({ ev, service }) => {
    const ings = cookieIngresses(ev.kubernetes, service);
    const plainHttp = !service.tls && !service.hosts.every(isLoopback);
    return ings.flatMap((ing): CheckResult[] => {
      const sameSite = annotation(ing, 'session-cookie-samesite')?.toLowerCase();
      const secureForced = annotation(ing, 'session-cookie-secure') === 'true';
      const reasons: string[] = [];
      const refs = new Set<string>();
      if (sameSite === 'none' && plainHttp) {
        reasons.push('SameSite=None over plain HTTP is sent without Secure and rejected');
        refs.add('session-cookie-samesite');
      }
      if (service.crossSite && sameSite !== 'none') {
        reasons.push('the app is used cross-site but the cookie is not SameSite=None');
        refs.add('session-cookie-samesite');
      }
      if (secureForced && plainHttp) {
        reasons.push('the cookie is forced Secure but clients use plain HTTP');
        refs.add('session-cookie-secure');
      }
      if (reasons.length === 0) return [];
      const key = idPart(ing.name);
      const wanted: Record<string, string | null> = service.crossSite && service.tls
        ? { 'session-cookie-samesite': 'None', 'session-cookie-secure': 'true' }
        : { 'session-cookie-samesite': 'Lax', 'session-cookie-secure': service.tls ? 'true' : null };
      return [{
        key, resource: objectLabel(ing), severity: 'critical',
        summary: `affinity cookie of Ingress ${ing.name}: ${reasons.join('; ')}`,
        evidence: [...refs].map((a) => cite(annotationRef(ing, a))),
        plan: setIngressAnnotations(key, ing, wanted, `Fix the affinity cookie attributes of Ingress ${ing.name}`),
      }];
    });
  },
};
