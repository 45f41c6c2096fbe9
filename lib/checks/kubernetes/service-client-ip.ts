import { get } from '../../evidence/kubernetes.ts';
import { cite } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { setIngressAnnotations, stickyAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { keepClientIp } from '../../remediations/kubernetes/set-service-affinity.ts';
import { annotation, controllerConfigMap, ingressAffinity, ingressRoutes, objectLabel, routeServiceNames, servingServices, type IngressRoute } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * `sessionAffinity: ClientIP` where the client address is not stable or not seen: behind
 * ingress-nginx (which sends to endpoints directly and bypasses the Service's affinity unless
 * `service-upstream` is on), on a LoadBalancer/NodePort with `externalTrafficPolicy: Cluster`
 * (client address replaced by a node's), or for public clients (mobile, NAT, proxies). A Service
 * behind an ALB Ingress is judged by the ALB rules: the ALB reaches pods or node ports itself,
 * so the Service's ClientIP affinity never sees a client address there.
 */
export const kubernetesServiceClientIp: Check = {
  id: 'kubernetes.service-client-ip',
  layer: 'kubernetes',
  cause: 'ip-affinity-unstable',
  title: 'Service affinity relies on the client IP',
  run: ({ ev, service }) => {
    const routes = ingressRoutes(ev.kubernetes, service);
    const controller = controllerConfigMap(ev.kubernetes);
    const byBackend = new Map<string, IngressRoute[]>();
    for (const r of routes) for (const name of routeServiceNames(r)) byBackend.set(name, [...(byBackend.get(name) ?? []), r]);
    return servingServices(ev.kubernetes, service).flatMap((svc): CheckResult[] => {
      if (get(svc.raw, 'spec', 'sessionAffinity') !== 'ClientIP') return [];
      const mine = byBackend.get(svc.name) ?? [];
      if (mine.some((r) => r.controller === 'alb')) return [];
      const key = idPart(svc.name);
      const resource = objectLabel(svc);
      const ref = cite(svc.ref(['spec', 'sessionAffinity'], 'sessionAffinity: ClientIP'));
      const fronting = mine.filter((r) => ingressAffinity(r.ingress, controller) === 'none' && annotation(r.ingress, 'service-upstream') !== 'true');
      if (fronting.length > 0) {
        const ing = fronting[0]!.ingress;
        return [{
          key, resource, severity: 'critical',
          summary: `Service ${svc.name} relies on ClientIP affinity, but Ingress ${ing.name} (ingress-nginx) sends to pod endpoints directly and has no affinity of its own: requests are not sticky`,
          evidence: [ref, cite(ing.ref(['metadata', 'annotations'], `Ingress ${ing.name}: no nginx.ingress.kubernetes.io/affinity`))],
          plan: setIngressAnnotations(idPart(ing.name), ing, stickyAnnotations(service.sessionTimeoutSeconds, { crossSite: service.crossSite, tls: service.tls }), `Enable cookie affinity on Ingress ${ing.name}`),
        }];
      }
      const type = (get(svc.raw, 'spec', 'type') as string | undefined) ?? 'ClusterIP';
      const policy = (get(svc.raw, 'spec', 'externalTrafficPolicy') as string | undefined) ?? 'Cluster';
      if ((type === 'LoadBalancer' || type === 'NodePort') && policy === 'Cluster') {
        return [{
          key, resource, severity: 'critical',
          summary: `Service ${svc.name} (${type}) uses ClientIP affinity with externalTrafficPolicy Cluster: the address it sees is a node's, not the client's`,
          evidence: [ref, cite(svc.ref(['spec', 'externalTrafficPolicy'], `externalTrafficPolicy: ${policy}${get(svc.raw, 'spec', 'externalTrafficPolicy') ? '' : ' (default)'}`))],
          plan: keepClientIp(key, svc),
        }];
      }
      if (service.clients === 'public' && routes.length === 0) {
        return [{
          key, resource, severity: 'warning',
          summary: `Service ${svc.name} sticks on the client IP; public clients change address (mobile) or share one (NAT, proxies)`,
          evidence: [ref],
          plan: advice('kubernetes.cookie-affinity', key, `Stick ${svc.name} on a cookie instead of the client IP`, 'sessionAffinity: ClientIP', 'an Ingress with nginx.ingress.kubernetes.io/affinity: cookie in front of the Service', 'route the service through ingress-nginx with cookie affinity (or an ALB with lb_cookie stickiness); keep ClientIP only for internal clients'),
        }];
      }
      return [];
    });
  },
};
