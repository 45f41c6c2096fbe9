import type { Layer } from '../evidence/bundle.ts';

export type Risk = 'low' | 'medium' | 'high';

/**
 * A remediation plan: data only. It carries the exact change as before → after (the attribute,
 * annotation or config line), how it is applied and rolled back, and a machine-readable
 * `target` the apply engine uses. `advice` plans have no apply button: a person must act.
 */
export interface Plan {
  id: string;
  action: string;
  layer: Layer;
  title: string;
  risk: Risk;
  change: { before: string; after: string };
  apply: string;
  rollback: string;
  advice: boolean;
  /** IAM actions (AWS) or RBAC verbs (Kubernetes) the apply needs. */
  permissions: string[];
  target: Record<string, unknown>;
  /** What the target system said of the change before anyone approves it (a server-side dry run). */
  validation?: string;
}

/** The fields a remediation file fills in; the id is derived from the action and the resource key. */
export type PlanSpec = Omit<Plan, 'id' | 'action' | 'layer' | 'advice' | 'permissions'> & { advice?: boolean; permissions?: string[] };

/** The layer an action or check id prefix belongs to: `elbv2` and `cloudwatch` are AWS. */
export function layerOfPrefix(prefix: string): Layer {
  return (prefix === 'elbv2' || prefix === 'cloudwatch' ? 'aws' : prefix) as Layer;
}

/**
 * Builds a plan for an action (`haproxy.raise-cookie-lifetime`) on a resource key (`edge1.app`):
 * id `haproxy.edge1.app.raise-cookie-lifetime`, the same shape as finding ids.
 */
export function plan(action: string, key: string, spec: PlanSpec): Plan {
  const dot = action.indexOf('.');
  const prefix = action.slice(0, dot);
  return {
    id: `${prefix}.${key}.${action.slice(dot + 1)}`, action, layer: layerOfPrefix(prefix), advice: false, permissions: [], ...spec,
  };
}
