import { memo2 } from './memo.ts';
import { ALB_ANNOTATION, albAction, albAnnotation, parseStringMap, type AlbAction } from './alb-annotations.ts';
import { ingressRoutes, kubeIndex, objectLabel, type IngressRoute } from './kubernetes.ts';
import { ATTRIBUTE_DEFAULTS } from './elb-defaults.ts';
import { get, type KubeObject } from '../../evidence/kubernetes.ts';
import type { Service } from '../../evidence/service.ts';
import { cite } from '../../evidence/source.ts';
import { idPart } from '../types.ts';

/**
 * One ALB target group the AWS Load Balancer Controller makes for an Ingress backend: one per
 * Ingress, Service and port. Its attributes come from `target-group-attributes` and its target
 * type from `target-type`, each read from the Service when the Service carries that annotation,
 * else from the Ingress (the controller merges the two, the Service's annotation winning).
 */
export interface AlbTargetGroup {
  ingress: KubeObject;
  serviceName: string;
  service: KubeObject | undefined;
  port: string | number | undefined;
  /** Finding-id segment: `<ingress>.<service>`. */
  key: string;
  /** `the ALB target group of Ingress shop/web → Service checkout`. */
  label: string;
  /** The object whose `target-group-attributes` annotation applies (the one a fix must patch). */
  attributesHolder: KubeObject;
  /** The attributes as the annotation sets them (absent ones are the ALB defaults, see {@link attr}). */
  attributes: Map<string, string>;
  /** An attribute's effective value: the annotation's, else the ALB default. */
  attr(key: string): string;
  /** Evidence for an attribute: the annotation line, or the holder's annotations with "(absent: default)". */
  cite(key: string): string;
  targetType: 'ip' | 'instance';
  /** The object whose `target-type` annotation applies (the Ingress when neither sets it). */
  targetTypeHolder: KubeObject;
  citeTargetType(): string;
}

/** A custom forward action (`actions.<name>`) of an ALB Ingress path. */
export interface AlbForwardAction {
  name: string;
  action: AlbAction;
  /** The action's target groups that are Kubernetes Services (by name), in order. */
  targetGroups: AlbTargetGroup[];
  /** Members given by ARN or name: target groups made outside Kubernetes. */
  external: string[];
  cite(): string;
}

/** One ALB Ingress path serving the service, where it sits in the ALB's rule order, and where it sends. */
export interface AlbRoute {
  route: IngressRoute;
  /** The IngressGroup (`group.name`), or the implicit group of the Ingress alone (`namespace/name`). */
  group: string;
  explicitGroup: boolean;
  targetGroups: AlbTargetGroup[];
  action: AlbForwardAction | undefined;
}

/** The ALB target group attribute defaults, plus the stickiness type an ALB uses when none is set. */
const ALB_DEFAULTS: Record<string, string> = { ...ATTRIBUTE_DEFAULTS, 'stickiness.type': 'lb_cookie' };

const TARGET_GROUP_ATTRIBUTES = `${ALB_ANNOTATION}target-group-attributes`;
const TARGET_TYPE = `${ALB_ANNOTATION}target-type`;

/** Builds the view of the target group the controller makes for an Ingress and a Service. */
export function albTargetGroup(objects: KubeObject[], ing: KubeObject, serviceName: string, port: string | number | undefined): AlbTargetGroup {
  const service = kubeIndex(objects).get('Service', ing.namespace, serviceName);
  const attributesHolder = albAnnotation(service, 'target-group-attributes') !== undefined ? service! : ing;
  const targetTypeHolder = albAnnotation(service, 'target-type') !== undefined ? service! : ing;
  const attributes = parseStringMap(albAnnotation(attributesHolder, 'target-group-attributes'));
  const attr = (k: string) => attributes.get(k) ?? ALB_DEFAULTS[k] ?? '';
  const annotationRef = (holder: KubeObject, full: string, text: string) => {
    const set = holder.raw.metadata.annotations?.[full] !== undefined;
    return cite(holder.ref(['metadata', 'annotations', ...(set ? [full] : [])]), text);
  };
  const rawType = albAnnotation(targetTypeHolder, 'target-type');
  return {
    ingress: ing, serviceName, service, port,
    key: `${idPart(ing.name)}.${idPart(serviceName)}`,
    label: `the ALB target group of ${objectLabel(ing)} → Service ${serviceName}`,
    attributesHolder, attributes, attr,
    cite: (k) => annotationRef(attributesHolder, TARGET_GROUP_ATTRIBUTES, attributes.has(k)
      ? `${objectLabel(attributesHolder)}: ${TARGET_GROUP_ATTRIBUTES}: ${k}=${attributes.get(k)}`
      : `${objectLabel(attributesHolder)}: ${k}=${attr(k)} (absent from ${TARGET_GROUP_ATTRIBUTES}: ALB default)`),
    targetType: rawType === 'ip' ? 'ip' : 'instance',
    targetTypeHolder,
    citeTargetType: () => annotationRef(targetTypeHolder, TARGET_TYPE, rawType !== undefined ? `${objectLabel(targetTypeHolder)}: ${TARGET_TYPE}: ${rawType}` : `${objectLabel(targetTypeHolder)}: no ${TARGET_TYPE} (default instance)`),
  };
}

/** Whether an ALB path (as the controller turns an Ingress path into ALB path patterns) matches a request path. */
export function albPathMatches(r: IngressRoute, path: string): boolean {
  if (r.pathType === 'Exact') return r.path === path;
  if (r.pathType === 'Prefix') {
    if (r.path === '/') return true;
    const base = r.path.replace(/\/+$/, '');
    return path === base || path.startsWith(`${base}/`);
  }
  const re = new RegExp(`^${r.path.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(path);
}

const typeRank = (t: string) => (t === 'Exact' ? 0 : t === 'Prefix' ? 1 : 2);

/**
 * Every ALB Ingress path serving one of the service's hosts, in the order the ALB evaluates
 * them: IngressGroup order (`group.order`, then namespace/name), then each Ingress's rules in
 * order, and within a rule Exact paths, Prefix paths longest first, then the others as written
 * (the controller's own ordering).
 */
export const albRoutes = memo2((objects: KubeObject[], service: Service): AlbRoute[] => {
  const routes = ingressRoutes(objects, service).filter((r) => r.controller === 'alb');
  const tgs = new Map<string, AlbTargetGroup>();
  const tg = (ing: KubeObject, name: string, port: string | number | undefined) => {
    const k = `${ing.namespace ?? ''}/${ing.name}/${name}`;
    let t = tgs.get(k);
    if (!t) tgs.set(k, (t = albTargetGroup(objects, ing, name, port)));
    return t;
  };
  const out = routes.map((route): AlbRoute & { order: number; within: number } => {
    const ing = route.ingress;
    const named = albAnnotation(ing, 'group.name');
    let action: AlbForwardAction | undefined;
    let targetGroups: AlbTargetGroup[] = [];
    if (route.backendPort === 'use-annotation' && route.backendService) {
      const parsed = albAction(ing, route.backendService);
      if (parsed?.type === 'forward') {
        const members = parsed.forwardConfig?.targetGroups ?? [];
        const full = `${ALB_ANNOTATION}actions.${route.backendService}`;
        action = {
          name: route.backendService, action: parsed,
          targetGroups: members.filter((m) => m.serviceName).map((m) => tg(ing, m.serviceName!, m.servicePort)),
          external: [...members.filter((m) => !m.serviceName).map((m) => m.targetGroupARN ?? m.targetGroupName ?? '?'), ...(parsed.targetGroupARN ? [parsed.targetGroupARN] : [])],
          cite: () => cite(ing.ref(['metadata', 'annotations', full]), `${objectLabel(ing)}: ${full}: targetGroupStickinessConfig=${JSON.stringify(parsed.forwardConfig?.targetGroupStickinessConfig ?? { enabled: false })}`),
        };
        targetGroups = action.targetGroups;
      }
    } else if (route.backendService) {
      targetGroups = [tg(ing, route.backendService, route.backendPort)];
    }
    const sorted = [...(get(ing.raw, 'spec', 'rules', route.index[0], 'http', 'paths') as unknown[])]
      .map((p, i) => ({ i, t: String(get(p, 'pathType') ?? 'ImplementationSpecific'), len: String(get(p, 'path') ?? '').length }))
      .sort((a, b) => typeRank(a.t) - typeRank(b.t) || (a.t === 'Prefix' && b.t === 'Prefix' ? b.len - a.len : 0) || a.i - b.i)
      .findIndex((x) => x.i === route.index[1]);
    return {
      route, group: named ?? `${ing.namespace ?? ''}/${ing.name}`, explicitGroup: named !== undefined, targetGroups, action,
      order: Number(albAnnotation(ing, 'group.order') ?? 0), within: route.index[0] * 10_000 + sorted,
    };
  });
  const name = (r: AlbRoute) => `${r.route.ingress.namespace ?? ''}/${r.route.ingress.name}`;
  out.sort((a, b) => a.group.localeCompare(b.group) || a.order - b.order || name(a).localeCompare(name(b)) || a.within - b.within);
  return out.map(({ order: _o, within: _w, ...r }) => r);
});

/** The ALB route that serves a request: the first path, in the ALB's rule order, that matches host and path. */
export function albRouteFor(objects: KubeObject[], service: Service, host: string, path: string): AlbRoute | undefined {
  return albRoutes(objects, service).find((r) => r.route.host === host && albPathMatches(r.route, path));
}

/**
 * The ALB target groups that serve paths which must stick (pages and WebSockets), each once with
 * the paths it serves and the route that reaches it.
 */
export const stickyPathTargetGroups = memo2((objects: KubeObject[], service: Service): { tg: AlbTargetGroup; paths: string[]; via: AlbRoute }[] => {
  const out = new Map<AlbTargetGroup, { tg: AlbTargetGroup; paths: string[]; via: AlbRoute }>();
  for (const host of service.hosts) {
    for (const path of [...service.paths, ...service.websocketPaths]) {
      const r = albRouteFor(objects, service, host, path);
      for (const tg of r?.targetGroups ?? []) {
        const e = out.get(tg) ?? { tg, paths: [], via: r! };
        if (!e.paths.includes(path)) e.paths.push(path);
        out.set(tg, e);
      }
    }
  }
  return [...out.values()];
});
