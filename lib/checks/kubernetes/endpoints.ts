import { get, list } from '../../evidence/kubernetes.ts';
import { cite } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { kubeIndex, objectLabel, servingServices } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * EndpointSlices of a serving Service with endpoints that are terminating or not ready: those
 * pods are out of rotation now, and the clients stuck to them have been moved.
 */
export const kubernetesEndpoints: Check = {
  id: 'kubernetes.endpoints',
  layer: 'kubernetes',
  cause: 'backend-removed',
  title: 'Endpoints out of rotation',
  run: ({ ev, service }) => {
    const index = kubeIndex(ev.kubernetes);
    return [...new Set(servingServices(ev.kubernetes, service).map((s) => s.name))]
      .flatMap((name) => index.slicesOf(name))
      .flatMap((slice): CheckResult[] => {
        const out = list(slice.raw, 'endpoints')
          .map((e, i) => ({ e, i, pod: String(get(e, 'targetRef', 'name') ?? (list(e, 'addresses')[0] ?? '?')), terminating: get(e, 'conditions', 'terminating') === true, ready: get(e, 'conditions', 'ready') !== false }))
          .filter((x) => x.terminating || !x.ready);
        if (out.length === 0) return [];
        const svc = slice.raw.metadata.labels!['kubernetes.io/service-name']!;
        const total = list(slice.raw, 'endpoints').length;
        return [{
          key: idPart(slice.name), resource: objectLabel({ kind: 'Service', namespace: slice.namespace, name: svc }), severity: 'warning',
          summary: `${out.length} of ${total} endpoints are out of rotation: ${out.map((x) => `${x.pod} ${x.terminating ? 'terminating' : 'not ready'}`).join(', ')}; their sticky clients were moved`,
          evidence: out.map((x) => cite(slice.ref(['endpoints', x.i, 'conditions'], `${x.pod}: ready=${x.ready} terminating=${x.terminating}`))),
          plan: advice('kubernetes.restore-pods', idPart(slice.name), `Bring the pods behind ${svc} back`, out.map((x) => x.pod).join(', '), 'every endpoint ready', 'if a rollout is terminating them, let it finish with a drain (preStop) and maxUnavailable 0; if they are not ready, read their events and logs'),
        }];
      });
  },
};
