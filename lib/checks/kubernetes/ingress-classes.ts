import { ingressClass, ingressRoutes } from '../support/kubernetes.ts';
import { cite } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * One host served by Ingresses of different classes (two controllers): each controller keeps
 * its own affinity and DNS or the cloud balancer alternates between them.
 */
export const kubernetesIngressClasses: Check = {
  id: 'kubernetes.ingress-classes',
  layer: 'kubernetes',
  cause: 'no-shared-session-state',
  title: 'Several ingress controllers serve one host',
  run: ({ ev, service }) => {
    const routes = ingressRoutes(ev.kubernetes, service);
    return service.hosts.flatMap((host): CheckResult[] => {
      const ings = [...new Set(routes.filter((r) => r.host === host).map((r) => r.ingress))];
      const classes = new Map(ings.map((i) => [i, ingressClass(i) ?? '(default class)']));
      if (new Set(classes.values()).size < 2) return [];
      return [{
        key: idPart(host), resource: `host ${host}`, severity: 'warning',
        summary: `${host} is served by Ingresses of ${new Set(classes.values()).size} classes (${[...new Set(classes.values())].join(', ')}): each controller keeps its own affinity`,
        evidence: ings.map((i) => cite(i.ref(['spec', 'ingressClassName'], `Ingress ${i.name}: class ${classes.get(i)}`))),
        plan: advice('kubernetes.single-controller', idPart(host), `Serve ${host} through one ingress controller`, [...new Set(classes.values())].join(', '), 'one ingress class for the host', 'move every Ingress of the host to one class (spec.ingressClassName) and point DNS at that controller only'),
      }];
    });
  },
};
