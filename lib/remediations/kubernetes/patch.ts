import type { KubeObject } from '../../evidence/kubernetes.ts';
import { plan, type Plan, type Risk } from '../types.ts';

/** The API path segment (plural resource) for kinds Sticky patches. */
const RESOURCE: Record<string, string> = { Ingress: 'ingresses', Service: 'services', Deployment: 'deployments', StatefulSet: 'statefulsets' };

/**
 * A plan that patches one Kubernetes object: sent first with `dryRun=All` (the server
 * validates and stores nothing), applied after approval with the named patch type, rolled back
 * with the inverse patch. `before`/`after` show only the fields that change. `reconciledBy` names
 * a controller that turns the object into the real change later (the AWS Load Balancer
 * Controller), so verification waits for it.
 */
export function patchPlan(
  action: string,
  key: string,
  obj: KubeObject,
  o: { title: string; risk: Risk; patchType: 'merge' | 'strategic'; patch: unknown; rollback: unknown; before: string; after: string; advice?: boolean; reconciledBy?: string },
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
    target: { kind: obj.kind, namespace: obj.namespace, name: obj.name, patchType: o.patchType, patch: o.patch, rollbackPatch: o.rollback, ...(o.reconciledBy ? { reconciledBy: o.reconciledBy } : {}) },
  });
}

/**
 * A merge patch of an object's annotations (full names; a `null` value removes one). The rollback
 * restores each annotation's previous value, or removes it if it was absent; `before`/`after`
 * list only the annotations that change.
 */
export function annotationsPlan(action: string, key: string, obj: KubeObject, wanted: Record<string, string | null>, o: { title: string; risk: Risk; advice?: boolean; reconciledBy?: string }): Plan {
  const current = obj.raw.metadata.annotations ?? {};
  const patch: Record<string, string | null> = {};
  const back: Record<string, string | null> = {};
  const before: string[] = [];
  const after: string[] = [];
  for (const [full, value] of Object.entries(wanted)) {
    const old = current[full];
    if (old === value || (old === undefined && value === null)) continue;
    patch[full] = value;
    back[full] = old ?? null;
    before.push(`${full}: ${old === undefined ? '(unset)' : JSON.stringify(old)}`);
    after.push(`${full}: ${value === null ? '(unset)' : JSON.stringify(value)}`);
  }
  return patchPlan(action, key, obj, {
    title: o.title,
    risk: o.risk,
    patchType: 'merge',
    patch: { metadata: { annotations: patch } },
    rollback: { metadata: { annotations: back } },
    before: `${obj.kind} ${obj.name}\n${before.join('\n')}`,
    after: `${obj.kind} ${obj.name}\n${after.join('\n')}`,
    ...(o.advice ? { advice: true } : {}),
    ...(o.reconciledBy ? { reconciledBy: o.reconciledBy } : {}),
  });
}
