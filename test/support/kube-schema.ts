/**
 * What the Kubernetes API server does to the objects the double serves, beyond storing them:
 * the defaults it fills in (k8s.io/kubernetes pkg/apis/{core,apps}/v1/defaults.go) and the
 * validation it refuses with 422 Invalid (pkg/apis/*\/validation), for the fields the double
 * models. Values in messages are rendered as JSON where the API server prints Go values.
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One field error of a 422 Invalid Status (`details.causes`). */
export interface Cause {
  reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueDuplicate' | 'FieldValueNotSupported';
  field: string;
  message: string;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const render = (v: unknown) => JSON.stringify(v);
const invalid = (field: string, value: unknown, detail: string): Cause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${render(value)}: ${detail}` });
const required = (field: string, detail?: string): Cause => ({ reason: 'FieldValueRequired', field, message: `Required value${detail ? `: ${detail}` : ''}` });
const forbidden = (field: string, detail: string): Cause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
const duplicate = (field: string, value: unknown): Cause => ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${render(value)}` });
const unsupported = (field: string, value: unknown, supported: string[]): Cause => ({ reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${render(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}` });

// ---------------------------------------------------------------- defaults

function probeDefaults(p: Obj | undefined): void {
  if (!isObj(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (isObj(p.httpGet)) p.httpGet.scheme ??= 'HTTP';
}

function containerDefaults(c: Obj): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
    const tag = /:([^/:@]+)$/.exec(c.image.split('@')[0]!)?.[1];
    c.imagePullPolicy = c.image.includes('@') ? 'IfNotPresent' : !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  for (const p of c.ports ?? []) if (isObj(p)) p.protocol ??= 'TCP';
  probeDefaults(c.readinessProbe);
  probeDefaults(c.livenessProbe);
  probeDefaults(c.startupProbe);
  for (const h of [c.lifecycle?.preStop, c.lifecycle?.postStart]) if (isObj(h?.httpGet)) h.httpGet.scheme ??= 'HTTP';
}

/** SetDefaults_PodSpec and SetDefaults_Container for the fields modelled. */
function podSpecDefaults(spec: Obj | undefined): void {
  if (!isObj(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) if (isObj(c)) containerDefaults(c);
}

const templateDefaults = (spec: Obj | undefined) => podSpecDefaults(spec?.template?.spec);

/** The server defaults of each kind the double serves (Ingress, ConfigMap and read-only kinds have none modelled). */
const DEFAULTS: Record<string, (o: Obj) => void> = {
  Service: (o) => {
    const s = (o.spec ??= {});
    s.type ??= 'ClusterIP';
    s.sessionAffinity ??= 'None';
    if (s.sessionAffinity === 'ClientIP') {
      s.sessionAffinityConfig ??= {};
      s.sessionAffinityConfig.clientIP ??= {};
      s.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10_800;
    }
    if (s.type !== 'ExternalName') {
      s.internalTrafficPolicy ??= 'Cluster';
      s.ipFamilyPolicy ??= 'SingleStack';
      s.ipFamilies ??= ['IPv4'];
    }
    if (s.type === 'NodePort' || s.type === 'LoadBalancer') s.externalTrafficPolicy ??= 'Cluster';
    if (s.type === 'LoadBalancer') s.allocateLoadBalancerNodePorts ??= true;
    for (const p of s.ports ?? []) {
      if (!isObj(p)) continue;
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
  },
  Deployment: (o) => {
    const s = (o.spec ??= {});
    s.replicas ??= 1;
    s.strategy ??= {};
    s.strategy.type ??= 'RollingUpdate';
    if (s.strategy.type === 'RollingUpdate') {
      s.strategy.rollingUpdate ??= {};
      s.strategy.rollingUpdate.maxUnavailable ??= '25%';
      s.strategy.rollingUpdate.maxSurge ??= '25%';
    }
    s.revisionHistoryLimit ??= 10;
    s.progressDeadlineSeconds ??= 600;
    templateDefaults(s);
  },
  StatefulSet: (o) => {
    const s = (o.spec ??= {});
    s.replicas ??= 1;
    s.podManagementPolicy ??= 'OrderedReady';
    s.updateStrategy ??= {};
    s.updateStrategy.type ??= 'RollingUpdate';
    if (s.updateStrategy.type === 'RollingUpdate') {
      s.updateStrategy.rollingUpdate ??= {};
      s.updateStrategy.rollingUpdate.partition ??= 0;
    }
    s.revisionHistoryLimit ??= 10;
    s.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
    templateDefaults(s);
  },
  ReplicaSet: (o) => {
    const s = (o.spec ??= {});
    s.replicas ??= 1;
    templateDefaults(s);
  },
};

/** Fills in the API server's defaults, as it does on every create and update (and so on read). */
export function applyDefaults(o: Obj): void {
  DEFAULTS[o.kind]?.(o);
}

// ---------------------------------------------------------------- validation

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function metadata(o: Obj, nameRule: 'dns1035' | 'subdomain'): Cause[] {
  const out: Cause[] = [];
  const name = o.metadata?.name;
  if (!name) out.push(required('metadata.name', 'name or generateName is required'));
  else if (nameRule === 'dns1035' ? !DNS_1035.test(name) || name.length > 63 : !DNS_SUBDOMAIN.test(name) || name.length > 253) {
    out.push(invalid('metadata.name', name, nameRule === 'dns1035'
      ? "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
      : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
  }
  for (const [k, v] of Object.entries(o.metadata?.labels ?? {})) {
    if (typeof v === 'string' && (v.length > 63 || !LABEL_VALUE.test(v))) out.push(invalid(`metadata.labels`, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"));
    if (k.length === 0) out.push(invalid('metadata.labels', k, 'name part must be non-empty'));
  }
  return out;
}

const intOrPercent = /^\d+%$/;
function intOrString(field: string, v: unknown, maxPercent = false): Cause[] {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? [] : [invalid(field, v, 'must be greater than or equal to 0')];
  if (typeof v === 'string' && intOrPercent.test(v)) return maxPercent && parseInt(v, 10) > 100 ? [invalid(field, v, 'must not be greater than 100%')] : [];
  return [invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
}
const isZero = (v: unknown) => v === 0 || v === '0%';

function handler(field: string, h: Obj | undefined): Cause[] {
  if (!isObj(h)) return [];
  const kinds = ['exec', 'httpGet', 'tcpSocket', 'sleep', 'grpc'].filter((k) => h[k] !== undefined);
  if (kinds.length === 0) return [required(field, 'must specify a handler type')];
  if (kinds.length > 1) return [forbidden(`${field}.${kinds[1]}`, 'may not specify more than 1 handler type')];
  if (h.exec && (!Array.isArray(h.exec.command) || h.exec.command.length === 0)) return [required(`${field}.exec.command`)];
  return [];
}

function podTemplate(field: string, spec: Obj | undefined, restartPolicies: string[]): Cause[] {
  const out: Cause[] = [];
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return [required(`${field}.containers`)];
  const names = new Set<string>();
  containers.forEach((c: Obj, i: number) => {
    const at = `${field}.containers[${i}]`;
    if (!c?.name) out.push(required(`${at}.name`));
    else if (!DNS_LABEL.test(c.name)) out.push(invalid(`${at}.name`, c.name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
    else if (names.has(c.name)) out.push(duplicate(`${at}.name`, c.name));
    else names.add(c.name);
    if (!c?.image) out.push(required(`${at}.image`));
    out.push(...handler(`${at}.lifecycle.preStop`, c?.lifecycle?.preStop), ...handler(`${at}.lifecycle.postStart`, c?.lifecycle?.postStart));
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const p = c?.[probe];
      if (!isObj(p)) continue;
      out.push(...handler(`${at}.${probe}`, p));
      for (const k of ['periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold']) if (p[k] !== undefined && !(Number.isInteger(p[k]) && p[k] >= 1)) out.push(invalid(`${at}.${probe}.${k}`, p[k], 'must be greater than or equal to 1'));
      if (probe !== 'readinessProbe' && p.successThreshold !== undefined && p.successThreshold !== 1) out.push(invalid(`${at}.${probe}.successThreshold`, p.successThreshold, 'must be 1'));
    }
  });
  const grace = spec?.terminationGracePeriodSeconds;
  if (grace !== undefined && !(Number.isInteger(grace) && grace >= 0)) out.push(invalid(`${field}.terminationGracePeriodSeconds`, grace, 'must be greater than or equal to 0'));
  if (spec?.restartPolicy !== undefined && !restartPolicies.includes(spec.restartPolicy)) out.push(unsupported(`${field}.restartPolicy`, spec.restartPolicy, restartPolicies));
  return out;
}

function selectorMatches(field: string, o: Obj): Cause[] {
  const sel = o.spec?.selector;
  if (!isObj(sel) || (!sel.matchLabels && !sel.matchExpressions)) return [required('spec.selector')];
  if (sel.matchExpressions) throw new SchemaNotModelled('kube-api-double: matchExpressions selectors are not modelled');
  const labels = o.spec?.template?.metadata?.labels ?? {};
  const ok = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return ok ? [] : [invalid(field, labels, '`selector` does not match template `labels`')];
}

/** Thrown for a field the double cannot judge (answered 501, never guessed). */
export class SchemaNotModelled extends Error {
  override name = 'SchemaNotModelled';
}

const VALIDATE: Record<string, (o: Obj, old: Obj | undefined) => Cause[]> = {
  Service: (o, old) => {
    const s = o.spec ?? {};
    const out = metadata(o, 'dns1035');
    const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
    if (!types.includes(s.type)) out.push(unsupported('spec.type', s.type, types));
    if (!['None', 'ClientIP'].includes(s.sessionAffinity)) out.push(unsupported('spec.sessionAffinity', s.sessionAffinity, ['ClientIP', 'None']));
    if (s.sessionAffinity === 'None' && s.sessionAffinityConfig) out.push(invalid('spec.sessionAffinityConfig', s.sessionAffinityConfig, 'must not be set when `sessionAffinity` is None'));
    const t = s.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (s.sessionAffinity === 'ClientIP' && t !== undefined && !(Number.isInteger(t) && t > 0 && t <= 86_400)) out.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, 'must be greater than 0 and less than 86400'));
    if (s.externalTrafficPolicy !== undefined) {
      if (s.type !== 'NodePort' && s.type !== 'LoadBalancer') out.push(invalid('spec.externalTrafficPolicy', s.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
      else if (!['Cluster', 'Local'].includes(s.externalTrafficPolicy)) out.push(unsupported('spec.externalTrafficPolicy', s.externalTrafficPolicy, ['Cluster', 'Local']));
    }
    if (s.internalTrafficPolicy !== undefined && !['Cluster', 'Local'].includes(s.internalTrafficPolicy)) out.push(unsupported('spec.internalTrafficPolicy', s.internalTrafficPolicy, ['Cluster', 'Local']));
    const ports: Obj[] = s.ports ?? [];
    if (s.type !== 'ExternalName' && s.clusterIP !== 'None' && ports.length === 0) out.push(required('spec.ports'));
    const seen = new Set<string>();
    ports.forEach((p, i) => {
      const at = `spec.ports[${i}]`;
      if (ports.length > 1 && !p.name) out.push(required(`${at}.name`));
      if (!(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65_535)) out.push(invalid(`${at}.port`, p.port, 'must be between 1 and 65535, inclusive'));
      if (!['TCP', 'UDP', 'SCTP'].includes(p.protocol)) out.push(unsupported(`${at}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
      const id = `${p.port}/${p.protocol}`;
      if (seen.has(id)) out.push(duplicate(at, { port: p.port, protocol: p.protocol }));
      seen.add(id);
    });
    if (old?.spec?.clusterIP && s.clusterIP !== old.spec.clusterIP) out.push(invalid('spec.clusterIPs[0]', s.clusterIP ?? '', 'may not change once set'));
    return out;
  },
  Deployment: (o, old) => {
    const s = o.spec ?? {};
    const out = [...metadata(o, 'subdomain'), ...selectorMatches('spec.template.metadata.labels', o)];
    if (!(Number.isInteger(s.replicas) && s.replicas >= 0)) out.push(invalid('spec.replicas', s.replicas, 'must be greater than or equal to 0'));
    const st = s.strategy ?? {};
    if (!['Recreate', 'RollingUpdate'].includes(st.type)) out.push(unsupported('spec.strategy.type', st.type, ['Recreate', 'RollingUpdate']));
    if (st.type === 'Recreate' && st.rollingUpdate) out.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    if (st.type === 'RollingUpdate' && st.rollingUpdate) {
      const ru = st.rollingUpdate;
      out.push(...intOrString('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, true), ...intOrString('spec.strategy.rollingUpdate.maxSurge', ru.maxSurge));
      if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) out.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
    if (!(Number.isInteger(s.revisionHistoryLimit) && s.revisionHistoryLimit >= 0)) out.push(invalid('spec.revisionHistoryLimit', s.revisionHistoryLimit, 'must be greater than or equal to 0'));
    if (Number.isInteger(s.progressDeadlineSeconds) && s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) out.push(invalid('spec.progressDeadlineSeconds', s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    out.push(...podTemplate('spec.template.spec', s.template?.spec, ['Always']));
    if (old && JSON.stringify(old.spec?.selector) !== JSON.stringify(s.selector)) out.push(invalid('spec.selector', s.selector, 'field is immutable'));
    return out;
  },
  StatefulSet: (o, old) => {
    const s = o.spec ?? {};
    const out = [...metadata(o, 'subdomain'), ...selectorMatches('spec.template.metadata.labels', o)];
    if (!['OrderedReady', 'Parallel'].includes(s.podManagementPolicy)) out.push(unsupported('spec.podManagementPolicy', s.podManagementPolicy, ['OrderedReady', 'Parallel']));
    const us = s.updateStrategy ?? {};
    if (!['OnDelete', 'RollingUpdate'].includes(us.type)) out.push(unsupported('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']));
    if (us.type === 'OnDelete' && us.rollingUpdate) out.push(invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, 'only allowed for updateStrategy \'RollingUpdate\''));
    if (us.rollingUpdate?.maxUnavailable !== undefined) out.push(...intOrString('spec.updateStrategy.rollingUpdate.maxUnavailable', us.rollingUpdate.maxUnavailable, true));
    out.push(...podTemplate('spec.template.spec', s.template?.spec, ['Always']));
    if (old) {
      const mutable = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
      const frozen = (x: Obj) => JSON.stringify(Object.fromEntries(Object.entries(x ?? {}).filter(([k]) => !mutable.includes(k)).sort()));
      if (frozen(old.spec) !== frozen(s)) out.push(forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
    return out;
  },
  Ingress: (o) => {
    const out = metadata(o, 'subdomain');
    (o.spec?.rules ?? []).forEach((r: Obj, i: number) => {
      (r.http?.paths ?? []).forEach((p: Obj, j: number) => {
        const at = `spec.rules[${i}].http.paths[${j}]`;
        const kinds = ['Exact', 'Prefix', 'ImplementationSpecific'];
        if (p.pathType === undefined) out.push(required(`${at}.pathType`, 'pathType must be specified'));
        else if (!kinds.includes(p.pathType)) out.push(unsupported(`${at}.pathType`, p.pathType, kinds));
        if ((p.pathType === 'Exact' || p.pathType === 'Prefix') && !String(p.path ?? '').startsWith('/')) out.push(invalid(`${at}.path`, p.path, 'must be an absolute path'));
        const svc = p.backend?.service;
        if (!svc && !p.backend?.resource) out.push(invalid(`${at}.backend`, p.backend ?? {}, 'must specify one of: `resource` or `service`'));
        if (svc) {
          if (svc.port?.name !== undefined && svc.port?.number !== undefined) out.push(invalid(`${at}.backend.service.port`, svc.port, 'cannot set both port name & port number'));
          if (svc.port?.name === undefined && svc.port?.number === undefined) out.push(required(`${at}.backend.service.port`, 'port name or number is required'));
        }
      });
    });
    return out;
  },
  ConfigMap: (o) => metadata(o, 'subdomain'),
};

/** The field errors the API server would answer for `o` (created, or updated from `old`). */
export function validate(o: Obj, old?: Obj): Cause[] {
  const v = VALIDATE[o.kind];
  if (!v) throw new SchemaNotModelled(`kube-api-double: validation of ${o.kind} is not modelled`);
  return v(o, old);
}

/**
 * Checks the types the API server decodes into, for the fields whose wrong type Sticky could
 * send: annotations and labels are maps of strings, ConfigMap data holds strings. The API
 * server cannot decode such an object at all.
 */
export function decodeError(o: Obj): string | undefined {
  for (const f of ['annotations', 'labels']) {
    for (const [k, v] of Object.entries(o.metadata?.[f] ?? {})) {
      if (typeof v !== 'string') return `json: cannot unmarshal ${typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? 'array' : 'object'} into Go struct field ObjectMeta.metadata.${f} of type string (key ${k})`;
    }
  }
  if (o.kind === 'ConfigMap') for (const [k, v] of Object.entries(o.data ?? {})) if (typeof v !== 'string') return `json: cannot unmarshal ${typeof v} into Go struct field ConfigMap.data of type string (key ${k})`;
  return undefined;
}
