import { memo1, memo2 } from './memo.ts';
import { ALB_CONTROLLER, actionServiceNames, albAction } from './alb-annotations.ts';
import { get, list, type KubeObject } from '../../evidence/kubernetes.ts';
import type { Service } from '../../evidence/service.ts';

/** The ingress-nginx annotation prefix. */
export const NGINX_ANNOTATION = 'nginx.ingress.kubernetes.io/';

/** Which controller serves an Ingress: the AWS Load Balancer Controller, or ingress-nginx (every other class). */
export type IngressController = 'alb' | 'nginx';

/** One path of one Ingress rule for a host the service uses. */
export interface IngressRoute {
  ingress: KubeObject;
  host: string;
  path: string;
  pathType: string;
  backendService: string | undefined;
  /** The backend's port: a number, a port name, or `use-annotation` (an ALB custom action). */
  backendPort: string | number | undefined;
  controller: IngressController;
  index: [number, number];
}

/**
 * The Kubernetes evidence indexed once per bundle: by kind, by kind and name, workloads by pod
 * template label, autoscalers by target, EndpointSlices by Service and Events by the workload
 * their object belongs to. Every rule looks related objects up here instead of scanning the
 * whole list, so analysis stays linear in the number of objects.
 */
export interface KubeIndex {
  ofKind(kind: string): readonly KubeObject[];
  /** An object by kind and name; an undefined namespace (on either side) matches any. */
  get(kind: string, namespace: string | undefined, name: string | undefined): KubeObject | undefined;
  /** Deployments and StatefulSets whose pod template labels match a selector, in a namespace. */
  workloadsMatching(selector: Record<string, string>, namespace: string | undefined): KubeObject[];
  /** HorizontalPodAutoscalers whose scaleTargetRef names a workload. */
  autoscalersOf(workload: string): readonly KubeObject[];
  /** EndpointSlices labelled with a Service's name. */
  slicesOf(service: string): readonly KubeObject[];
  /** Events about a workload's objects: its own name, or `<name>-…` (ReplicaSets, pods). */
  eventsOf(workload: string): readonly KubeObject[];
  /** The cluster's default IngressClass (`ingressclass.kubernetes.io/is-default-class: "true"`), if any. */
  defaultIngressClass: KubeObject | undefined;
}

const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
  const xs = m.get(k);
  if (xs) xs.push(v);
  else m.set(k, [v]);
};
const NONE: readonly KubeObject[] = [];

/** Builds (once per object list) the {@link KubeIndex}. */
export const kubeIndex = memo1((objects: KubeObject[]): KubeIndex => {
  const byKind = new Map<string, KubeObject[]>();
  const byName = new Map<string, KubeObject[]>();
  const byLabel = new Map<string, KubeObject[]>();
  const hpas = new Map<string, KubeObject[]>();
  const slices = new Map<string, KubeObject[]>();
  const events = new Map<string, KubeObject[]>();
  for (const o of objects) {
    push(byKind, o.kind, o);
    push(byName, `${o.kind}/${o.name}`, o);
    if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
      const labels = (get(o.raw, 'spec', 'template', 'metadata', 'labels') ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(labels)) push(byLabel, `${k}=${String(v)}`, o);
    } else if (o.kind === 'HorizontalPodAutoscaler') {
      push(hpas, String(get(o.raw, 'spec', 'scaleTargetRef', 'name') ?? ''), o);
    } else if (o.kind === 'EndpointSlice') {
      push(slices, o.raw.metadata.labels?.['kubernetes.io/service-name'] ?? '', o);
    } else if (o.kind === 'Event') {
      const target = String(get(o.raw, 'involvedObject', 'name') ?? '');
      push(events, target, o);
      for (let i = target.indexOf('-'); i > 0; i = target.indexOf('-', i + 1)) push(events, target.slice(0, i), o);
    }
  }
  const inNs = (o: KubeObject, ns: string | undefined) => !ns || !o.namespace || o.namespace === ns;
  return {
    ofKind: (kind) => byKind.get(kind) ?? NONE,
    get: (kind, ns, name) => (name === undefined ? undefined : (byName.get(`${kind}/${name}`) ?? NONE).find((o) => inNs(o, ns))),
    workloadsMatching: (selector, ns) => {
      const pairs = Object.entries(selector).map(([k, v]) => `${k}=${v}`);
      if (pairs.length === 0) return [];
      const smallest = pairs.map((p) => byLabel.get(p) ?? NONE).reduce((a, b) => (b.length < a.length ? b : a));
      return smallest.filter((o) => inNs(o, ns) && Object.entries(selector).every(([k, v]) => String((get(o.raw, 'spec', 'template', 'metadata', 'labels') as Record<string, unknown>)[k]) === v));
    },
    autoscalersOf: (w) => hpas.get(w) ?? NONE,
    slicesOf: (s) => slices.get(s) ?? NONE,
    eventsOf: (w) => events.get(w) ?? NONE,
    defaultIngressClass: (byKind.get('IngressClass') ?? NONE).find((c) => c.raw.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true'),
  };
});

/** Reads an ingress-nginx annotation (`affinity` → `nginx.ingress.kubernetes.io/affinity`). */
export function annotation(obj: KubeObject, name: string): string | undefined {
  return obj.raw.metadata.annotations?.[`${NGINX_ANNOTATION}${name}`];
}

/** The evidence reference of an annotation by its full name (or of the annotations block when it is absent). */
export function fullAnnotationRef(obj: KubeObject, full: string) {
  const v = obj.raw.metadata.annotations?.[full];
  return obj.ref(['metadata', 'annotations', ...(v !== undefined ? [full] : [])], v !== undefined ? `${full}: ${v}` : `${obj.kind} ${obj.name}: no ${full}`);
}

/** The evidence reference of an ingress-nginx annotation (or of the annotations block). */
export function annotationRef(obj: KubeObject, name: string) {
  return fullAnnotationRef(obj, `${NGINX_ANNOTATION}${name}`);
}

/** The class an Ingress asks for (spec field or legacy annotation), if any. */
export function ingressClass(ing: KubeObject): string | undefined {
  return (get(ing.raw, 'spec', 'ingressClassName') as string | undefined) ?? ing.raw.metadata.annotations?.['kubernetes.io/ingress.class'];
}

/**
 * The controller that serves an Ingress. The AWS Load Balancer Controller takes class `alb`
 * (by `spec.ingressClassName` or the legacy `kubernetes.io/ingress.class` annotation), any
 * IngressClass whose `spec.controller` is `ingress.k8s.aws/alb`, and Ingresses without a class
 * when such an IngressClass is the cluster's default. Every other Ingress is judged as
 * ingress-nginx.
 */
export function ingressController(index: KubeIndex, ing: KubeObject): IngressController {
  const cls = ingressClass(ing);
  const ic = cls === undefined ? index.defaultIngressClass : index.get('IngressClass', undefined, cls);
  if (ic) return get(ic.raw, 'spec', 'controller') === ALB_CONTROLLER ? 'alb' : 'nginx';
  return cls === 'alb' ? 'alb' : 'nginx';
}

/** Whether a Kubernetes host rule (possibly `*.example.com`) covers a host. */
export function hostMatches(rule: string | undefined, host: string): boolean {
  if (!rule) return true;
  if (rule.startsWith('*.')) return host.endsWith(rule.slice(1)) && host.split('.').length === rule.split('.').length;
  return rule.toLowerCase() === host.toLowerCase();
}

/** Every Ingress path (of either controller) serving one of the service's hosts. */
export const ingressRoutes = memo2((objects: KubeObject[], service: Service): IngressRoute[] => {
  const index = kubeIndex(objects);
  const out: IngressRoute[] = [];
  for (const ing of index.ofKind('Ingress')) {
    const controller = ingressController(index, ing);
    list(ing.raw, 'spec', 'rules').forEach((rule, r) => {
      const ruleHost = get(rule, 'host') as string | undefined;
      for (const host of service.hosts.filter((h) => hostMatches(ruleHost, h))) {
        list(rule, 'http', 'paths').forEach((p, i) => {
          out.push({
            ingress: ing, host, path: (get(p, 'path') as string | undefined) ?? '/', pathType: (get(p, 'pathType') as string | undefined) ?? 'ImplementationSpecific',
            backendService: (get(p, 'backend', 'service', 'name') ?? get(p, 'backend', 'serviceName')) as string | undefined,
            backendPort: (get(p, 'backend', 'service', 'port', 'number') ?? get(p, 'backend', 'service', 'port', 'name') ?? get(p, 'backend', 'servicePort')) as string | number | undefined,
            controller, index: [r, i],
          });
        });
      }
    });
  }
  return out;
});

/** The routes ingress-nginx serves, grouped by host. */
const nginxRoutesByHost = memo2((objects: KubeObject[], service: Service): Map<string, IngressRoute[]> => {
  const m = new Map<string, IngressRoute[]>();
  for (const r of ingressRoutes(objects, service)) if (r.controller === 'nginx') push(m, r.host, r);
  return m;
});

/** The Ingress paths ingress-nginx serves for the service's hosts (ALB Ingresses excluded: its annotations mean nothing there). */
export const nginxRoutes = memo2((objects: KubeObject[], service: Service): IngressRoute[] => ingressRoutes(objects, service).filter((r) => r.controller === 'nginx'));

/**
 * Whether ingress-nginx matches the paths of a host as (case-insensitive) regular expressions:
 * `use-regex: "true"` or a `rewrite-target` on any Ingress of the host enforces it on every path
 * of that host, whichever Ingress defines it.
 */
export function regexHost(objects: KubeObject[], service: Service, host: string): boolean {
  return nginxRouters(objects, service).get(host)?.regex ?? false;
}

/** A host's ingress-nginx routes prepared for lookups: exact paths, prefixes, or compiled regexes. */
interface HostRouter {
  regex: boolean;
  exact: Map<string, IngressRoute>;
  prefix: Map<string, IngressRoute>;
  patterns: { route: IngressRoute; re: RegExp | undefined }[];
}

const nginxRouters = memo2((objects: KubeObject[], service: Service): Map<string, HostRouter> => {
  const out = new Map<string, HostRouter>();
  for (const [host, all] of nginxRoutesByHost(objects, service)) {
    const routes = all.filter((r) => annotation(r.ingress, 'canary') !== 'true');
    const regex = all.some((r) => annotation(r.ingress, 'use-regex') === 'true' || annotation(r.ingress, 'rewrite-target') !== undefined);
    const exact = new Map<string, IngressRoute>();
    const prefix = new Map<string, IngressRoute>();
    for (const r of routes) {
      if (r.pathType === 'Exact') {
        if (!exact.has(r.path)) exact.set(r.path, r);
        continue;
      }
      const norm = r.path.endsWith('/') && r.path !== '/' ? r.path.slice(0, -1) : r.path;
      const had = prefix.get(norm);
      if (!had || r.path.length > had.path.length) prefix.set(norm, r);
    }
    const patterns = regex
      ? routes.filter((r) => r.pathType !== 'Exact').map((route) => {
          try {
            return { route, re: new RegExp(`^${route.path}`, 'i') };
          } catch {
            return { route, re: undefined };
          }
        })
      : [];
    out.set(host, { regex, exact, prefix, patterns });
  }
  return out;
});

/**
 * The Ingress path ingress-nginx uses for a request path: exact matches first, then the longest
 * prefix (the longest matching regex when the host is in regex mode, see {@link regexHost}),
 * across every ingress-nginx Ingress of the host, as the controller merges them into one server.
 * Canary Ingresses only split the traffic of the main one, so they are never the route. Looks
 * up the request path's own prefixes, so it costs the path's depth, not the number of routes.
 */
export function routeFor(objects: KubeObject[], service: Service, host: string, path: string): IngressRoute | undefined {
  const router = nginxRouters(objects, service).get(host);
  if (!router) return undefined;
  const exact = router.exact.get(path);
  if (exact) return exact;
  let best: IngressRoute | undefined;
  const consider = (r: IngressRoute | undefined) => {
    if (r && (!best || r.path.length > best.path.length)) best = r;
  };
  if (router.regex) {
    for (const { route, re } of router.patterns) if (re?.test(path)) consider(route);
    return best;
  }
  consider(router.prefix.get(path));
  for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) consider(router.prefix.get(path.slice(0, i)));
  consider(router.prefix.get('/'));
  return best;
}

/**
 * The ingress-nginx controller ConfigMap, when the bundle holds it (the chart names it
 * `ingress-nginx-controller`; older installs `nginx-configuration`).
 */
export const controllerConfigMap = memo1((objects: KubeObject[]): KubeObject | undefined =>
  kubeIndex(objects).ofKind('ConfigMap').find((o) => /^(ingress-nginx-controller|nginx-configuration)$/.test(o.name) || o.raw.metadata.labels?.['app.kubernetes.io/name'] === 'ingress-nginx'),
);

/** Where an Ingress's `upstream-hash-by` key comes from: its own annotation or the controller ConfigMap's global setting. */
export function upstreamHashBy(ing: KubeObject, controller?: KubeObject): { key: string; from: KubeObject; global: boolean } | undefined {
  const own = annotation(ing, 'upstream-hash-by');
  if (own) return { key: own, from: ing, global: false };
  const global = get(controller?.raw, 'data', 'upstream-hash-by');
  return typeof global === 'string' && global ? { key: global, from: controller!, global: true } : undefined;
}

/** What an `upstream-hash-by` key follows: the client address, a cookie, the request itself, or something Sticky cannot tell. */
export type HashKeyKind = 'address' | 'cookie' | 'request' | 'client' | 'unknown';

/** Variables NGINX derives from the request alone: hashing on them spreads one session over the pods. */
const REQUEST_VARIABLES = /^\$(request_uri|uri|document_uri|args|query_string|request|request_method|host|http_host|server_name|scheme)$/;
/** Names people give variables that hold the client address (`$client_ip`, `$real_ip`, …), used when the snippet that sets them is not in the bundle. */
const ADDRESS_NAME = /^\$(.*_)?(client_?ip|real_?ip|remote_?addr|remote_?ip|forwarded_for|source_?ip)(_.*)?$/i;

/**
 * Classifies an ingress-nginx `upstream-hash-by` key. Variables the Ingress sets in its
 * `configuration-snippet` or `server-snippet` (`set $client_ip $remote_addr;`) are replaced by
 * what they are set from, as `map` variables are for plain NGINX.
 */
export function hashKeyKind(ing: KubeObject, key: string): { kind: HashKeyKind; expanded: string; cookie?: string } {
  const sets = new Map<string, string[]>();
  for (const a of ['configuration-snippet', 'server-snippet']) {
    for (const m of (annotation(ing, a) ?? '').matchAll(/(?:^|[;{}\s])set\s+(\$[A-Za-z0-9_]+)\s+("[^"]*"|'[^']*'|[^;\s]+)\s*;/g)) {
      push(sets, m[1]!, m[2]!.replace(/^["']|["']$/g, ''));
    }
  }
  let expanded = key;
  for (let depth = 0; depth < 8; depth++) {
    const next = expanded.replace(/\$[A-Za-z0-9_]+/g, (v) => (sets.has(v) ? `(${sets.get(v)!.join(' ')})` : v));
    if (next === expanded) break;
    expanded = next;
  }
  const vars = [...expanded.matchAll(/\$[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]);
  const cookie = /\$cookie_([A-Za-z0-9_]+)/.exec(expanded)?.[1];
  if (cookie) return { kind: 'cookie', expanded, cookie };
  if (vars.some((v) => /^\$(binary_remote_addr|remote_addr|realip_remote_addr|http_x_forwarded_for|http_x_real_ip|proxy_add_x_forwarded_for)$/.test(v))) return { kind: 'address', expanded };
  if (vars.some((v) => /^\$(http_|arg_|jwt_|ssl_client|remote_user)/.test(v))) return { kind: 'client', expanded };
  if (vars.length > 0 && vars.every((v) => REQUEST_VARIABLES.test(v))) return { kind: 'request', expanded };
  if (vars.some((v) => !sets.has(v) && ADDRESS_NAME.test(v))) return { kind: 'address', expanded };
  return { kind: 'unknown', expanded };
}

/**
 * Whether an Ingress makes ingress-nginx stick: cookie affinity, its own `upstream-hash-by`, or
 * the controller ConfigMap's global `upstream-hash-by`. Cookie affinity wins over hashing (the
 * controller's balancer picks the sticky implementation first).
 */
export function ingressAffinity(ing: KubeObject, controller?: KubeObject): 'cookie' | 'hash' | 'none' {
  if (annotation(ing, 'affinity') === 'cookie') return 'cookie';
  return upstreamHashBy(ing, controller) ? 'hash' : 'none';
}

/** Finds an object by kind and name in a namespace (undefined namespace matches any). */
export function find(objects: KubeObject[], kind: string, name: string | undefined, namespace: string | undefined): KubeObject | undefined {
  return kubeIndex(objects).get(kind, namespace, name);
}

/** The Deployments and StatefulSets whose pod labels a Service's selector matches. */
export function workloadsOf(objects: KubeObject[], svc: KubeObject): KubeObject[] {
  const selector = get(svc.raw, 'spec', 'selector') as Record<string, string> | undefined;
  if (!selector || Object.keys(selector).length === 0) return [];
  return kubeIndex(objects).workloadsMatching(selector, svc.namespace);
}

/** Whether some HorizontalPodAutoscaler scales one of the workloads. */
export function autoscaled(objects: KubeObject[], workloads: KubeObject[]): KubeObject | undefined {
  const index = kubeIndex(objects);
  for (const w of workloads) {
    const hpa = index.autoscalersOf(w.name)[0];
    if (hpa) return hpa;
  }
  return undefined;
}

/** The names of the Services a route sends to: its backend, or the Services of an ALB custom forward action. */
export function routeServiceNames(r: IngressRoute): string[] {
  if (r.controller === 'alb' && r.backendPort === 'use-annotation' && r.backendService) return actionServiceNames(albAction(r.ingress, r.backendService));
  return r.backendService ? [r.backendService] : [];
}

/** Services backing the service's Ingress routes, or every Service when there is no Ingress. */
export const servingServices = memo2((objects: KubeObject[], service: Service): KubeObject[] => {
  const index = kubeIndex(objects);
  const routes = ingressRoutes(objects, service);
  if (routes.length === 0) return [...index.ofKind('Service')];
  const out = new Set<KubeObject>();
  for (const r of routes) {
    for (const name of routeServiceNames(r)) {
      const svc = index.get('Service', r.ingress.namespace, name);
      if (svc) out.add(svc);
    }
  }
  return [...out];
});

/** Serving workloads: those behind the serving Services, or all of them when none matched. */
export const servingWorkloads = memo2((objects: KubeObject[], service: Service): KubeObject[] => {
  const svcs = servingServices(objects, service);
  const found = [...new Set(svcs.flatMap((s) => workloadsOf(objects, s)))];
  if (found.length > 0) return found;
  const index = kubeIndex(objects);
  return svcs.length === 0 ? [...index.ofKind('Deployment'), ...index.ofKind('StatefulSet')] : [];
});

/** Whether the workloads behind a Service are a single pod with no autoscaler: nothing to stick to. */
export function singlePod(objects: KubeObject[], svc: KubeObject | undefined): boolean {
  const wl = svc ? workloadsOf(objects, svc) : [];
  return wl.length > 0 && wl.every((w) => (get(w.raw, 'spec', 'replicas') ?? 1) === 1) && !autoscaled(objects, wl);
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

/** The ingress-nginx Ingresses serving the service that carry cookie affinity, each once. */
export function cookieIngresses(objects: KubeObject[], service: Service): KubeObject[] {
  return [...new Set(nginxRoutes(objects, service).map((r) => r.ingress))].filter((i) => ingressAffinity(i) === 'cookie');
}

/** How a report names a Kubernetes object: `Ingress shop/checkout`. */
export function objectLabel(o: { kind: string; namespace?: string | undefined; name: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** An ingress-nginx Ingress that serves paths which must stick by hashing, with what its key follows. */
export interface HashedIngress {
  ingress: KubeObject;
  paths: string[];
  hash: { key: string; from: KubeObject; global: boolean };
  kind: HashKeyKind;
  expanded: string;
  cookie: string | undefined;
}

/**
 * The ingress-nginx Ingresses that serve the service's paths (pages and WebSockets) with
 * `upstream-hash-by` (their own or the controller ConfigMap's) and no cookie affinity, each once.
 */
export const hashedIngresses = memo2((objects: KubeObject[], service: Service): HashedIngress[] => {
  const controller = controllerConfigMap(objects);
  const out = new Map<KubeObject, HashedIngress>();
  for (const host of service.hosts) {
    for (const path of [...service.paths, ...service.websocketPaths]) {
      const r = routeFor(objects, service, host, path);
      if (!r || ingressAffinity(r.ingress, controller) !== 'hash') continue;
      let h = out.get(r.ingress);
      if (!h) {
        const hash = upstreamHashBy(r.ingress, controller)!;
        const k = hashKeyKind(r.ingress, hash.key);
        out.set(r.ingress, (h = { ingress: r.ingress, paths: [], hash, kind: k.kind, expanded: k.expanded, cookie: k.cookie }));
      }
      if (!h.paths.includes(path)) h.paths.push(path);
    }
  }
  return [...out.values()];
});

/** The evidence reference of where an `upstream-hash-by` key is set (the Ingress annotation or the ConfigMap key). */
export function hashRef(h: HashedIngress) {
  return h.hash.global
    ? h.hash.from.ref(['data', 'upstream-hash-by'], `ConfigMap ${h.hash.from.name}: upstream-hash-by: ${h.hash.key} (every Ingress of the controller)`)
    : annotationRef(h.ingress, 'upstream-hash-by');
}

/** How far back before collection an Event counts as part of the incident. */
export const EVENT_WINDOW_MS = 60 * 60 * 1000;

/** Whether an Event happened in the hour before collection (any time, when the collection time or the event's is unknown). */
export function inWindow(e: KubeObject, until: number | undefined): boolean {
  const at = Date.parse(String(get(e.raw, 'lastTimestamp') ?? get(e.raw, 'eventTime') ?? get(e.raw, 'firstTimestamp') ?? ''));
  return until === undefined || !Number.isFinite(at) || (at <= until && at >= until - EVENT_WINDOW_MS);
}
