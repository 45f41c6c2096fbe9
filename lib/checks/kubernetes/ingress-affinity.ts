import { get } from '../../evidence/kubernetes.ts';
import { setIngressAnnotations, stickyAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { commonPath } from '../support/cookies.ts';
import { annotation, annotationRef, controllerConfigMap, find, ingressAffinity, nginxRoutes, objectLabel, routeFor, singlePod } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * Paths that must stick served by an Ingress with no cookie affinity and no `upstream-hash-by`,
 * (neither on the Ingress nor in the controller ConfigMap) in front of a Service with
 * `sessionAffinity: None`. With several Ingresses on one host only
 * the paths of the Ingress carrying the annotation stick, so each path is judged by the Ingress
 * that serves it. A single replica with no autoscaler has nothing to stick to and is skipped.
 */
export const kubernetesIngressAffinity: Check = {
  id: 'kubernetes.ingress-affinity',
  layer: 'kubernetes',
  cause: 'cookie-not-set',
  title: 'Ingress has no session affinity',
  run: ({ ev, service }) => {
    const objs = ev.kubernetes;
    const routes = nginxRoutes(objs, service);
    const controller = controllerConfigMap(objs);
    const byIngress = new Map<string, { ing: (typeof routes)[number]['ingress']; paths: string[] }>();
    for (const host of service.hosts) {
      for (const path of service.paths) {
        const r = routeFor(objs, service, host, path);
        if (!r || ingressAffinity(r.ingress, controller) !== 'none') continue;
        const svc = find(objs, 'Service', r.backendService, r.ingress.namespace);
        if (svc && get(svc.raw, 'spec', 'sessionAffinity') === 'ClientIP') continue;
        if (singlePod(objs, svc)) continue;
        const k = `${r.ingress.namespace}/${r.ingress.name}`;
        const e = byIngress.get(k) ?? { ing: r.ingress, paths: [] };
        if (!e.paths.includes(path)) e.paths.push(path);
        byIngress.set(k, e);
      }
    }
    return [...byIngress.values()].map(({ ing, paths }): CheckResult => {
      const sticky = routes.find((r) => r.ingress !== ing && ingressAffinity(r.ingress) === 'cookie');
      const key = idPart(ing.name);
      return {
        key, resource: objectLabel(ing), severity: 'critical',
        summary: `${paths.join(', ')} ${paths.length > 1 ? 'are' : 'is'} served by Ingress ${ing.name}, which has no affinity annotation, and its Service has sessionAffinity None${sticky ? ` (only the paths of Ingress ${sticky.ingress.name} stick)` : ''}`,
        evidence: [annotationRef(ing, 'affinity'), ...(sticky ? [annotationRef(sticky.ingress, 'affinity')] : [])].map((r) => `${r.file}${r.line ? `:${r.line}` : ''}: ${r.text}`),
        plan: setIngressAnnotations(
          key,
          ing,
          {
            ...stickyAnnotations(service.sessionTimeoutSeconds, { path: commonPath([...service.paths, ...service.websocketPaths]), crossSite: service.crossSite, tls: service.tls }),
            ...(sticky ? { 'session-cookie-name': annotation(sticky.ingress, 'session-cookie-name') ?? 'INGRESSCOOKIE' } : {}),
          },
          `Enable cookie affinity on Ingress ${ing.name}${sticky ? ` with the cookie of ${sticky.ingress.name}` : ''}`,
        ),
      };
    });
  },
};
