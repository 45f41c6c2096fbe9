import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Resources the double serves: plural → API group path and kind. */
const RESOURCES: Record<string, { prefix: string; kind: string; namespaced: boolean }> = {
  ingresses: { prefix: '/apis/networking.k8s.io/v1', kind: 'Ingress', namespaced: true },
  services: { prefix: '/api/v1', kind: 'Service', namespaced: true },
  events: { prefix: '/api/v1', kind: 'Event', namespaced: true },
  configmaps: { prefix: '/api/v1', kind: 'ConfigMap', namespaced: true },
  deployments: { prefix: '/apis/apps/v1', kind: 'Deployment', namespaced: true },
  statefulsets: { prefix: '/apis/apps/v1', kind: 'StatefulSet', namespaced: true },
  replicasets: { prefix: '/apis/apps/v1', kind: 'ReplicaSet', namespaced: true },
  endpointslices: { prefix: '/apis/discovery.k8s.io/v1', kind: 'EndpointSlice', namespaced: true },
  horizontalpodautoscalers: { prefix: '/apis/autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespaced: true },
  ingressclasses: { prefix: '/apis/networking.k8s.io/v1', kind: 'IngressClass', namespaced: false },
};
const PLURAL = Object.fromEntries(Object.entries(RESOURCES).map(([p, r]) => [r.kind, p]));

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Strategic merge for the fields Sticky patches: lists of objects with a `name` merge by name; other lists are replaced. */
export function strategicPatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch) && Array.isArray(target) && patch.every((p) => p && typeof p === 'object' && 'name' in p)) {
    const out = target.map((t) => ({ ...t }));
    for (const p of patch) {
      const i = out.findIndex((t) => t.name === p.name);
      if (i >= 0) out[i] = strategicPatch(out[i], p) as Obj;
      else out.push(p);
    }
    return out;
  }
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = strategicPatch(out[k], v);
  }
  return out;
}

/**
 * A small Kubernetes API server for tests, spoken to by the real @kubernetes/client-node over
 * HTTP: the real paths and object shapes, resourceVersion with 409 conflicts, label selectors,
 * `dryRun=All` that validates and stores nothing, 403 for verbs outside its RBAC, merge and
 * strategic-merge patches (and 415 for a JSON-patch content type with an object body), denials
 * an admission webhook would make, and paths that never answer.
 */
export class KubeApiDouble {
  readonly objects = new Map<string, Obj>();
  readonly requests: { method: string; path: string; contentType?: string; body?: unknown }[] = [];
  private rv = 100;
  private server: Server | undefined;
  /** Allowed verbs per resource; absent resource = everything allowed. */
  rbac: Record<string, string[]> | undefined;
  /** Paths (prefix) that never answer. */
  hang: string[] = [];
  /** Admission denials: object key → message, applied to patches (dry run included). */
  deny = new Map<string, string>();
  /** Called after each dry run: lets a test change the object in between, as a controller would. */
  afterDryRun: ((key: string) => void) | undefined;
  /** Called after each stored (not dry-run) write with the object as stored: lets a test run a controller that reacts to it. */
  onWrite: ((kind: string, obj: Obj) => void) | undefined;
  url = '';

  private key(plural: string, ns: string | undefined, name: string) {
    return `${plural}/${ns ?? ''}/${name}`;
  }

  /** Stores objects as a cluster would hold them (resourceVersion and uid filled in). */
  add(...objs: Obj[]): void {
    for (const o of objs) {
      const plural = PLURAL[o.kind];
      if (!plural) throw new Error(`the double does not serve ${o.kind}`);
      const copy = structuredClone(o);
      copy.metadata = { uid: `uid-${this.rv}`, creationTimestamp: '2026-11-01T00:00:00Z', ...copy.metadata, resourceVersion: String(++this.rv) };
      this.objects.set(this.key(plural, copy.metadata.namespace, copy.metadata.name), copy);
    }
  }

  get(kind: string, ns: string, name: string): Obj | undefined {
    return this.objects.get(this.key(PLURAL[kind]!, ns, name));
  }

  /** Bumps an object's resourceVersion, as any write by someone else would. */
  touch(key: string): void {
    const o = this.objects.get(key);
    if (o) o.metadata.resourceVersion = String(++this.rv);
  }

  /** Starts listening on 127.0.0.1 and writes a kubeconfig for it into `dir`; returns its path. */
  async start(dir: string): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
      clusters: [{ name: 'test', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'sticky', user: { token: 'test-token' } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'sticky', namespace: 'shop' } }],
    }));
    return file;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(() => r(undefined)));
  }

  private send(res: ServerResponse, code: number, body: Obj): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const contentType = req.headers['content-type']?.split(';')[0];
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return this.status(res, 400, 'BadRequest', 'body is not JSON');
    }
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, ...(contentType ? { contentType } : {}), ...(body !== undefined ? { body } : {}) });
    if (this.hang.some((h) => url.pathname.startsWith(h))) return;
    const m = /^(\/apis?\/(?:[a-z0-9.]+\/)?v[0-9a-z]+)(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?$/.exec(url.pathname);
    const plural = m?.[3];
    const r = plural ? RESOURCES[plural] : undefined;
    if (!m || !r || r.prefix !== m[1]) return this.status(res, 404, 'NotFound', `the server could not find the requested resource ${url.pathname}`);
    const [, , ns, , name] = m;
    const verb = req.method === 'PATCH' ? 'patch' : name ? 'get' : 'list';
    if (this.rbac && !(this.rbac[plural!] ?? []).includes(verb)) {
      return this.status(res, 403, 'Forbidden', `${plural} is forbidden: User "system:serviceaccount:sticky:sticky" cannot ${verb} resource "${plural}"${ns ? ` in the namespace "${ns}"` : ' at the cluster scope'}`);
    }
    if (verb === 'list') {
      const sel = (url.searchParams.get('labelSelector') ?? '').split(',').filter(Boolean).map((s) => s.split('='));
      const items = [...this.objects.entries()]
        .filter(([k]) => k.startsWith(`${plural}/${ns ?? ''}`) || (!ns && k.startsWith(`${plural}/`)))
        .map(([, o]) => o)
        .filter((o) => sel.every(([k, v]) => o.metadata.labels?.[k!] === v))
        .map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
      return this.send(res, 200, { apiVersion: r.prefix.replace(/^\/apis?\//, ''), kind: `${r.kind}List`, metadata: { resourceVersion: String(this.rv) }, items });
    }
    const key = this.key(plural!, ns, name!);
    const current = this.objects.get(key);
    if (!current) return this.status(res, 404, 'NotFound', `${plural} "${name}" not found`);
    if (verb === 'get') return this.send(res, 200, current);
    if (contentType !== 'application/merge-patch+json' && contentType !== 'application/strategic-merge-patch+json') {
      return this.status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType} with ${Array.isArray(body) ? 'a list' : 'an object'} body)`);
    }
    if (contentType === 'application/strategic-merge-patch+json' && !['Deployment', 'StatefulSet', 'Service', 'Ingress'].includes(r.kind)) {
      return this.status(res, 415, 'UnsupportedMediaType', 'strategic merge patch is not supported for this resource');
    }
    const patch = body as Obj;
    const wantRv = patch?.metadata?.resourceVersion;
    if (wantRv && wantRv !== current.metadata.resourceVersion) {
      return this.status(res, 409, 'Conflict', `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    const denial = this.deny.get(`${r.kind}/${ns}/${name}`);
    if (denial) return this.status(res, 422, 'Invalid', `admission webhook "policy.example.com" denied the request: ${denial}`);
    const next = (contentType === 'application/merge-patch+json' ? mergePatch(current, patch) : strategicPatch(current, patch)) as Obj;
    const problem = validate(next);
    if (problem) return this.status(res, 422, 'Invalid', `${r.kind} "${name}" is invalid: ${problem}`);
    if (url.searchParams.get('dryRun') === 'All') {
      this.afterDryRun?.(key);
      return this.send(res, 200, next);
    }
    next.metadata = { ...next.metadata, resourceVersion: String(++this.rv) };
    this.objects.set(key, next);
    this.onWrite?.(r.kind, next);
    return this.send(res, 200, next);
  }
}

/** The API server's validation for the fields Sticky changes. */
function validate(o: Obj): string | undefined {
  for (const [k, v] of Object.entries(o.metadata?.annotations ?? {})) if (typeof v !== 'string') return `metadata.annotations[${k}]: must be a string`;
  const ru = o.spec?.strategy?.rollingUpdate;
  if (ru && ru.maxUnavailable === 0 && ru.maxSurge === 0) return 'spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when maxSurge is 0';
  const t = o.spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (t !== undefined && (t < 1 || t > 86400)) return 'spec.sessionAffinityConfig.clientIP.timeoutSeconds: must be in the range 1 to 86400';
  return undefined;
}
