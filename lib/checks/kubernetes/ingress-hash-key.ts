import { cite } from '../../evidence/source.ts';
import { setIngressAnnotations, stickyAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { commonPath } from '../support/cookies.ts';
import { hashedIngresses, hashRef, objectLabel, type HashedIngress } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * The cookie-affinity patch that replaces an `upstream-hash-by`: ingress-nginx then sets its own
 * cookie on the first response, so a session sticks from its first request. Cookie affinity wins
 * over a hash (also over the ConfigMap's global one), and the Ingress's own hash annotation is
 * removed so the configuration says what it does.
 */
export function replaceHashWithCookie(h: HashedIngress, service: Parameters<Check['run']>[0]['service'], title: string) {
  return setIngressAnnotations(
    idPart(h.ingress.name),
    h.ingress,
    {
      ...stickyAnnotations(service.sessionTimeoutSeconds, { path: commonPath([...service.paths, ...service.websocketPaths]), crossSite: service.crossSite, tls: service.tls }),
      ...(h.hash.global ? {} : { 'upstream-hash-by': null }),
    },
    title,
  );
}

/**
 * ingress-nginx `upstream-hash-by` on a key that does not keep a session on one pod. On the
 * request (`$request_uri`) every URL hashes elsewhere. On a cookie (`$cookie_x`) it is NGINX's
 * consistent hash, which sets no cookie: the request that makes the app create its session
 * cookie is hashed on an empty key and the next one, carrying the cookie, may land on another pod.
 */
export const kubernetesIngressHashKey: Check = {
  id: 'kubernetes.ingress-hash-key',
  layer: 'kubernetes',
  cause: 'cookie-not-set',
  title: 'upstream-hash-by does not keep a session on one pod',
  run: ({ ev, service }) =>
    hashedIngresses(ev.kubernetes, service).flatMap((h): CheckResult[] => {
      const where = h.hash.global ? ` (the controller ConfigMap's upstream-hash-by, used by every Ingress without its own)` : '';
      const paths = h.paths.join(', ');
      if (h.kind === 'request') {
        return [{
          key: idPart(h.ingress.name), resource: objectLabel(h.ingress), severity: 'critical',
          summary: `${paths} of Ingress ${h.ingress.name} hash on ${h.hash.key}${where}, which changes from request to request of one session`,
          evidence: [cite(hashRef(h))],
          plan: replaceHashWithCookie(h, service, `Replace upstream-hash-by with cookie affinity on Ingress ${h.ingress.name}`),
        }];
      }
      if (h.kind === 'cookie') {
        const other = service.sessionCookie && service.sessionCookie !== h.cookie ? ` (and the catalog names ${service.sessionCookie}, not ${h.cookie}, as the session cookie)` : '';
        return [{
          key: idPart(h.ingress.name), resource: objectLabel(h.ingress), severity: 'warning',
          summary: `${paths} of Ingress ${h.ingress.name} hash on cookie ${h.cookie}${where}, which ingress-nginx never sets: the request that starts a session is hashed without it and the next one, carrying ${h.cookie}, may reach another pod${other}`,
          evidence: [cite(hashRef(h))],
          plan: replaceHashWithCookie(h, service, `Stick Ingress ${h.ingress.name} from the first request with ingress-nginx's own affinity cookie`),
        }];
      }
      return [];
    }),
};
