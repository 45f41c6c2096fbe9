import type { KubeObject } from '../../evidence/kubernetes.ts';
import { plan, type Plan, type Risk } from '../types.ts';

/** The API path segment (plural resource) for kinds Sticky patches. */
const RESOURCE: Record<string, string> = { Ingress: 'ingresses', Service: 'services', Deployment: 'deployments', StatefulSet: 'statefulsets' };

/**
 * A plan that patches one Kubernetes object: sent first with `dryRun=All` (the server
 * validates and stores nothing), applied after approval with the named patch type, rolled back
 * with the inverse patch. `before`/`after` show only the fields that change.
 */
export function patchPlan(
  action: string,
  key: string,
  obj: KubeObject,
  o: { title: string; risk: Risk; patchType: 'merge' | 'strategic'; patch: unknown; rollback: unknown; before: string; after: string; advice?: boolean },
): Plan {
  const resource = RESOURCE[obj.kind] ?? `${obj.kind.toLowerCase()}s`;
  const type = o.patchType === 'merge' ? 'merge' : 'strategic';
  const ns = obj.namespace ? ` -n ${obj.namespace}` : '';
  return plan(action, key, {
    title: o.title,
    risk: o.risk,
    change: { before: o.before, after: o.after },
    apply: `kubectl patch ${resource} ${obj.name}${ns} --type ${type} -p '${JSON.stringify(o.patch)}' (dry run on the server first)`,
    rollback: `kubectl patch ${resource} ${obj.name}${ns} --type ${type} -p '${JSON.stringify(o.rollback)}'`,
    ...(o.advice ? { advice: true } : {}),
    permissions: [`patch ${resource}`],
    target: { kind: obj.kind, namespace: obj.namespace, name: obj.name, patchType: o.patchType, patch: o.patch, rollbackPatch: o.rollback },
  });
}
