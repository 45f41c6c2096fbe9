import { cite } from '../../evidence/source.ts';
import { setIngressAnnotations, stickyAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { annotation, annotationRef, ingressAffinity, objectLabel, routeFor } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * WebSocket paths served by an Ingress without the affinity of the Ingress that serves the
 * pages: the upgrade reaches a pod that does not hold the session.
 */
export const kubernetesIngressWebsocket: Check = {
  id: 'kubernetes.ingress-websocket',
  layer: 'kubernetes',
  cause: 'websocket-not-sticky',
  title: 'WebSocket paths bypass the sticky Ingress',
  run: ({ ev, service }) => {
    const out: CheckResult[] = [];
    const seen = new Set<string>();
    for (const host of service.hosts) {
      const page = service.paths.map((p) => routeFor(ev.kubernetes, service, host, p)).find((r) => r && ingressAffinity(r.ingress) === 'cookie');
      if (!page) continue;
      for (const ws of service.websocketPaths) {
        const r = routeFor(ev.kubernetes, service, host, ws);
        if (!r || r.ingress === page.ingress || ingressAffinity(r.ingress) === 'cookie' || seen.has(r.ingress.name)) continue;
        seen.add(r.ingress.name);
        const key = idPart(r.ingress.name);
        const name = annotation(page.ingress, 'session-cookie-name') ?? 'INGRESSCOOKIE';
        out.push({
          key, resource: objectLabel(r.ingress), severity: 'critical',
          summary: `WebSocket path ${ws} is served by Ingress ${r.ingress.name}, which ignores affinity cookie ${name} of Ingress ${page.ingress.name}`,
          evidence: [cite(r.ingress.ref(['spec', 'rules', r.index[0], 'http', 'paths', r.index[1], 'path'], `path: ${r.path}`)), cite(annotationRef(r.ingress, 'affinity')), cite(annotationRef(page.ingress, 'affinity'))],
          plan: setIngressAnnotations(key, r.ingress, { ...stickyAnnotations(service.sessionTimeoutSeconds, { path: '/', crossSite: service.crossSite, tls: service.tls }), 'session-cookie-name': name }, `Make Ingress ${r.ingress.name} honour cookie ${name}`),
        });
      }
    }
    return out;
  },
};
