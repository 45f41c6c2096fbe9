import type { KubeObject } from '../../evidence/kubernetes.ts';

/** The AWS Load Balancer Controller's annotation prefix on Ingresses and Services. */
export const ALB_ANNOTATION = 'alb.ingress.kubernetes.io/';

/** The controller name an IngressClass of the AWS Load Balancer Controller carries in `spec.controller`. */
export const ALB_CONTROLLER = 'ingress.k8s.aws/alb';

/** Reads an AWS Load Balancer Controller annotation (`target-type` → `alb.ingress.kubernetes.io/target-type`). */
export function albAnnotation(obj: KubeObject | undefined, name: string): string | undefined {
  return obj?.raw.metadata.annotations?.[`${ALB_ANNOTATION}${name}`];
}

/**
 * Parses the controller's `stringMap` annotation format (`k1=v1,k2=v2`, spaces around items
 * ignored) into an ordered map. Items without `=` are kept with an empty value.
 */
export function parseStringMap(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of (value ?? '').split(',')) {
    const t = item.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    out.set((eq < 0 ? t : t.slice(0, eq)).trim(), eq < 0 ? '' : t.slice(eq + 1).trim());
  }
  return out;
}

/** Writes a map back in the `stringMap` format, keeping its order. */
export function formatStringMap(m: Map<string, string>): string {
  return [...m].map(([k, v]) => `${k}=${v}`).join(',');
}

/** One target group of a weighted forward in an `actions.<name>` annotation. */
export interface AlbActionTargetGroup {
  serviceName?: string;
  servicePort?: string | number;
  targetGroupARN?: string;
  targetGroupName?: string;
  weight?: number;
}

/** The parts of an `actions.<name>` annotation that decide affinity (the controller's JSON, camelCase). */
export interface AlbAction {
  type?: string;
  targetGroupARN?: string;
  forwardConfig?: {
    targetGroups?: AlbActionTargetGroup[];
    targetGroupStickinessConfig?: { enabled?: boolean; durationSeconds?: number };
  };
}

/**
 * The custom action an Ingress backend refers to (`port.name: use-annotation`, the backend's
 * service name naming `alb.ingress.kubernetes.io/actions.<name>`), parsed. Undefined when the
 * annotation is missing or not JSON (the controller rejects such an Ingress).
 */
export function albAction(ing: KubeObject, name: string): AlbAction | undefined {
  const text = albAnnotation(ing, `actions.${name}`);
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as AlbAction) : undefined;
  } catch {
    return undefined;
  }
}

/** The Services a custom forward action sends to (target groups given by ARN are outside Kubernetes). */
export function actionServiceNames(action: AlbAction | undefined): string[] {
  if (!action || action.type !== 'forward') return [];
  return (action.forwardConfig?.targetGroups ?? []).map((t) => t.serviceName).filter((n): n is string => typeof n === 'string' && n.length > 0);
}
