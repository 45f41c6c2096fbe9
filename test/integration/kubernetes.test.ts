import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { analyze } from '../../lib/checks/analyze.ts';
import { main, type Io } from '../../lib/cli/main.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { ServiceSchema } from '../../lib/evidence/service.ts';
import { collect } from '../../lib/providers/collect.ts';
import { applyPlan } from '../../lib/remediations/apply/engine.ts';
import { KubeApiDouble } from '../support/kube-api-double.ts';
import { FIXTURES } from '../support/bundles.ts';

jest.setTimeout(20_000);
const objectsOf = (fixture: string, file: string) => parseAllDocuments(readFileSync(join(FIXTURES, fixture, 'kubernetes', file), 'utf8')).map((d) => d.toJS()).filter(Boolean);
const service = ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], paths: ['/', '/cart'], sessionTimeoutSeconds: 3600, kubernetes: { namespace: 'shop' } });
const ANN = 'nginx.ingress.kubernetes.io/';

let api: KubeApiDouble;
let dir: string;
const saved = process.env.KUBECONFIG;
beforeEach(async () => {
  api = new KubeApiDouble();
  dir = mkdtempSync(join(tmpdir(), 'sticky-k8s-'));
  process.env.KUBECONFIG = await api.start(dir);
});
afterEach(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
  if (saved === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved;
});

const patches = () => api.requests.filter((r) => r.method === 'PATCH').map((r) => `${r.path} ${r.contentType}`);

describe('Kubernetes through the real client', () => {
  it('collects every Ingress of the host, the Service and the Deployment, and finds the unsticky path', async () => {
    // Prepare
    api.add(...objectsOf('k8s-split-ingresses', 'ingresses.yaml'));
    // Act
    const raw = await collect(service);
    const report = analyze(parseBundle(raw));
    // Assess
    expect([...raw.files.keys()].filter((f) => f.startsWith('kubernetes/')).sort()).toEqual(['kubernetes/ingresses.yaml', 'kubernetes/services.yaml', 'kubernetes/workloads.yaml']);
    expect(report.findings.map((f) => [f.id, f.evidence[0]])).toEqual([
      ['kubernetes.checkout-cart.ingress-affinity', 'kubernetes/ingresses.yaml:33: Ingress checkout-cart: no nginx.ingress.kubernetes.io/affinity'],
    ]);
  });

  it('dry-runs the proposed patch during the check and shows the server\'s answer, storing nothing', async () => {
    // Prepare
    api.add(...objectsOf('k8s-cookie-max-age-short', 'ingress.yaml'));
    const file = join(dir, 'catalog.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify([service]));
    let out = '';
    const io: Io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, env: {} };
    // Act
    const code = await main(['check', 'checkout', '--catalog', file, '--format', 'json'], io);
    // Assess
    expect(code).toBe(1);
    expect(JSON.parse(out).remediations.map((p: { id: string; validation: string }) => [p.id, p.validation])).toEqual([['kubernetes.checkout.set-ingress-annotations', 'dry run accepted by the API server']]);
    expect(patches()).toEqual(['/apis/networking.k8s.io/v1/namespaces/shop/ingresses/checkout?dryRun=All application/merge-patch+json']);
    expect(api.get('Ingress', 'shop', 'checkout')!.metadata.annotations[`${ANN}session-cookie-max-age`]).toBe('900');
  });

  it('applies an annotation fix: dry run, merge patch, verification', async () => {
    // Prepare
    api.add(...objectsOf('k8s-cookie-max-age-short', 'ingress.yaml'));
    const evidence = await collect(service);
    // Act
    const result = await applyPlan({ evidence, planId: 'kubernetes.checkout.set-ingress-annotations' });
    // Assess
    expect([result.status, result.steps]).toEqual(['verified', ['no drift; dry run accepted; merge-patched Ingress shop/checkout', 'verified: kubernetes.checkout.ingress-cookie-ttl gone']]);
    expect(patches()).toEqual([
      '/apis/networking.k8s.io/v1/namespaces/shop/ingresses/checkout?dryRun=All application/merge-patch+json',
      '/apis/networking.k8s.io/v1/namespaces/shop/ingresses/checkout application/merge-patch+json',
    ]);
    expect(api.get('Ingress', 'shop', 'checkout')!.metadata.annotations[`${ANN}session-cookie-max-age`]).toBe('7200');
  });

  it('drains rollouts with a strategic-merge patch and rolls back when verification fails', async () => {
    // Prepare
    api.add(...objectsOf('k8s-rolling-no-prestop', 'objects.yaml'));
    const evidence = await collect(service);
    const before = structuredClone(api.get('Deployment', 'shop', 'checkout'));
    const stale = analyze(parseBundle(evidence));
    // Act
    const result = await applyPlan({ evidence, planId: 'kubernetes.checkout.safe-rollout', verify: async () => stale });
    // Assess
    expect(result.status).toBe('rolled-back');
    expect(patches().map((p) => p.split(' ')[1])).toEqual(['application/strategic-merge-patch+json', 'application/strategic-merge-patch+json', 'application/strategic-merge-patch+json']);
    const after = api.get('Deployment', 'shop', 'checkout')!;
    expect(after.spec.template.spec.containers[0].lifecycle).toBeUndefined();
    expect(after.spec.strategy).toEqual(before!.spec.strategy);
  });

  it('refuses when the fields it changes drifted since collection', async () => {
    // Prepare
    api.add(...objectsOf('k8s-cookie-max-age-short', 'ingress.yaml'));
    const evidence = await collect(service);
    const live = api.get('Ingress', 'shop', 'checkout')!;
    live.metadata.annotations[`${ANN}session-cookie-max-age`] = '1800';
    // Act
    const result = await applyPlan({ evidence, planId: 'kubernetes.checkout.set-ingress-annotations' });
    // Assess
    expect(result).toMatchObject({ status: 'refused', reason: `drift: Ingress shop/checkout changed since the evidence was collected (metadata.annotations.${ANN}session-cookie-max-age is "1800", not "900"); collect again before applying` });
    expect(patches()).toEqual([]);
  });

  it('refuses when someone writes the object between its dry run and its patch (409)', async () => {
    // Prepare
    api.add(...objectsOf('k8s-cookie-max-age-short', 'ingress.yaml'));
    const evidence = await collect(service);
    api.afterDryRun = (key) => api.touch(key);
    // Act
    const result = await applyPlan({ evidence, planId: 'kubernetes.checkout.set-ingress-annotations' });
    // Assess
    expect(result.status).toBe('refused');
    expect(result.reason).toMatch(/^drift: Ingress shop\/checkout changed while applying: Operation cannot be fulfilled on ingresses "checkout": the object has been modified/);
    expect(api.get('Ingress', 'shop', 'checkout')!.metadata.annotations[`${ANN}session-cookie-max-age`]).toBe('900');
  });

  it('does not apply what the dry run rejects', async () => {
    // Prepare
    api.add(...objectsOf('k8s-cookie-max-age-short', 'ingress.yaml'));
    const evidence = await collect(service);
    api.deny.set('Ingress/shop/checkout', 'annotations on shop Ingresses are managed by Argo CD');
    // Act
    const result = await applyPlan({ evidence, planId: 'kubernetes.checkout.set-ingress-annotations' });
    // Assess
    expect(result).toMatchObject({ status: 'refused', reason: 'the API server rejected the dry run: 422 admission webhook "policy.example.com" denied the request: annotations on shop Ingresses are managed by Argo CD; nothing was written' });
    expect(patches()).toEqual(['/apis/networking.k8s.io/v1/namespaces/shop/ingresses/checkout?dryRun=All application/merge-patch+json']);
  });

  it('fails cleanly when RBAC forbids the patch', async () => {
    // Prepare
    api.add(...objectsOf('k8s-cookie-max-age-short', 'ingress.yaml'));
    api.rbac = { ingresses: ['get', 'list'], services: ['get', 'list'], deployments: ['get', 'list'], statefulsets: ['list'], replicasets: ['list'], endpointslices: ['list'], horizontalpodautoscalers: ['list'], events: ['list'], configmaps: [] };
    const evidence = await collect(service);
    // Act
    const result = await applyPlan({ evidence, planId: 'kubernetes.checkout.set-ingress-annotations' });
    // Assess
    expect(result).toMatchObject({ status: 'failed', reason: 'forbidden: ingresses is forbidden: User "system:serviceaccount:sticky:sticky" cannot patch resource "ingresses" in the namespace "shop"' });
    expect(api.get('Ingress', 'shop', 'checkout')!.metadata.annotations[`${ANN}session-cookie-max-age`]).toBe('900');
  });

  it('reports a silent API server as not checked', async () => {
    // Prepare
    api.add(...objectsOf('k8s-no-affinity', 'objects.yaml'));
    api.hang = ['/apis/networking.k8s.io'];
    // Act
    const report = analyze(parseBundle(await collect(service, { timeoutMs: 300 })));
    // Assess
    expect(report.notCheckedReasons.kubernetes).toBe('collecting kubernetes timed out after 300 ms');
  });

  it('the API double rejects a JSON-patch content type with an object body, as a real server does', async () => {
    // Prepare
    api.add(...objectsOf('k8s-cookie-max-age-short', 'ingress.yaml'));
    // Act
    const res = await fetch(`${api.url}/apis/networking.k8s.io/v1/namespaces/shop/ingresses/checkout`, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: JSON.stringify({ metadata: { annotations: {} } }) });
    // Assess
    expect(res.status).toBe(415);
  });

  it('patches an object a hand-written bundle gives without a namespace in the catalog\'s namespace', async () => {
    // Prepare
    api.add(...objectsOf('k8s-cookie-max-age-short', 'ingress.yaml'));
    const text = readFileSync(join(FIXTURES, 'k8s-cookie-max-age-short', 'kubernetes', 'ingress.yaml'), 'utf8').replace(/^\s*namespace: shop\n/gm, '');
    const evidence = { files: new Map([['service.yaml', `${JSON.stringify(service)}\n`], ['kubernetes/ingress.yaml', text]]) };
    // Act
    const result = await applyPlan({ evidence, planId: 'kubernetes.checkout.set-ingress-annotations' });
    // Assess
    expect(text).not.toContain('namespace:');
    expect([result.status, result.steps[0]]).toEqual(['verified', 'no drift; dry run accepted; merge-patched Ingress shop/checkout']);
    expect(api.get('Ingress', 'shop', 'checkout')!.metadata.annotations[`${ANN}session-cookie-max-age`]).toBe('7200');
  });

  it('collects IngressClasses and the Services of ALB forward actions, and patches the ALB annotation', async () => {
    // Prepare
    const alb = parseAllDocuments(readFileSync(join(FIXTURES, 'k8s-alb-weighted-no-group-stickiness', 'kubernetes', 'objects.yaml'), 'utf8')).map((d) => d.toJS());
    api.add(...alb, { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'alb' }, spec: { controller: 'ingress.k8s.aws/alb' } });
    const raw = await collect(service);
    // Act
    const result = await applyPlan({ evidence: raw, planId: 'kubernetes.checkout.set-alb-annotations' });
    // Assess
    expect(raw.files.get('kubernetes/ingressclasses.yaml')).toContain('controller: ingress.k8s.aws/alb');
    expect(parseAllDocuments(raw.files.get('kubernetes/services.yaml')!)[0]!.toJS().items.map((s: { metadata: { name: string } }) => s.metadata.name).sort()).toEqual(['checkout', 'checkout-canary']);
    expect([result.status, result.steps.at(-1)]).toEqual(['verified', 'verified: kubernetes.checkout.split.alb-group-stickiness gone']);
    expect(JSON.parse(api.get('Ingress', 'shop', 'checkout')!.metadata.annotations['alb.ingress.kubernetes.io/actions.split']).forwardConfig.targetGroupStickinessConfig).toEqual({ enabled: true, durationSeconds: 7200 });
  });
});
