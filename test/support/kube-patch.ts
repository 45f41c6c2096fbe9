/**
 * The three patch formats of the Kubernetes API as the API server applies them, for the
 * Kubernetes API double: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic
 * merge patch, whose lists merge by each field's `patchMergeKey` (the `patchStrategy` and
 * `patchMergeKey` tags of the API types, tabled below for the kinds the double serves) and
 * which honours the `$patch` (`delete`, `replace`, `merge`), `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` directives. Failures carry
 * the HTTP status the API server answers with (see apiserver's patch handler).
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A patch the API server refuses: its HTTP status, Status reason and message. */
export class PatchError extends Error {
  override name = 'PatchError';
  readonly code: number;
  readonly reason: string;
  readonly causes: { type?: string; message: string; field?: string }[];
  constructor(code: number, reason: string, message: string, causes: { type?: string; message: string; field?: string }[] = []) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.causes = causes;
  }
}

/** Thrown for patch content the double does not model (answered 501, never guessed). */
export class PatchNotModelled extends Error {
  override name = 'PatchNotModelled';
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386 JSON merge patch: objects merge, `null` removes, anything else (lists too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---------------------------------------------------------------- JSON patch

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw new PatchError(422, 'Invalid', 'the server rejected our request due to an error in our request', [{ type: 'UnexpectedServerResponse', message: `JSON pointer ${String(path)} must be empty or start with /` }]);
  return path === '' ? [] : path.slice(1).split('/').map(unescape);
}

function parentOf(doc: unknown, parts: string[], op: string, path: string): { parent: Obj | unknown[]; key: string } {
  let cur: unknown = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isObj(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw unprocessable(`${op} operation does not apply: doc is missing path: ${path}`);
  }
  if (!isObj(cur) && !Array.isArray(cur)) throw unprocessable(`${op} operation does not apply: doc is missing path: ${path}`);
  return { parent: cur, key: parts[parts.length - 1]! };
}

const unprocessable = (message: string) => new PatchError(422, 'Invalid', 'the server rejected our request due to an error in our request', [{ type: 'UnexpectedServerResponse', message }]);

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/**
 * RFC 6902 JSON patch (add, remove, replace, move, copy, test). A body that is not a list is a
 * 400, as the API server cannot decode it as a patch; an operation that does not apply is a 422.
 */
export function jsonPatch(doc: Obj, ops: unknown): Obj {
  if (!Array.isArray(ops)) throw new PatchError(400, 'BadRequest', `json: cannot unmarshal ${isObj(ops) ? 'object' : typeof ops} into Go value of type jsonpatch.Patch`);
  let out: unknown = structuredClone(doc);
  for (const op of ops as Obj[]) {
    const path = String(op.path);
    const parts = pointer(op.path);
    const get = (ps: string[]) => ps.reduce<unknown>((c, p) => (Array.isArray(c) ? c[Number(p)] : isObj(c) ? c[p] : undefined), out);
    const put = (ps: string[], value: unknown, name: string) => {
      if (ps.length === 0) {
        out = value;
        return;
      }
      const { parent, key } = parentOf(out, ps, name, path);
      if (Array.isArray(parent)) {
        const i = key === '-' ? parent.length : Number(key);
        if (!Number.isInteger(i) || i < 0 || i > parent.length) throw unprocessable(`${name} operation does not apply: index ${key} out of bounds in ${path}`);
        parent.splice(i, 0, value);
      } else parent[key] = value;
    };
    const remove = (ps: string[], name: string) => {
      const { parent, key } = parentOf(out, ps, name, path);
      if (Array.isArray(parent)) {
        const i = Number(key);
        if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw unprocessable(`${name} operation does not apply: doc is missing key: ${path}`);
        return parent.splice(i, 1)[0];
      }
      if (!(key in parent)) throw unprocessable(`${name} operation does not apply: doc is missing key: ${path}`);
      const v = parent[key];
      delete parent[key];
      return v;
    };
    switch (op.op) {
      case 'add':
        put(parts, structuredClone(op.value), 'add');
        break;
      case 'remove':
        remove(parts, 'remove');
        break;
      case 'replace':
        if (get(parts) === undefined) throw unprocessable(`replace operation does not apply: doc is missing key: ${path}`);
        if (parts.length === 0) out = structuredClone(op.value);
        else {
          const { parent, key } = parentOf(out, parts, 'replace', path);
          if (Array.isArray(parent)) parent[Number(key)] = structuredClone(op.value);
          else parent[key] = structuredClone(op.value);
        }
        break;
      case 'move':
      case 'copy': {
        const from = pointer(op.from);
        const v = get(from);
        if (v === undefined) throw unprocessable(`${op.op} operation does not apply: doc is missing from path: ${String(op.from)}`);
        if (op.op === 'move') remove(from, 'move');
        put(parts, structuredClone(v), op.op);
        break;
      }
      case 'test':
        if (!deepEqual(get(parts), op.value)) throw unprocessable(`testing value ${path} failed: test failed`);
        break;
      default:
        throw new PatchError(400, 'BadRequest', `Unexpected kind: ${String(op.op)}`);
    }
  }
  if (!isObj(out)) throw unprocessable('the patched document is not an object');
  return out;
}

// ---------------------------------------------------------------- strategic merge patch

/** The patch metadata of one field: its strategies, the merge key of its list, the type of its value. */
interface FieldMeta {
  strategy?: ('merge' | 'retainKeys')[];
  key?: string;
  type?: string;
}

const merge = (key: string, type?: string): FieldMeta => ({ strategy: ['merge'], key, ...(type ? { type } : {}) });

/**
 * The `patchStrategy`/`patchMergeKey` tags of the API types the double serves
 * (k8s.io/api core/v1, apps/v1, networking/v1, meta/v1). A list without a tag is replaced whole.
 */
const TYPES: Record<string, Record<string, FieldMeta>> = {
  ObjectMeta: { finalizers: { strategy: ['merge'] }, ownerReferences: merge('uid') },
  Deployment: { metadata: { type: 'ObjectMeta' }, spec: { type: 'DeploymentSpec' } },
  DeploymentSpec: { template: { type: 'PodTemplateSpec' }, strategy: { strategy: ['retainKeys'] } },
  StatefulSet: { metadata: { type: 'ObjectMeta' }, spec: { type: 'StatefulSetSpec' } },
  StatefulSetSpec: { template: { type: 'PodTemplateSpec' } },
  ReplicaSet: { metadata: { type: 'ObjectMeta' }, spec: { type: 'ReplicaSetSpec' } },
  ReplicaSetSpec: { template: { type: 'PodTemplateSpec' } },
  PodTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec' } },
  PodSpec: {
    containers: merge('name', 'Container'), initContainers: merge('name', 'Container'), ephemeralContainers: merge('name', 'Container'),
    volumes: { strategy: ['merge', 'retainKeys'], key: 'name' }, imagePullSecrets: merge('name'), hostAliases: merge('ip'),
    topologySpreadConstraints: merge('topologyKey'), schedulingGates: merge('name'), resourceClaims: { strategy: ['merge', 'retainKeys'], key: 'name' },
  },
  Container: { ports: merge('containerPort'), env: merge('name'), volumeMounts: merge('mountPath'), volumeDevices: merge('devicePath') },
  Service: { metadata: { type: 'ObjectMeta' }, spec: { type: 'ServiceSpec' } },
  ServiceSpec: { ports: merge('port') },
  Ingress: { metadata: { type: 'ObjectMeta' } },
  ConfigMap: { metadata: { type: 'ObjectMeta' } },
  EndpointSlice: { metadata: { type: 'ObjectMeta' } },
  Event: { metadata: { type: 'ObjectMeta' } },
  HorizontalPodAutoscaler: { metadata: { type: 'ObjectMeta' } },
};

const DELETE = Symbol('delete');
const DIRECTIVE = /^\$(patch|retainKeys|deleteFromPrimitiveList\/.+|setElementOrder\/.+)$/;

/** Drops directive keys left in a value that is replaced whole (the API server would not decode them). */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('$')).map(([k, x]) => [k, strip(x)]));
  return v;
}

/** Go's rendering of a map in apimachinery's error messages (`map[name:web]`). */
const goMap = (o: Obj): string => `map[${Object.keys(o).sort().map((k) => `${k}:${isObj(o[k]) ? goMap(o[k]) : Array.isArray(o[k]) ? `[${(o[k] as unknown[]).join(' ')}]` : String(o[k])}`).join(' ')}]`;

function mergeList(original: unknown[], patch: unknown[], meta: FieldMeta, field: string): unknown[] {
  if (patch.some((e) => isObj(e) && e.$patch === 'replace')) return strip(patch.filter((e) => !(isObj(e) && e.$patch === 'replace'))) as unknown[];
  if (!meta.key) {
    if (patch.some(isObj)) throw new PatchNotModelled(`kube-api-double: a merge list of objects without a merge key (${field}) is not modelled`);
    return [...original, ...patch.filter((p) => !original.includes(p))];
  }
  const key = meta.key;
  let out = original.map((o) => structuredClone(o));
  for (const e of patch) {
    if (!isObj(e)) throw new PatchError(500, 'InternalError', `Internal error occurred: expected a map in list ${field}, got ${JSON.stringify(e)}`);
    if (!(key in e)) throw new PatchError(500, 'InternalError', `Internal error occurred: map: ${goMap(e)} does not contain declared merge key: ${key}`);
    const i = out.findIndex((o) => isObj(o) && o[key] === e[key]);
    const merged = mergeMap(i >= 0 ? (out[i] as Obj) : {}, e, meta.type);
    if (merged === DELETE) out = out.filter((o) => !(isObj(o) && o[key] === e[key]));
    else if (i >= 0) out[i] = merged;
    else out.push(merged);
  }
  return out;
}

function mergeMap(original: Obj, patch: Obj, type: string | undefined): Obj | typeof DELETE {
  const directive = patch.$patch;
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') return strip(patch) as Obj;
  if (directive !== undefined && directive !== 'merge') throw new PatchNotModelled(`kube-api-double: $patch: ${String(directive)} is not modelled (the API server knows delete, replace and merge)`);
  let out: Obj = structuredClone(original);
  const fields = TYPES[type ?? ''] ?? {};
  if ('$retainKeys' in patch) {
    const keep = patch.$retainKeys;
    if (!Array.isArray(keep) || keep.some((k) => typeof k !== 'string')) throw new PatchError(400, 'BadRequest', 'invalid patch format of retainKeys');
    for (const k of Object.keys(patch)) if (!k.startsWith('$') && patch[k] !== null && !keep.includes(k)) throw new PatchError(422, 'Invalid', "patch content doesn't match retainKeys list");
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.includes(k)));
  }
  const orders: [string, unknown[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (!Array.isArray(v) || v.some(isObj)) throw new PatchError(400, 'BadRequest', 'invalid patch format of primitive list');
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !v.includes(x));
    } else if (k.startsWith('$setElementOrder/')) {
      if (!Array.isArray(v)) throw new PatchError(400, 'BadRequest', 'invalid patch format of setElementOrder list');
      orders.push([k.slice('$setElementOrder/'.length), v]);
    } else if (k.startsWith('$') && !DIRECTIVE.test(k)) {
      throw new PatchNotModelled(`kube-api-double: directive ${k} is not modelled`);
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    const meta = fields[k];
    if (v === null) delete out[k];
    else if (isObj(v)) {
      const merged = mergeMap(isObj(out[k]) ? out[k] : {}, v, meta?.type);
      if (merged === DELETE) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = meta?.strategy?.includes('merge') ? mergeList(Array.isArray(out[k]) ? out[k] : [], v, meta, k) : strip(v);
    } else out[k] = v;
  }
  for (const [field, order] of orders) {
    const list = out[field];
    if (!Array.isArray(list)) continue;
    const key = fields[field]?.key;
    const id = (e: unknown) => (key && isObj(e) ? e[key] : e);
    const wanted = order.map((o) => (isObj(o) && key ? o[key] : o));
    out[field] = [...list].sort((a, b) => {
      const ia = wanted.indexOf(id(a));
      const ib = wanted.indexOf(id(b));
      return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
    });
  }
  return out;
}

/**
 * Applies a strategic merge patch to an object of `kind`, as the API server does: lists with
 * a merge strategy merge by their key (containers, env and volumes by name, container ports by
 * containerPort, Service ports by port, ...), other lists are replaced, directives are honoured.
 */
export function strategicPatch(original: Obj, patch: unknown, kind: string): Obj {
  if (!isObj(patch)) throw new PatchError(400, 'BadRequest', `json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`);
  if (!TYPES[kind]) throw new PatchNotModelled(`kube-api-double: strategic merge patch metadata of ${kind} is not modelled`);
  const out = mergeMap(original, patch, kind);
  if (out === DELETE) throw new PatchError(400, 'BadRequest', 'a strategic merge patch cannot delete the whole object');
  return out;
}
