import { memo1, memo2 } from './memo.ts';
import { get, list, type KubeObject } from '../../evidence/kubernetes.ts';
import type { Service } from '../../evidence/service.ts';
import { pathMatches } from './cookies.ts';

/** The ingress-nginx annotation prefix. */
export const NGINX_ANNOTATION = 'nginx.ingress.kubernetes.io/';

/** One path of one Ingress rule for a host the service uses. */
export interface IngressRoute {
  ingress: KubeObject;
  host: string;
  path: string;
  pathType: string;
  backendService: string | undefined;
  index: [number, number];
}

/** Reads an ingress-nginx annotation (`affinity` → `nginx.ingress.kubernetes.io/affinity`). */
export function annotation(obj: KubeObject, name: string): string | undefined {
  return obj.raw.metadata.annotations?.[`${NGINX_ANNOTATION}${name}`];
}

/** The evidence reference of an ingress-nginx annotation (or of the annotations block). */
export function annotationRef(obj: KubeObject, name: string) {
  const full = `${NGINX_ANNOTATION}${name}`;
  const v = obj.raw.metadata.annotations?.[full];
  return obj.ref(['metadata', 'annotations', ...(v !== undefined ? [full] : [])], v !== undefined ? `${full}: ${v}` : `${obj.kind} ${obj.name}: no ${full}`);
}

/** The class an Ingress asks for (spec field or legacy annotation), if any. */
export function ingressClass(ing: KubeObject): string | undefined {
  return (get(ing.raw, 'spec', 'ingressClassName') as string | undefined) ?? ing.raw.metadata.annotations?.['kubernetes.io/ingress.class'];
}

/** Whether a Kubernetes host rule (possibly `*.example.com`) covers a host. */
export function hostMatches(rule: string | undefined, host: string): boolean {
  if (!rule) return true;
  if (rule.startsWith('*.')) return host.endsWith(rule.slice(1)) && host.split('.').length === rule.split('.').length;
  return rule.toLowerCase() === host.toLowerCase();
}

/** Every Ingress path serving one of the service's hosts. */
export const ingressRoutes = memo2((objects: KubeObject[], service: Service): IngressRoute[] => {
  const out: IngressRoute[] = [];
  for (const ing of objects.filter((o) => o.kind === 'Ingress')) {
    list(ing.raw, 'spec', 'rules').forEach((rule, r) => {
      const ruleHost = get(rule, 'host') as string | undefined;
      for (const host of service.hosts.filter((h) => hostMatches(ruleHost, h))) {
        list(rule, 'http', 'paths').forEach((p, i) => {
          out.push({
            ingress: ing, host, path: (get(p, 'path') as string | undefined) ?? '/', pathType: (get(p, 'pathType') as string | undefined) ?? 'ImplementationSpecific',
            backendService: (get(p, 'backend', 'service', 'name') ?? get(p, 'backend', 'serviceName')) as string | undefined, index: [r, i],
          });
        });
      }
    });
  }
  return out;
});

/**
 * The Ingress path ingress-nginx uses for a request path: exact matches first, then the longest
 * prefix (regex paths when `use-regex` is on), across every Ingress of the host, as the
 * controller merges them into one server. Canary Ingresses only split the traffic of the main
 * one, so they are never the route.
 */
export function routeFor(routes: IngressRoute[], host: string, path: string): IngressRoute | undefined {
  const candidates = routes.filter((r) => r.host === host && annotation(r.ingress, 'canary') !== 'true');
  const exact = candidates.find((r) => r.pathType === 'Exact' && r.path === path);
  if (exact) return exact;
  let best: IngressRoute | undefined;
  for (const r of candidates) {
    let hit: boolean;
    if (annotation(r.ingress, 'use-regex') === 'true') {
      try {
        hit = new RegExp(`^${r.path}`).test(path);
      } catch {
        hit = false;
      }
    } else hit = r.pathType === 'Exact' ? false : pathMatches(r.path.endsWith('/') && r.path !== '/' ? r.path.slice(0, -1) : r.path, path) || r.path === '/';
    if (hit && (!best || r.path.length > best.path.length)) best = r;
  }
  return best;
}

/**
 * The ingress-nginx controller ConfigMap, when the bundle holds it (the chart names it
 * `ingress-nginx-controller`; older installs `nginx-configuration`).
 */
export const controllerConfigMap = memo1((objects: KubeObject[]): KubeObject | undefined =>
  objects.find((o) => o.kind === 'ConfigMap' && (/^(ingress-nginx-controller|nginx-configuration)$/.test(o.name) || o.raw.metadata.labels?.['app.kubernetes.io/name'] === 'ingress-nginx')),
);

/**
 * Whether an Ingress makes ingress-nginx stick: cookie affinity, its own `upstream-hash-by`, or
 * the controller ConfigMap's global `upstream-hash-by`.
 */
export function ingressAffinity(ing: KubeObject, controller?: KubeObject): 'cookie' | 'hash' | 'none' {
  if (annotation(ing, 'affinity') === 'cookie') return 'cookie';
  if (annotation(ing, 'upstream-hash-by')) return 'hash';
  if (typeof get(controller?.raw, 'data', 'upstream-hash-by') === 'string') return 'hash';
  return 'none';
}

/** Finds an object by kind and name in a namespace (undefined namespace matches any). */
export function find(objects: KubeObject[], kind: string, name: string | undefined, namespace: string | undefined): KubeObject | undefined {
  if (!name) return undefined;
  return objects.find((o) => o.kind === kind && o.name === name && (!namespace || !o.namespace || o.namespace === namespace));
}

/** The Deployments and StatefulSets whose pod labels a Service's selector matches. */
export function workloadsOf(objects: KubeObject[], svc: KubeObject): KubeObject[] {
  const selector = get(svc.raw, 'spec', 'selector') as Record<string, string> | undefined;
  if (!selector || Object.keys(selector).length === 0) return [];
  return objects.filter((o) => {
    if (o.kind !== 'Deployment' && o.kind !== 'StatefulSet') return false;
    if (svc.namespace && o.namespace && o.namespace !== svc.namespace) return false;
    const labels = (get(o.raw, 'spec', 'template', 'metadata', 'labels') ?? {}) as Record<string, string>;
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
  });
}

/** Services backing the service's Ingress routes, or every Service when there is no Ingress. */
export function servingServices(objects: KubeObject[], service: Service): KubeObject[] {
  const routes = ingressRoutes(objects, service);
  if (routes.length === 0) return objects.filter((o) => o.kind === 'Service');
  const names = new Set(routes.map((r) => `${r.ingress.namespace ?? ''}/${r.backendService}`));
  return objects.filter((o) => o.kind === 'Service' && [...names].some((n) => n === `${o.namespace ?? ''}/${o.name}` || n === `/${o.name}`));
}

/** Serving workloads: those behind the serving Services, or all of them when none matched. */
export function servingWorkloads(objects: KubeObject[], service: Service): KubeObject[] {
  const svcs = servingServices(objects, service);
  const found = [...new Set(svcs.flatMap((s) => workloadsOf(objects, s)))];
  return found.length > 0 ? found : svcs.length === 0 ? objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet') : [];
}

/** Resolves an int-or-percent rollout field against a replica count (`25%` of 4 → 1, rounded down). */
export function intOrPercent(v: unknown, replicas: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) / 100) * replicas;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return Number(v ?? 0);
}

/** The Ingresses serving the service that carry cookie affinity, each once. */
export function cookieIngresses(objects: KubeObject[], service: Service): KubeObject[] {
  return [...new Set(ingressRoutes(objects, service).map((r) => r.ingress))].filter((i) => ingressAffinity(i) === 'cookie');
}

/** How a report names a Kubernetes object: `Ingress shop/checkout`. */
export function objectLabel(o: { kind: string; namespace?: string | undefined; name: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}
