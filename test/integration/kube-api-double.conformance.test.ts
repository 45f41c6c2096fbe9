/**
 * What the Kubernetes API double (test/support/kube-api-double.ts) promises, each case from the
 * Kubernetes API conventions and the API server's behaviour, through the real
 * @kubernetes/client-node over HTTP on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { KubeApiDouble } from '../support/kube-api-double.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let api: KubeApiDouble;
let dir: string;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let networking: k8s.NetworkingV1Api;
beforeEach(async () => {
  api = new KubeApiDouble();
  dir = mkdtempSync(join(tmpdir(), 'sticky-kube-double-'));
  kc = new k8s.KubeConfig();
  kc.loadFromFile(await api.start(dir));
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  networking = kc.makeApiClient(k8s.NetworkingV1Api);
});
afterEach(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

const service = (name: string, namespace = 'shop', spec: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec } });
const deployment = (name: string, spec: Obj = {}): Obj => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'shop', labels: { app: name } },
  spec: {
    replicas: 2, selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'registry.example.com/web:1.0', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 8080 }] }, { name: 'sidecar', image: 'envoy:1.30' }] } },
    ...spec,
  },
});
const configMap = (name: string, data: Record<string, string> = { k: 'v' }, labels: Record<string, string> = {}): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop', labels }, data });
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
const mergeType = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const jsonType = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);

/** The Status a failed client call carries, with its HTTP code. */
async function failure(p: Promise<unknown>): Promise<{ code: number; status: Obj }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: number; body?: string };
    return { code: err.code ?? 0, status: typeof err.body === 'string' ? JSON.parse(err.body) : {} };
  }
  throw new Error('expected the call to fail');
}

/** A raw request with the kubeconfig's token, for what the typed client cannot send. */
const raw = (path: string, init: RequestInit = {}) => fetch(`${api.url}${path}`, { ...init, headers: { authorization: `Bearer ${api.token}`, ...(init.headers ?? {}) } });

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('paths and namespaces', () => {
  it('lists a namespace exactly: shop does not see shopfront; the cluster-wide path sees both', async () => {
    // Prepare
    api.add(service('checkout'), service('web', 'shopfront'));
    // Act
    const shop = await core.listNamespacedService({ namespace: 'shop' });
    const all = await core.listServiceForAllNamespaces();
    // Assess
    expect(shop.items.map((s) => s.metadata!.name)).toEqual(['checkout']);
    expect(all.items.map((s) => `${s.metadata!.namespace}/${s.metadata!.name}`)).toEqual(['shop/checkout', 'shopfront/web']);
  });

  it('answers 404 NotFound with a Status naming the resource and group', async () => {
    // Act
    const e = await failure(apps.readNamespacedDeployment({ name: 'gone', namespace: 'shop' }));
    // Assess
    expect(e).toEqual({ code: 404, status: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'deployments.apps "gone" not found', reason: 'NotFound', details: { name: 'gone', group: 'apps', kind: 'deployments' }, code: 404 } });
  });

  it('needs the kubeconfig\'s token (401), and refuses resources, subresources and paths it does not model (501)', async () => {
    // Act
    const anonymous = await fetch(`${api.url}/api/v1/namespaces/shop/services`);
    const pods = await raw('/api/v1/namespaces/shop/pods');
    const scale = await raw('/apis/apps/v1/namespaces/shop/deployments/checkout/scale');
    const oldGroup = await raw('/apis/extensions/v1beta1/namespaces/shop/deployments');
    // Assess
    expect([anonymous.status, (await anonymous.json() as Obj).reason]).toEqual([401, 'Unauthorized']);
    expect([pods.status, scale.status, oldGroup.status]).toEqual([501, 501, 404]);
    expect(api.refused).toEqual(['the resource pods', 'the scale subresource']);
  });
});

describe('server defaults', () => {
  it('fills in a Service\'s defaults and allocates its ClusterIP on create', async () => {
    // Act
    const created = await core.createNamespacedService({ namespace: 'shop', body: service('checkout') as k8s.V1Service });
    const sticky = await core.createNamespacedService({ namespace: 'shop', body: service('cart', 'shop', { sessionAffinity: 'ClientIP', type: 'LoadBalancer' }) as k8s.V1Service });
    // Assess
    expect(created.spec).toEqual({
      selector: { app: 'checkout' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], type: 'ClusterIP', sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'], clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'],
    });
    expect([sticky.spec!.sessionAffinityConfig, sticky.spec!.externalTrafficPolicy, sticky.spec!.allocateLoadBalancerNodePorts, typeof sticky.spec!.ports![0]!.nodePort]).toEqual([{ clientIP: { timeoutSeconds: 10800 } }, 'Cluster', true, 'number']);
  });

  it('fills in a Deployment\'s defaults and its pod template\'s, and returns them on read', async () => {
    // Prepare
    api.add(deployment('checkout'));
    // Act
    const d = await apps.readNamespacedDeployment({ name: 'checkout', namespace: 'shop' });
    // Assess
    expect([d.spec!.strategy, d.spec!.revisionHistoryLimit, d.spec!.progressDeadlineSeconds, d.metadata!.generation]).toEqual([{ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, 10, 600, 1]);
    const pod = d.spec!.template.spec!;
    expect([pod.terminationGracePeriodSeconds, pod.restartPolicy, pod.dnsPolicy, pod.schedulerName]).toEqual([30, 'Always', 'ClusterFirst', 'default-scheduler']);
    expect(pod.containers.map((c) => [c.name, c.imagePullPolicy, c.terminationMessagePath, c.ports?.[0]?.protocol])).toEqual([['web', 'IfNotPresent', '/dev/termination-log', 'TCP'], ['sidecar', 'IfNotPresent', '/dev/termination-log', undefined]]);
  });
});

describe('strategic merge patch', () => {
  beforeEach(() => api.add(deployment('checkout'), service('checkout', 'shop', { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 9000 }] })));
  const containers = async () => (await apps.readNamespacedDeployment({ name: 'checkout', namespace: 'shop' })).spec!.template.spec!.containers;

  it('merges containers and their env by name, keeping the others', async () => {
    // Act
    await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } } } } }, strategic);
    // Assess
    expect((await containers()).map((c) => [c.name, c.image, (c.env ?? []).map((e) => `${e.name}=${e.value}`)])).toEqual([
      ['web', 'registry.example.com/web:1.0', ['A=1', 'B=3', 'C=4']], ['sidecar', 'envoy:1.30', []],
    ]);
  });

  it('merges a Service\'s ports by port, not by name', async () => {
    // Act
    await core.patchNamespacedService({ name: 'checkout', namespace: 'shop', body: { spec: { ports: [{ port: 80, targetPort: 8081 }, { name: 'https', port: 443, targetPort: 8443 }] } } }, strategic);
    const svc = await core.readNamespacedService({ name: 'checkout', namespace: 'shop' });
    // Assess
    expect(svc.spec!.ports!.map((p) => [p.name, p.port, p.targetPort])).toEqual([['http', 80, 8081], ['admin', 9000, 9000], ['https', 443, 8443]]);
  });

  it('deletes a list element with $patch: delete and replaces a list with $patch: replace', async () => {
    // Act
    await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } } }, strategic);
    const afterDelete = (await containers()).map((c) => c.name);
    await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'Z', value: '9' }, { $patch: 'replace' }] }] } } } } }, strategic);
    // Assess
    expect(afterDelete).toEqual(['web']);
    expect((await containers())[0]!.env).toEqual([{ name: 'Z', value: '9' }]);
    expect(JSON.stringify(api.get('Deployment', 'shop', 'checkout'))).not.toContain('$patch');
  });

  it('clears the keys $retainKeys does not list (a Deployment strategy switched to Recreate)', async () => {
    // Act
    await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } } }, strategic);
    // Assess
    expect((await apps.readNamespacedDeployment({ name: 'checkout', namespace: 'shop' })).spec!.strategy).toEqual({ type: 'Recreate' });
  });

  it('replaces lists without a merge key, and a JSON merge patch replaces every list', async () => {
    // Act
    await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { spec: { template: { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } } } } }, strategic);
    await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } } }, strategic);
    await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { spec: { template: { spec: { containers: [{ name: 'only', image: 'x:1' }] } } } } }, mergeType);
    const d = await apps.readNamespacedDeployment({ name: 'checkout', namespace: 'shop' });
    // Assess
    expect(d.spec!.template.spec!.tolerations).toEqual([{ key: 'b', operator: 'Exists' }]);
    expect(d.spec!.template.spec!.containers.map((c) => c.name)).toEqual(['only']);
  });

  it('fails a list element without its merge key as the API server does (500)', async () => {
    // Act
    const e = await failure(apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { spec: { template: { spec: { containers: [{ image: 'x:2' }] } } } } }, strategic));
    // Assess
    expect([e.code, e.status.reason, e.status.message]).toEqual([500, 'InternalError', 'Internal error occurred: map: map[image:x:2] does not contain declared merge key: name']);
  });
});

describe('JSON patch and content types', () => {
  beforeEach(() => api.add(configMap('settings', { a: '1' })));

  it('applies RFC 6902 operations, answers 422 when one does not apply and 400 for an object body', async () => {
    // Act
    const ok = await core.patchNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: [{ op: 'add', path: '/data/b', value: '2' }, { op: 'test', path: '/data/a', value: '1' }, { op: 'remove', path: '/data/a' }] }, jsonType);
    const missing = await failure(core.patchNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: [{ op: 'replace', path: '/data/zzz', value: 'x' }] }, jsonType));
    const object = await failure(core.patchNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: { data: { c: '3' } } }, jsonType));
    // Assess
    expect(ok.data).toEqual({ b: '2' });
    expect([missing.code, missing.status.details.causes[0].message]).toEqual([422, 'replace operation does not apply: doc is missing key: /data/zzz']);
    expect([object.code, object.status.message]).toEqual([400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch']);
  });

  it('answers 415 for a content type that is not a patch type, and refuses server-side apply', async () => {
    // Act
    const plain = await raw('/api/v1/namespaces/shop/configmaps/settings', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"data":{}}' });
    const apply = await raw('/api/v1/namespaces/shop/configmaps/settings', { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: '{}' });
    // Assess
    expect([plain.status, (await plain.json() as Obj).message]).toEqual([415, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json']);
    expect(apply.status).toBe(501);
  });
});

describe('writes, resourceVersion and generation', () => {
  it('replaces an object with PUT, and answers 409 Conflict for a stale resourceVersion', async () => {
    // Prepare
    api.add(configMap('settings', { a: '1', b: '2' }));
    const read = await core.readNamespacedConfigMap({ name: 'settings', namespace: 'shop' });
    // Act
    const replaced = await core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: { ...read, data: { c: '3' } } });
    const stale = await failure(core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: { ...read, data: { d: '4' } } }));
    const renamed = await failure(core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: { ...replaced, metadata: { ...replaced.metadata, name: 'other' } } }));
    // Assess
    expect(replaced.data).toEqual({ c: '3' });
    expect(Number(replaced.metadata!.resourceVersion)).toBeGreaterThan(Number(read.metadata!.resourceVersion));
    expect([stale.code, stale.status.reason, stale.status.message]).toEqual([409, 'Conflict', 'Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again']);
    expect([renamed.code, renamed.status.message]).toEqual([400, 'the name of the object (other) does not match the name on the URL (settings)']);
  });

  it('conflicts on a patch that carries an old resourceVersion, and does not bump it for a patch that changes nothing', async () => {
    // Prepare
    api.add(deployment('checkout'));
    const rv = api.get('Deployment', 'shop', 'checkout')!.metadata.resourceVersion;
    // Act
    const same = await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { spec: { replicas: 2 } } }, mergeType);
    const labels = await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { metadata: { labels: { tier: 'web' } } } }, mergeType);
    const scaled = await apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { metadata: { resourceVersion: labels.metadata!.resourceVersion }, spec: { replicas: 3 } } }, mergeType);
    const stale = await failure(apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { metadata: { resourceVersion: rv }, spec: { replicas: 4 } } }, mergeType));
    // Assess
    expect(same.metadata!.resourceVersion).toBe(rv);
    expect([labels.metadata!.generation, scaled.metadata!.generation]).toEqual([1, 2]);
    expect([stale.code, stale.status.reason]).toEqual([409, 'Conflict']);
  });

  it('creates with 201, refuses a second create with 409 AlreadyExists, and a namespace other than the path\'s with 400', async () => {
    // Act
    const created = await core.createNamespacedConfigMap({ namespace: 'shop', body: configMap('settings') as k8s.V1ConfigMap });
    const again = await failure(core.createNamespacedConfigMap({ namespace: 'shop', body: configMap('settings') as k8s.V1ConfigMap }));
    const elsewhere = await failure(core.createNamespacedConfigMap({ namespace: 'shop', body: { ...configMap('x'), metadata: { name: 'x', namespace: 'shopfront' } } as k8s.V1ConfigMap }));
    // Assess
    expect(created.metadata!.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect([again.code, again.status.reason, again.status.message]).toEqual([409, 'AlreadyExists', 'configmaps "settings" already exists']);
    expect([elsewhere.code, elsewhere.status.message]).toEqual([400, 'the namespace of the provided object does not match the namespace sent on the request']);
  });

  it('deletes for real, honours delete preconditions, and marks an object with finalizers as deleting', async () => {
    // Prepare
    api.add(configMap('a'), configMap('b'), { ...configMap('held'), metadata: { name: 'held', namespace: 'shop', finalizers: ['example.com/keep'] } });
    // Act
    const deleted = await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'shop' });
    const gone = await failure(core.readNamespacedConfigMap({ name: 'a', namespace: 'shop' }));
    const stale = await failure(core.deleteNamespacedConfigMap({ name: 'b', namespace: 'shop', body: { preconditions: { resourceVersion: '1' } } }));
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'shop' });
    // Assess
    expect([(deleted as Obj).status, (deleted as Obj).details.name]).toEqual(['Success', 'a']);
    expect(gone.code).toBe(404);
    expect([stale.code, stale.status.message]).toEqual([409, `Operation cannot be fulfilled on configmaps "b": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${api.get('ConfigMap', 'shop', 'b')!.metadata.resourceVersion}`]);
    expect(typeof api.get('ConfigMap', 'shop', 'held')!.metadata.deletionTimestamp).toBe('string');
  });

  it('runs a dry run through validation and admission but stores nothing, and rejects dryRun values other than All (422)', async () => {
    // Prepare
    api.add(configMap('settings'));
    const before = structuredClone(api.get('ConfigMap', 'shop', 'settings'));
    // Act
    const dry = await core.patchNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: { data: { k: 'changed' } }, dryRun: 'All' }, mergeType);
    const bad = await raw('/api/v1/namespaces/shop/configmaps/settings?dryRun=yes', { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: '{"data":{"k":"x"}}' });
    const deletedDry = await core.deleteNamespacedConfigMap({ name: 'settings', namespace: 'shop', dryRun: 'All' });
    // Assess
    expect(dry.data).toEqual({ k: 'changed' });
    expect([bad.status, (await bad.json() as Obj).message]).toEqual([422, 'PatchOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["yes"]: supported values: "All"']);
    expect((deletedDry as Obj).status).toBe('Success');
    expect(api.get('ConfigMap', 'shop', 'settings')).toEqual(before);
  });
});

describe('validation (422 Invalid)', () => {
  beforeEach(() => api.add(service('checkout', 'shop', { sessionAffinity: 'ClientIP' }), deployment('checkout')));

  it.each([
    ['a ClientIP timeout of 0', 'Service', { spec: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } } }, 'Service "checkout" is invalid: spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400'],
    ['externalTrafficPolicy on a ClusterIP Service', 'Service', { spec: { externalTrafficPolicy: 'Local' } }, 'Service "checkout" is invalid: spec.externalTrafficPolicy: Invalid value: "Local": may only be set when `type` is \'NodePort\' or \'LoadBalancer\''],
    ['maxUnavailable and maxSurge both 0', 'Deployment', { spec: { strategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } } }, 'Deployment.apps "checkout" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
    ['Recreate with a rollingUpdate', 'Deployment', { spec: { strategy: { type: 'Recreate' } } }, 'Deployment.apps "checkout" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is \'Recreate\''],
    ['a changed selector', 'Deployment', { spec: { selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'other' } } } } }, 'Deployment.apps "checkout" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"other"}}: field is immutable'],
  ])('rejects %s with its field and the API server\'s message', async (_what, kind, body, message) => {
    // Act
    const e = await failure(kind === 'Service'
      ? core.patchNamespacedService({ name: 'checkout', namespace: 'shop', body }, mergeType)
      : apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body }, mergeType));
    // Assess
    expect([e.code, e.status.reason, e.status.message]).toEqual([422, 'Invalid', message]);
    expect(e.status.details.causes).toHaveLength(1);
  });

  it('cannot decode an annotation that is not a string', async () => {
    // Act
    const e = await failure(core.patchNamespacedService({ name: 'checkout', namespace: 'shop', body: { metadata: { annotations: { weight: 3 } } } }, mergeType));
    // Assess
    expect([e.code, e.status.reason]).toEqual([422, 'Invalid']);
    expect(e.status.message).toMatch(/^ "" is invalid: patch: Invalid value: ".*": json: cannot unmarshal number into Go struct field ObjectMeta.metadata.annotations of type string \(key weight\)$/);
  });
});

describe('lists: selectors and pagination', () => {
  beforeEach(() => api.add(configMap('a', {}, { tier: 'web', env: 'prod' }), configMap('b', {}, { tier: 'db' }), configMap('c', {}, { tier: 'web' }), configMap('d'), configMap('e', {}, { tier: 'cache', env: 'dev' })));
  const names = (l: { items: { metadata?: { name?: string } }[] }) => l.items.map((i) => i.metadata!.name);

  it('filters by label selector (=, !=, in, notin, exists, !exists) and by metadata.name', async () => {
    // Act
    const got = await Promise.all(['tier=web', 'tier!=web', 'tier in (db,cache)', 'tier notin (web)', 'env', '!tier'].map((labelSelector) => core.listNamespacedConfigMap({ namespace: 'shop', labelSelector })));
    const byName = await core.listNamespacedConfigMap({ namespace: 'shop', fieldSelector: 'metadata.name=c' });
    const bad = await failure(core.listNamespacedConfigMap({ namespace: 'shop', labelSelector: 'tier in web' }));
    const badField = await failure(core.listNamespacedConfigMap({ namespace: 'shop', fieldSelector: 'spec.x=1' }));
    // Assess
    expect(got.map(names)).toEqual([['a', 'c'], ['b', 'd', 'e'], ['b', 'e'], ['b', 'd', 'e'], ['a', 'e'], ['d']]);
    expect(names(byName)).toEqual(['c']);
    expect([bad.code, badField.code, badField.status.message]).toEqual([400, 400, 'field label not supported: spec.x']);
  });

  it('pages with limit and continue over a consistent snapshot, with remainingItemCount', async () => {
    // Act
    const first = await core.listNamespacedConfigMap({ namespace: 'shop', limit: 2 });
    api.add(configMap('aa'));
    const second = await core.listNamespacedConfigMap({ namespace: 'shop', limit: 2, _continue: first.metadata!._continue });
    const third = await core.listNamespacedConfigMap({ namespace: 'shop', limit: 2, _continue: second.metadata!._continue });
    // Assess
    expect([names(first), first.metadata!.remainingItemCount, names(second), names(third), third.metadata!._continue]).toEqual([['a', 'b'], 3, ['c', 'd'], ['e'], undefined]);
    expect(second.metadata!.resourceVersion).toBe(first.metadata!.resourceVersion);
  });

  it('answers 410 Expired for a continue token older than the compacted history', async () => {
    // Prepare
    const first = await core.listNamespacedConfigMap({ namespace: 'shop', limit: 2 });
    api.compact();
    // Act
    const e = await failure(core.listNamespacedConfigMap({ namespace: 'shop', limit: 2, _continue: first.metadata!._continue }));
    // Assess
    expect([e.code, e.status.reason]).toEqual([410, 'Expired']);
  });
});

describe('watch', () => {
  it('streams the current objects as ADDED, then MODIFIED and DELETED, for its namespace only', async () => {
    // Prepare
    api.add(configMap('settings'), { ...configMap('other'), metadata: { name: 'other', namespace: 'shopfront' } });
    const events: string[] = [];
    // Act
    const ctrl = await new k8s.Watch(kc).watch('/api/v1/namespaces/shop/configmaps', {}, (type, obj) => events.push(`${type} ${obj.metadata.name}`), () => {});
    await until(() => events.length >= 1);
    await core.patchNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: { data: { k: 'v2' } } }, mergeType);
    await core.createNamespacedConfigMap({ namespace: 'shop', body: configMap('new') as k8s.V1ConfigMap });
    await core.deleteNamespacedConfigMap({ name: 'settings', namespace: 'shop' });
    await until(() => events.length >= 4);
    ctrl.abort();
    // Assess
    expect(events).toEqual(['ADDED settings', 'MODIFIED settings', 'ADDED new', 'DELETED settings']);
  });

  it('replays the changes after a resourceVersion, and sends a 410 ERROR event for one older than the history', async () => {
    // Prepare
    api.add(configMap('settings'));
    const rv = api.get('ConfigMap', 'shop', 'settings')!.metadata.resourceVersion;
    await core.patchNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: { data: { k: 'v2' } } }, mergeType);
    const replayed: string[] = [];
    const expired: Obj[] = [];
    // Act
    const a = await new k8s.Watch(kc).watch('/api/v1/namespaces/shop/configmaps', { resourceVersion: rv }, (type, obj) => replayed.push(`${type} ${obj.data.k}`), () => {});
    await until(() => replayed.length >= 1);
    a.abort();
    api.compact();
    await new k8s.Watch(kc).watch('/api/v1/namespaces/shop/configmaps', { resourceVersion: rv }, (type, obj) => expired.push({ type, code: obj.code, reason: obj.reason }), () => {});
    await until(() => expired.length >= 1);
    // Assess
    expect(replayed).toEqual(['MODIFIED v2']);
    expect(expired).toEqual([{ type: 'ERROR', code: 410, reason: 'Expired' }]);
  });

  it('refuses the watch parameters it does not model', async () => {
    // Act
    const r = await raw('/api/v1/namespaces/shop/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan');
    // Assess
    expect(r.status).toBe(501);
  });
});

describe('RBAC, admission and faults', () => {
  beforeEach(() => api.add(configMap('settings'), deployment('checkout')));

  it('answers 403 with the API server\'s message for a verb outside the granted RBAC', async () => {
    // Prepare
    api.rbac = { configmaps: ['get'] };
    // Act
    const list = await failure(core.listConfigMapForAllNamespaces());
    const patch = await failure(apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: {} }, mergeType));
    // Assess
    expect([list.code, list.status.message]).toEqual([403, 'configmaps is forbidden: User "system:serviceaccount:sticky:sticky" cannot list resource "configmaps" in API group "" at the cluster scope']);
    expect([patch.code, patch.status.message, patch.status.details]).toEqual([403, 'deployments.apps "checkout" is forbidden: User "system:serviceaccount:sticky:sticky" cannot patch resource "deployments" in API group "apps" in the namespace "shop"', { name: 'checkout', group: 'apps', kind: 'deployments' }]);
  });

  it('denies through an admission webhook with 403 by default, dry runs included', async () => {
    // Prepare
    api.deny.set('ConfigMap/shop/settings', 'settings are managed by Argo CD');
    // Act
    const e = await failure(core.patchNamespacedConfigMap({ name: 'settings', namespace: 'shop', body: { data: { k: 'x' } }, dryRun: 'All' }, mergeType));
    // Assess
    expect([e.code, e.status.message]).toEqual([403, 'admission webhook "policy.example.com" denied the request: settings are managed by Argo CD']);
  });

  it('injects a 409, a 500, a 403, a 429 and a 504 for the verb and resource asked, once each', async () => {
    // Prepare
    api.fault('conflict', { verb: 'patch', resource: 'deployments' });
    api.fault('internal', { verb: 'list', resource: 'configmaps' });
    api.fault('forbidden', { verb: 'get', name: 'settings' });
    api.fault('throttle', { verb: 'get', resource: 'deployments' });
    api.fault('timeout', { verb: 'list', resource: 'deployments' });
    // Act
    const codes = [
      (await failure(apps.patchNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: { spec: { replicas: 3 } } }, mergeType))).status,
      (await failure(core.listNamespacedConfigMap({ namespace: 'shop' }))).status,
      (await failure(core.readNamespacedConfigMap({ name: 'settings', namespace: 'shop' }))).status,
      (await failure(apps.readNamespacedDeployment({ name: 'checkout', namespace: 'shop' }))).status,
      (await failure(apps.listNamespacedDeployment({ namespace: 'shop' }))).status,
    ].map((s) => [s.code, s.reason]);
    const after = await apps.readNamespacedDeployment({ name: 'checkout', namespace: 'shop' });
    // Assess
    expect(codes).toEqual([[409, 'Conflict'], [500, 'InternalError'], [403, 'Forbidden'], [429, 'TooManyRequests'], [504, 'Timeout']]);
    expect(after.spec!.replicas).toBe(2);
  });

  it('hangs the requests asked, always, until the faults are cleared', async () => {
    // Prepare
    api.fault('hang', { verb: 'get', resource: 'configmaps' }, 'always');
    // Act
    const first = await raw('/api/v1/namespaces/shop/configmaps/settings', { signal: AbortSignal.timeout(100) }).then(() => 'answered', () => 'no answer');
    const second = await raw('/api/v1/namespaces/shop/configmaps/settings', { signal: AbortSignal.timeout(100) }).then(() => 'answered', () => 'no answer');
    api.clearFaults();
    const third = await raw('/api/v1/namespaces/shop/configmaps/settings');
    // Assess
    expect([first, second, third.status]).toEqual(['no answer', 'no answer', 200]);
  });
});
