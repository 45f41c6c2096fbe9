/**
 * A small Kubernetes API server for tests, spoken to over HTTP on 127.0.0.1 by the real
 * @kubernetes/client-node (a kubeconfig is written for it). It follows the Kubernetes API
 * conventions for the resources it serves; each promise below has a conformance test in
 * test/integration/kube-api-double.conformance.test.ts.
 *
 * - **Paths and scoping**: the real group/version paths; a namespaced list returns that
 *   namespace only (`shop` never sees `shopfront`); the path without a namespace lists all.
 * - **Verbs**: get, list, watch, create (POST), update (PUT), patch, delete. Writes are served
 *   for Ingress, Service, Deployment, StatefulSet and ConfigMap; ReplicaSets, EndpointSlices,
 *   HorizontalPodAutoscalers and Events are read-only here.
 * - **Defaults** the API server fills in ({@link applyDefaults}) on create and update, so reads
 *   return them (Service `sessionAffinity: None`, Deployment `RollingUpdate` 25%/25%,
 *   `revisionHistoryLimit` 10, `progressDeadlineSeconds` 600, pod `terminationGracePeriodSeconds`
 *   30, ...), and a ClusterIP allocated to each Service.
 * - **Validation** ({@link validate}): 422 Invalid with the API server's message and
 *   `details.causes`; an object that cannot be decoded (a numeric annotation) is a 422 on
 *   `patch`.
 * - **Patches**: `application/merge-patch+json`, `application/json-patch+json` and
 *   `application/strategic-merge-patch+json` ({@link strategicPatch}: lists merge by their
 *   `patchMergeKey`, `$patch`/`$retainKeys`/... directives honoured); any other content type is
 *   415; server-side apply is refused as not modelled.
 * - **Concurrency**: every change bumps `resourceVersion` (a change that changes nothing does
 *   not); a write whose `metadata.resourceVersion` (or a delete whose preconditions) no longer
 *   match is 409 Conflict; `generation` follows spec changes of workloads and Ingresses.
 * - **dryRun=All** runs everything, admission included, and stores nothing; any other value is
 *   422. **DELETE** removes the object (or marks it deleting while finalizers remain).
 * - **Lists** paginate with `limit`/`continue` over a consistent snapshot (`remainingItemCount`);
 *   `labelSelector` (=, ==, !=, in, notin, exists, !exists) and `fieldSelector`
 *   (`metadata.name`, `metadata.namespace`) filter. **Watches** (`watch=true`) stream ADDED,
 *   MODIFIED and DELETED events as JSON lines, from a `resourceVersion` (410 Expired after
 *   {@link KubeApiDouble.compact}) or from the current state, until `timeoutSeconds`.
 * - **Errors** are `Status` bodies with the API server's reason, message, details and HTTP
 *   status: 401 without the kubeconfig's token, 403 outside {@link KubeApiDouble.rbac}, 404,
 *   409 Conflict/AlreadyExists, 410, 415, 422, 400 for bad requests.
 * - **Not modelled** (another resource, a subresource, server-side apply, `resourceVersionMatch`,
 *   `matchExpressions`, ...): answered 501 with reason `NotModelled` and recorded in
 *   {@link KubeApiDouble.refused}, never answered plausibly.
 *
 * **Fault injection** ({@link KubeApiDouble.fault}), by verb, resource, namespace and name:
 * `conflict` (409), `internal` (500), `forbidden` (403), `throttle` (429 with Retry-After),
 * `timeout` (504) or `hang` (no answer), for the next N matching requests or always. Also
 * {@link KubeApiDouble.deny} (an admission webhook's denial), {@link KubeApiDouble.hang} (path
 * prefixes that never answer) and {@link KubeApiDouble.afterDryRun}.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonPatch, mergePatch, PatchError, PatchNotModelled, strategicPatch } from './kube-patch.ts';
import { applyDefaults, decodeError, SchemaNotModelled, validate, type Cause } from './kube-schema.ts';

export { mergePatch, strategicPatch } from './kube-patch.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A resource the double serves: its group, version, kind, whether it takes writes, and whether it lives outside namespaces. */
interface Resource {
  group: string;
  version: string;
  kind: string;
  writable: boolean;
  clusterScoped?: boolean;
}

const RESOURCES: Record<string, Resource> = {
  ingresses: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', writable: true },
  services: { group: '', version: 'v1', kind: 'Service', writable: true },
  configmaps: { group: '', version: 'v1', kind: 'ConfigMap', writable: true },
  events: { group: '', version: 'v1', kind: 'Event', writable: false },
  deployments: { group: 'apps', version: 'v1', kind: 'Deployment', writable: true },
  statefulsets: { group: 'apps', version: 'v1', kind: 'StatefulSet', writable: true },
  replicasets: { group: 'apps', version: 'v1', kind: 'ReplicaSet', writable: false },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', writable: false },
  horizontalpodautoscalers: { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', writable: false },
  ingressclasses: { group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', writable: false, clusterScoped: true },
};
const PLURAL = Object.fromEntries(Object.entries(RESOURCES).map(([p, r]) => [r.kind, p]));
const GENERATION = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'Ingress']);
const apiVersionOf = (r: Resource) => (r.group ? `${r.group}/${r.version}` : r.version);
const qualified = (plural: string) => (RESOURCES[plural]!.group ? `${plural}.${RESOURCES[plural]!.group}` : plural);
const qualifiedKind = (r: Resource) => (r.group ? `${r.kind}.${r.group}` : r.kind);

/** A Kubernetes API verb, as RBAC names it. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** A failure to inject (see the module documentation). */
export type KubeFault = 'conflict' | 'internal' | 'forbidden' | 'throttle' | 'timeout' | 'hang';

/** Which requests a fault applies to; absent fields match anything. */
export interface FaultMatch {
  verb?: Verb;
  resource?: string;
  namespace?: string;
  name?: string;
}

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml', 'application/strategic-merge-patch+json'];
const OPTIONS_KIND: Partial<Record<Verb, string>> = { create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions', delete: 'DeleteOptions' };
const NOT_MODELLED_PARAMS = ['resourceVersionMatch', 'sendInitialEvents', 'force'];
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** An HTTP answer carrying a Kubernetes Status. */
class StatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Obj | undefined;
  readonly headers: Record<string, string>;
  constructor(code: number, reason: string, message: string, details?: Obj, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
    this.headers = headers;
  }
}

type Requirement = (labels: Record<string, string>) => boolean;

/** Parses a label selector (=, ==, !=, in, notin, key, !key) as the API server does; 400 when malformed. */
function parseLabelSelector(s: string | null): Requirement[] {
  if (!s) return [];
  const parts = s.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  return parts.map((raw) => {
    const p = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
      const [, k, op, vs] = m;
      const set = vs!.split(',').map((v) => v.trim());
      return op === 'in' ? (l) => set.includes(l[k!] ?? '\u0000') : (l) => !(k! in l) || !set.includes(l[k!]!);
    }
    if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(p))) {
      const [, k, op, v] = m;
      return op === '!=' ? (l) => l[k!] !== v : (l) => l[k!] === v;
    }
    if ((m = /^(!?)([\w./-]+)$/.exec(p))) {
      const [, not, k] = m;
      return not ? (l) => !(k! in l) : (l) => k! in l;
    }
    throw new StatusError(400, 'BadRequest', `unable to parse requirement: found '${p}', expected: in, notin, =, ==, !=, gt, lt`);
  });
}

/** Parses a field selector on metadata.name and metadata.namespace (all the double models). */
function parseFieldSelector(s: string | null): ((o: Obj) => boolean)[] {
  if (!s) return [];
  return s.split(',').map((p) => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(p.trim());
    if (!m) throw new StatusError(400, 'BadRequest', `invalid selector: '${p}'; can't understand '${p}'`);
    const [, field, op, value] = m;
    if (field !== 'metadata.name' && field !== 'metadata.namespace') throw new StatusError(400, 'BadRequest', `field label not supported: ${field}`);
    const get = (o: Obj) => (field === 'metadata.name' ? o.metadata?.name : o.metadata?.namespace);
    return op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value;
  });
}

const canonical = (v: unknown): unknown => (Array.isArray(v) ? v.map(canonical) : isObj(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])])) : v);
const sameContent = (a: Obj, b: Obj) => {
  const strip = (o: Obj) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, generation: undefined, managedFields: undefined } });
  return JSON.stringify(canonical(strip(a))) === JSON.stringify(canonical(strip(b)));
};

interface Watcher {
  plural: string;
  ns: string | undefined;
  match(o: Obj): boolean;
  send(type: string, o: Obj): void;
}

/**
 * The double. Tests seed it with {@link add}, read and change objects directly ({@link get},
 * {@link touch}), shape its answers ({@link rbac}, {@link deny}, {@link fault}) and read what
 * was asked ({@link requests}, {@link refused}).
 */
export class KubeApiDouble {
  /** The stored objects by `plural/namespace/name` (live references: editing one changes the cluster without a new resourceVersion). */
  readonly objects = new Map<string, Obj>();
  /** Every request, in order. */
  readonly requests: { method: string; path: string; contentType?: string; body?: unknown }[] = [];
  /** Requests answered 501 because the double does not model them. */
  readonly refused: string[] = [];
  /** Allowed verbs per resource; absent resource = everything allowed. */
  rbac: Record<string, string[]> | undefined;
  /** Paths (prefix) that never answer. */
  hang: string[] = [];
  /** Admission webhook denials by `Kind/namespace/name`: the message, and the webhook's HTTP code (default 403, as the API server sets when the webhook gives none). */
  deny = new Map<string, string | { message: string; code: number }>();
  /** Called after each dry run: lets a test change the object in between, as a controller would. */
  afterDryRun: ((key: string) => void) | undefined;
  /** The bearer token the kubeconfig carries; other requests are 401. */
  readonly token = 'test-token';
  /** Accepts other bearer tokens too (an EKS token, say), as the cluster's authenticator would. */
  acceptToken: ((token: string) => boolean) | undefined;
  /** The user RBAC messages name. */
  readonly user = 'system:serviceaccount:sticky:sticky';
  /** Called after each stored (not dry-run) write with the object as stored: lets a test run a controller that reacts to it. */
  onWrite: ((kind: string, obj: Obj) => void) | undefined;
  url = '';
  /** With TLS: the server certificate's PEM, base64 (what a kubeconfig's certificate-authority-data holds). */
  caData: string | undefined;
  private rv = 100;
  private ips = 0;
  private server: Server | ReturnType<typeof createTlsServer> | undefined;
  private readonly events: { rv: number; type: string; plural: string; obj: Obj }[] = [];
  private historyFrom = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly snapshots = new Map<string, { binding: string; items: Obj[]; rv: string }>();
  private readonly faults: { fault: KubeFault; match: FaultMatch; left: number }[] = [];

  private key(plural: string, ns: string | undefined, name: string) {
    return `${plural}/${ns ?? ''}/${name}`;
  }

  /**
   * Stores objects as a cluster would hold them: defaulted, validated (an invalid one throws,
   * as the cluster could not hold it), with uid, creationTimestamp, resourceVersion and
   * generation filled in.
   */
  add(...objs: Obj[]): void {
    for (const o of objs) {
      const plural = PLURAL[o.kind];
      if (!plural) throw new Error(`the double does not serve ${o.kind}`);
      const copy = structuredClone(o);
      copy.metadata = { uid: randomUUID(), creationTimestamp: '2026-11-01T00:00:00Z', ...copy.metadata };
      applyDefaults(copy);
      this.allocate(copy);
      if (RESOURCES[plural]!.writable) {
        const causes = validate(copy);
        if (causes.length) throw new Error(`the double cannot hold ${o.kind} ${copy.metadata.namespace}/${copy.metadata.name}: ${causes.map((c) => `${c.field}: ${c.message}`).join('; ')}`);
      }
      copy.metadata.resourceVersion = String(++this.rv);
      if (GENERATION.has(copy.kind)) copy.metadata.generation ??= 1;
      this.objects.set(this.key(plural, copy.metadata.namespace, copy.metadata.name), copy);
      this.emit('ADDED', plural, copy, undefined);
    }
  }

  get(kind: string, ns: string, name: string): Obj | undefined {
    return this.objects.get(this.key(PLURAL[kind]!, ns, name));
  }

  /** Bumps an object's resourceVersion, as any write by someone else would. */
  touch(key: string): void {
    const o = this.objects.get(key);
    if (!o) return;
    const before = structuredClone(o);
    o.metadata.resourceVersion = String(++this.rv);
    this.emit('MODIFIED', key.split('/')[0]!, o, before);
  }

  /** Makes the next `times` requests matching `match` (or all, `'always'`) fail with `fault`. */
  fault(fault: KubeFault, match: FaultMatch = {}, times: number | 'always' = 1): void {
    this.faults.push({ fault, match, left: times === 'always' ? Infinity : times });
  }

  /** Removes every injected fault. */
  clearFaults(): void {
    this.faults.splice(0);
  }

  /** Forgets the change history, as etcd compaction does: older watch resourceVersions and continue tokens answer 410 Expired. */
  compact(): void {
    this.historyFrom = this.rv;
    this.events.splice(0);
    this.snapshots.clear();
  }

  /**
   * Starts listening on 127.0.0.1 and writes a kubeconfig for it into `dir`; returns its path.
   * With `tls`, it serves HTTPS with a certificate for 127.0.0.1 made by `openssl` in `dir`, whose
   * PEM (base64, as EKS's DescribeCluster gives it) is {@link caData}, and the kubeconfig trusts it.
   */
  async start(dir: string, opts: { tls?: boolean } = {}): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    if (opts.tls) {
      const key = join(dir, 'apiserver.key');
      const cert = join(dir, 'apiserver.crt');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=kube-apiserver', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      this.caData = readFileSync(cert).toString('base64');
      this.server = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, handler);
    } else {
      this.server = createServer(handler);
    }
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
      clusters: [{ name: 'test', cluster: { server: this.url, ...(this.caData ? { 'certificate-authority-data': this.caData } : { 'insecure-skip-tls-verify': true }) } }],
      users: [{ name: 'sticky', user: { token: this.token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'sticky', namespace: 'shop' } }],
    }));
    return file;
  }

  async stop(): Promise<void> {
    this.watchers.clear();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(() => r(undefined)));
  }

  // ------------------------------------------------------------ plumbing

  private allocate(o: Obj): void {
    if (o.kind !== 'Service' || o.spec?.type === 'ExternalName') return;
    if (o.spec.clusterIP === undefined) {
      const n = ++this.ips;
      o.spec.clusterIP = `10.96.${(n >> 8) & 255}.${n & 255}`;
    }
    o.spec.clusterIPs ??= [o.spec.clusterIP];
    if (o.spec.type === 'NodePort' || o.spec.type === 'LoadBalancer') for (const p of o.spec.ports ?? []) p.nodePort ??= 30_000 + (++this.ips % 2768);
  }

  private emit(type: string, plural: string, obj: Obj, before: Obj | undefined): void {
    const rv = Number(obj.metadata.resourceVersion);
    this.events.push({ rv, type, plural, obj: structuredClone(obj) });
    for (const w of this.watchers) {
      if (w.plural !== plural || (w.ns !== undefined && w.ns !== obj.metadata.namespace)) continue;
      const now = type !== 'DELETED' && w.match(obj);
      const was = before !== undefined && w.match(before);
      if (type === 'DELETED') {
        if (w.match(obj)) w.send('DELETED', obj);
      } else if (now && was) w.send('MODIFIED', obj);
      else if (now) w.send('ADDED', obj);
      else if (was) w.send('DELETED', obj);
    }
  }

  private send(res: ServerResponse, code: number, body: Obj, headers: Record<string, string> = {}): void {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private statusBody(code: number, reason: string, message: string, details?: Obj): Obj {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
  }

  private notFound(plural: string, name: string): StatusError {
    return new StatusError(404, 'NotFound', `${qualified(plural)} "${name}" not found`, { name, group: RESOURCES[plural]!.group, kind: plural });
  }

  private conflict(plural: string, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError {
    return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(plural)} "${name}": ${why}`, { name, group: RESOURCES[plural]!.group, kind: plural });
  }

  private forbidden(verb: Verb, plural: string, ns: string | undefined, name: string | undefined): StatusError {
    const r = RESOURCES[plural]!;
    const scope = ns ? `in the namespace "${ns}"` : 'at the cluster scope';
    return new StatusError(403, 'Forbidden', `${qualified(plural)}${name ? ` "${name}"` : ''} is forbidden: User "${this.user}" cannot ${verb} resource "${plural}" in API group "${r.group}" ${scope}`, { ...(name ? { name } : {}), group: r.group, kind: plural });
  }

  private invalid(r: Resource, plural: string, name: string, causes: Cause[]): StatusError {
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    return new StatusError(422, 'Invalid', `${qualifiedKind(r)} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`, { name, group: r.group, kind: r.kind, causes });
  }

  private notModelled(what: string): StatusError {
    this.refused.push(what);
    return new StatusError(501, 'NotModelled', `kube-api-double: ${what} is not modelled`);
  }

  private injected(verb: Verb, plural: string, ns: string | undefined, name: string | undefined): KubeFault | undefined {
    const f = this.faults.find((x) => x.left > 0 && (!x.match.verb || x.match.verb === verb) && (!x.match.resource || x.match.resource === plural) && (!x.match.namespace || x.match.namespace === ns) && (!x.match.name || x.match.name === name));
    if (!f) return undefined;
    f.left -= 1;
    return f.fault;
  }

  private faultError(fault: Exclude<KubeFault, 'hang'>, verb: Verb, plural: string, ns: string | undefined, name: string | undefined): StatusError {
    switch (fault) {
      case 'conflict':
        return this.conflict(plural, name ?? '');
      case 'forbidden':
        return this.forbidden(verb, plural, ns, name);
      case 'throttle':
        return new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 }, { 'retry-after': '1' });
      case 'timeout':
        return new StatusError(504, 'Timeout', 'Timeout: request did not complete within requested timeout - context deadline exceeded', { retryAfterSeconds: 1 });
      case 'internal':
        return new StatusError(500, 'InternalError', 'Internal error occurred: etcdserver: leader changed', { causes: [{ message: 'etcdserver: leader changed' }] });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    let body: unknown;
    let badJson = false;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      badJson = true;
    }
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, ...(contentType ? { contentType } : {}), ...(body !== undefined ? { body } : {}) });
    if (this.hang.some((h) => url.pathname.startsWith(h))) return;
    try {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (bearer !== this.token && !(bearer && this.acceptToken?.(bearer))) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
      const out = await this.route(req.method ?? 'GET', url, contentType, body, badJson, text, res);
      if (out === 'hang' || out === 'streaming') return;
      this.send(res, out.code, out.body);
    } catch (e) {
      if (e instanceof StatusError) return this.send(res, e.code, this.statusBody(e.code, e.reason, e.message, e.details), e.headers);
      if (e instanceof PatchError) return this.send(res, e.code, this.statusBody(e.code, e.reason, e.message, e.causes.length ? { causes: e.causes } : undefined));
      if (e instanceof PatchNotModelled || e instanceof SchemaNotModelled) {
        this.refused.push(e.message);
        return this.send(res, 501, this.statusBody(501, 'NotModelled', e.message));
      }
      this.send(res, 500, this.statusBody(500, 'InternalError', `kube-api-double failed: ${(e as Error).stack ?? String(e)}`));
    }
  }

  private async route(method: string, url: URL, contentType: string | undefined, body: unknown, badJson: boolean, text: string, res: ServerResponse): Promise<{ code: number; body: Obj } | 'hang' | 'streaming'> {
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) throw this.notModelled(`the path ${url.pathname}`);
    const [, coreVersion, group = '', groupVersion, ns, plural, name, sub] = m;
    const r = RESOURCES[plural!];
    if (!r) throw this.notModelled(`the resource ${plural}`);
    if (r.group !== group || r.version !== (coreVersion ?? groupVersion)) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] });
    if (sub) throw this.notModelled(`the ${sub} subresource`);
    const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
    const verb: Verb | undefined = method === 'GET' ? (name ? 'get' : watch ? 'watch' : 'list')
      : method === 'POST' && !name ? 'create' : method === 'PUT' && name ? 'update' : method === 'PATCH' && name ? 'patch' : method === 'DELETE' && name ? 'delete' : undefined;
    if (!verb) {
      if (method === 'DELETE') throw this.notModelled('deletecollection');
      throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    if (r.clusterScoped ? Boolean(ns) : !ns && !['list', 'watch'].includes(verb)) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const fault = this.injected(verb, plural!, ns, name);
    if (fault === 'hang') return 'hang';
    if (fault) throw this.faultError(fault, verb, plural!, ns, name);
    if (this.rbac && !(this.rbac[plural!] ?? []).includes(verb)) throw this.forbidden(verb, plural!, ns, name);
    for (const p of NOT_MODELLED_PARAMS) if (url.searchParams.has(p) && !(p === 'force' && verb !== 'patch')) throw this.notModelled(`the ${p} parameter`);
    const optionsKind = OPTIONS_KIND[verb];
    const dryRun = url.searchParams.getAll('dryRun');
    if (dryRun.length && optionsKind && dryRun.some((d) => d !== 'All')) {
      throw new StatusError(422, 'Invalid', `${optionsKind}.meta.k8s.io "" is invalid: dryRun: Unsupported value: ${JSON.stringify(dryRun)}: supported values: "All"`, { group: 'meta.k8s.io', kind: optionsKind, causes: [{ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(dryRun)}: supported values: "All"`, field: 'dryRun' }] });
    }
    const fv = url.searchParams.get('fieldValidation');
    if (fv !== null && optionsKind) {
      if (!['Ignore', 'Warn', 'Strict'].includes(fv)) throw new StatusError(400, 'BadRequest', `fieldValidation must be one of "Ignore", "Warn" or "Strict", got "${fv}"`);
      if (fv === 'Strict') throw this.notModelled('fieldValidation=Strict (unknown fields are not checked)');
    }
    const dry = dryRun.length > 0;
    if (['create', 'update', 'patch', 'delete'].includes(verb) && !r.writable) throw this.notModelled(`${verb} of ${plural}`);
    if ((verb === 'create' || verb === 'update') && badJson) throw new StatusError(400, 'BadRequest', `couldn't get version/kind; json parse error: ${text.slice(0, 80)}`);
    switch (verb) {
      case 'get': {
        const o = this.objects.get(this.key(plural!, ns, name!));
        if (!o) throw this.notFound(plural!, name!);
        return { code: 200, body: o };
      }
      case 'list':
        return { code: 200, body: this.list(plural!, r, ns, url) };
      case 'watch':
        this.watch(plural!, ns, url, res);
        return 'streaming';
      case 'create':
        return { code: 201, body: this.write(plural!, r, ns!, undefined, body, dry) };
      case 'update':
        return { code: 200, body: this.write(plural!, r, ns!, name!, body, dry) };
      case 'patch':
        return { code: 200, body: this.patch(plural!, r, ns!, name!, contentType, body, badJson, dry) };
      case 'delete':
        return this.remove(plural!, r, ns!, name!, body, dry, url);
    }
  }

  private matching(plural: string, ns: string | undefined, url: URL): { items: Obj[]; match: (o: Obj) => boolean } {
    const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
    const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
    const match = (o: Obj) => labels.every((l) => l(o.metadata?.labels ?? {})) && fields.every((f) => f(o));
    const items = [...this.objects.entries()]
      .filter(([k]) => (ns === undefined ? k.startsWith(`${plural}/`) : k.startsWith(`${plural}/${ns}/`)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o)
      .filter(match);
    return { items, match };
  }

  private list(plural: string, r: Resource, ns: string | undefined, url: URL): Obj {
    const rvParam = url.searchParams.get('resourceVersion');
    if (rvParam && rvParam !== '0' && (!/^\d+$/.test(rvParam) || Number(rvParam) > this.rv)) {
      throw new StatusError(504, 'Timeout', `Too large resource version: ${rvParam}, current: ${this.rv}`, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 });
    }
    const limitParam = url.searchParams.get('limit');
    const limit = limitParam === null ? 0 : Number(limitParam);
    if (!Number.isInteger(limit) || limit < 0) throw new StatusError(400, 'BadRequest', `limit must be a non-negative integer, got "${limitParam}"`);
    const binding = `${plural}|${ns ?? ''}|${url.searchParams.get('labelSelector') ?? ''}|${url.searchParams.get('fieldSelector') ?? ''}`;
    const token = url.searchParams.get('continue');
    let items: Obj[];
    let offset = 0;
    let listRv = String(this.rv);
    if (token) {
      let parsed: { id: string; o: number } | undefined;
      try {
        parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { id: string; o: number };
      } catch {
        throw new StatusError(400, 'BadRequest', 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
      }
      const snap = this.snapshots.get(parsed.id);
      if (!snap) throw new StatusError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      if (snap.binding !== binding) throw new StatusError(400, 'BadRequest', 'continue key is not valid: key provided for a different list');
      items = snap.items;
      offset = parsed.o;
      listRv = snap.rv;
    } else {
      items = this.matching(plural, ns, url).items.map((o) => structuredClone(o));
    }
    const page = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
    const rest = items.length - offset - page.length;
    let next: string | undefined;
    if (limit > 0 && rest > 0) {
      const id = token ? (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { id: string }).id : randomUUID();
      if (!token) this.snapshots.set(id, { binding, items, rv: listRv });
      next = Buffer.from(JSON.stringify({ id, o: offset + limit })).toString('base64url');
    }
    return {
      apiVersion: apiVersionOf(r), kind: `${r.kind}List`,
      metadata: { resourceVersion: listRv, ...(next ? { continue: next, remainingItemCount: rest } : {}) },
      items: page.map(({ apiVersion: _a, kind: _k, ...o }) => o),
    };
  }

  private watch(plural: string, ns: string | undefined, url: URL, res: ServerResponse): void {
    const { items, match } = this.matching(plural, ns, url);
    const rvParam = url.searchParams.get('resourceVersion');
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const line = (type: string, object: Obj) => res.write(`${JSON.stringify({ type, object })}\n`);
    if (rvParam && rvParam !== '0') {
      const from = Number(rvParam);
      if (!Number.isInteger(from) || from < this.historyFrom) {
        line('ERROR', this.statusBody(410, 'Expired', `too old resource version: ${rvParam} (${this.historyFrom})`));
        res.end();
        return;
      }
      for (const e of this.events) if (e.rv > from && e.plural === plural && (ns === undefined || e.obj.metadata.namespace === ns) && match(e.obj)) line(e.type, e.obj);
    } else {
      for (const o of items) line('ADDED', o);
    }
    const w: Watcher = { plural, ns, match, send: (type, o) => line(type, o) };
    this.watchers.add(w);
    const end = () => {
      this.watchers.delete(w);
      if (!res.writableEnded) res.end();
    };
    res.on('close', () => this.watchers.delete(w));
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    if (timeout > 0) setTimeout(end, timeout * 1000).unref();
  }

  /** Admission: a configured webhook denial for this object. */
  private admit(r: Resource, plural: string, o: Obj): void {
    const d = this.deny.get(`${r.kind}/${o.metadata?.namespace}/${o.metadata?.name}`);
    if (!d) return;
    const { message, code } = typeof d === 'string' ? { message: d, code: 403 } : d;
    throw new StatusError(code, code === 403 ? 'Forbidden' : code === 422 ? 'Invalid' : 'BadRequest', `admission webhook "policy.example.com" denied the request: ${message}`, { name: o.metadata?.name, group: r.group, kind: plural });
  }

  /** Defaults, decodes, validates, admits and (unless dry) stores a new version of an object. */
  private commit(plural: string, r: Resource, next: Obj, old: Obj | undefined, dry: boolean, how: 'create' | 'update' | 'patch'): Obj {
    const name = next.metadata?.name ?? '';
    const broken = decodeError(next);
    if (broken) {
      const msg = how === 'patch' ? ` "" is invalid: patch: Invalid value: ${JSON.stringify(JSON.stringify(next))}: ${broken}` : `${qualifiedKind(r)} in version "${r.version}" cannot be handled as a ${r.kind}: ${broken}`;
      throw new StatusError(how === 'patch' ? 422 : 400, how === 'patch' ? 'Invalid' : 'BadRequest', msg);
    }
    applyDefaults(next);
    if (old && next.kind === 'Service' && next.spec?.clusterIP === undefined) {
      next.spec.clusterIP = old.spec?.clusterIP;
      next.spec.clusterIPs ??= old.spec?.clusterIPs;
    }
    if (!old) this.allocate(next);
    const causes = validate(next, old);
    if (causes.length) throw this.invalid(r, plural, name, causes);
    this.admit(r, plural, next);
    if (old && sameContent(old, next)) return old;
    if (GENERATION.has(r.kind)) next.metadata.generation = !old ? 1 : JSON.stringify(canonical(old.spec)) === JSON.stringify(canonical(next.spec)) ? old.metadata.generation : (old.metadata.generation ?? 1) + 1;
    if (dry) return { ...next, metadata: { ...next.metadata, resourceVersion: old?.metadata.resourceVersion ?? '' } };
    next.metadata.resourceVersion = String(++this.rv);
    this.objects.set(this.key(plural, next.metadata.namespace, name), next);
    this.emit(old ? 'MODIFIED' : 'ADDED', plural, next, old);
    this.onWrite?.(r.kind, next);
    return next;
  }

  /** create (name undefined) or update (PUT). */
  private write(plural: string, r: Resource, ns: string, name: string | undefined, body: unknown, dry: boolean): Obj {
    if (!isObj(body)) throw new StatusError(400, 'BadRequest', 'the body of the request is not a JSON object');
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(r)) throw new StatusError(400, 'BadRequest', `the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(r)})`);
    if (body.kind !== undefined && body.kind !== r.kind) throw new StatusError(400, 'BadRequest', `the kind in the data (${body.kind}) does not match the expected kind (${r.kind})`);
    const next: Obj = { ...structuredClone(body), apiVersion: apiVersionOf(r), kind: r.kind, metadata: { ...(structuredClone(body.metadata) ?? {}) } };
    if (next.metadata.namespace !== undefined && next.metadata.namespace !== ns) throw new StatusError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    next.metadata.namespace = ns;
    if (name === undefined) {
      if (!next.metadata.name && next.metadata.generateName) next.metadata.name = `${next.metadata.generateName}${randomUUID().slice(0, 5)}`;
      if (next.metadata.resourceVersion) throw new StatusError(400, 'BadRequest', 'resourceVersion should not be set on objects to be created');
      if (next.metadata.name && this.objects.has(this.key(plural, ns, next.metadata.name))) {
        throw new StatusError(409, 'AlreadyExists', `${qualified(plural)} "${next.metadata.name}" already exists`, { name: next.metadata.name, group: r.group, kind: plural });
      }
      next.metadata.uid = randomUUID();
      next.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      return this.commit(plural, r, next, undefined, dry, 'create');
    }
    if (next.metadata.name !== name) throw new StatusError(400, 'BadRequest', `the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
    const old = this.objects.get(this.key(plural, ns, name));
    if (!old) throw this.notFound(plural, name);
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== old.metadata.resourceVersion) throw this.conflict(plural, name);
    next.metadata = { ...next.metadata, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp };
    return this.commit(plural, r, next, old, dry, 'update');
  }

  private patch(plural: string, r: Resource, ns: string, name: string, contentType: string | undefined, body: unknown, badJson: boolean, dry: boolean): Obj {
    if (!PATCH_TYPES.includes(contentType ?? '')) {
      throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`);
    }
    if (contentType === 'application/apply-patch+yaml') throw this.notModelled('server-side apply');
    const current = this.objects.get(this.key(plural, ns, name));
    if (!current) throw this.notFound(plural, name);
    if (badJson) throw new StatusError(400, 'BadRequest', 'error decoding patch: invalid character in JSON');
    const next = structuredClone(
      contentType === 'application/json-patch+json' ? jsonPatch(current, body)
        : contentType === 'application/merge-patch+json' ? (isObj(body) ? mergePatch(current, body) : (() => { throw new PatchError(400, 'BadRequest', 'error decoding patch: the merge patch must be a JSON object'); })())
          : strategicPatch(current, body, r.kind),
    ) as Obj;
    if (next.metadata?.name !== name || next.metadata?.namespace !== ns) throw this.invalid(r, plural, name, [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(next.metadata?.name)}: field is immutable` }]);
    if (next.metadata.uid && next.metadata.uid !== current.metadata.uid) throw this.conflict(plural, name, `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${current.metadata.uid}`);
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) throw this.conflict(plural, name);
    next.metadata = { ...next.metadata, uid: current.metadata.uid, resourceVersion: current.metadata.resourceVersion };
    next.apiVersion = apiVersionOf(r);
    next.kind = r.kind;
    const out = this.commit(plural, r, next, current, dry, 'patch');
    if (dry) this.afterDryRun?.(this.key(plural, ns, name));
    return out;
  }

  private remove(plural: string, r: Resource, ns: string, name: string, body: unknown, dry: boolean, url: URL): { code: number; body: Obj } {
    const key = this.key(plural, ns, name);
    const o = this.objects.get(key);
    if (!o) throw this.notFound(plural, name);
    const opts = isObj(body) ? body : {};
    const policy = opts.propagationPolicy ?? url.searchParams.get('propagationPolicy');
    if (policy && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw new StatusError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
    }
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== o.metadata.uid) throw this.conflict(plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${o.metadata.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== o.metadata.resourceVersion) throw this.conflict(plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${o.metadata.resourceVersion}`);
    const success = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: r.group, kind: plural, uid: o.metadata.uid } };
    if (dry) return { code: 200, body: success };
    if ((o.metadata.finalizers ?? []).length > 0) {
      if (o.metadata.deletionTimestamp) return { code: 200, body: o };
      const before = structuredClone(o);
      o.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      o.metadata.deletionGracePeriodSeconds = 0;
      o.metadata.resourceVersion = String(++this.rv);
      this.emit('MODIFIED', plural, o, before);
      return { code: 200, body: o };
    }
    this.objects.delete(key);
    this.emit('DELETED', plural, { ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } }, o);
    return { code: 200, body: success };
  }
}

/**
 * Starts a double in a fresh temporary folder and points `KUBECONFIG` at it (the collector and
 * the apply read the default kubeconfig); `close()` stops it, removes the folder and restores
 * `KUBECONFIG`.
 */
export async function kubeconfigDouble(opts: { tls?: boolean } = {}): Promise<{ api: KubeApiDouble; dir: string; close(): Promise<void> }> {
  const api = new KubeApiDouble();
  const dir = mkdtempSync(join(tmpdir(), 'sticky-kube-'));
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = await api.start(dir, opts);
  return {
    api,
    dir,
    async close() {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    },
  };
}
