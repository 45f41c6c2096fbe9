import { humanSeconds } from '../../evidence/duration.ts';
import { cite } from '../../evidence/source.ts';
import { setIngressAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { annotation, annotationRef, cookieIngresses, objectLabel } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * `session-cookie-max-age` or `session-cookie-expires` (seconds) shorter than the session: the
 * browser drops the affinity cookie mid-session. Without either the cookie lasts the browser
 * session, which is not judged.
 */
export const kubernetesIngressCookieTtl: Check = {
  id: 'kubernetes.ingress-cookie-ttl',
  layer: 'kubernetes',
  cause: 'affinity-ttl-short',
  title: 'Affinity cookie expires before the session',
  run: ({ ev, service }) => {
    const ings = cookieIngresses(ev.kubernetes, service);
    return ings.flatMap((ing): CheckResult[] => {
      const short = (['session-cookie-max-age', 'session-cookie-expires'] as const)
        .map((a) => ({ a, v: annotation(ing, a) }))
        .filter((x) => x.v !== undefined && Number(x.v) < service.sessionTimeoutSeconds);
      if (short.length === 0) return [];
      const key = idPart(ing.name);
      const want = String(service.sessionTimeoutSeconds * 2);
      return [{
        key, resource: objectLabel(ing), severity: 'critical',
        summary: `affinity cookie of Ingress ${ing.name} expires after ${humanSeconds(Number(short[0]!.v))} (${short.map((s) => s.a).join(', ')}); sessions last ${humanSeconds(service.sessionTimeoutSeconds)}`,
        evidence: short.map((s) => cite(annotationRef(ing, s.a))),
        plan: setIngressAnnotations(key, ing, Object.fromEntries(short.map((s) => [s.a, want])), `Raise the affinity cookie lifetime of Ingress ${ing.name} to ${humanSeconds(Number(want))}`),
      }];
    });
  },
};
