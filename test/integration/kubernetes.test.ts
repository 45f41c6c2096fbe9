import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { parseAllDocuments } from 'yaml';
import { analyze } from '../../lib/checks/analyze.ts';
import { main, type Io } from '../../lib/cli/main.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { ServiceSchema } from '../../lib/evidence/service.ts';
import { collect } from '../../lib/providers/collect.ts';
import { applyPlan } from '../../lib/remediations/apply/engine.ts';
import { kubeconfigDouble, type KubeApiDouble } from '../support/kube-api-double.ts';
import { FIXTURES } from '../support/bundles.ts';

jest.setTimeout(20_000);
const objectsOf = (fixture: string, file: string) => parseAllDocuments(readFileSync(join(FIXTURES, fixture, 'kubernetes', file), 'utf8')).map((d) => d.toJS()).filter(Boolean);
const service = ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], paths: ['/', '/cart'], sessionTimeoutSeconds: 3600, kubernetes: { namespace: 'shop' } });
const ANN = 'nginx.ingress.kubernetes.io/';

let cluster: Awaited<ReturnType<typeof kubeconfigDouble>>;
let api: KubeApiDouble;
let dir: string;
beforeEach(async () => {
  cluster = await kubeconfigDouble();
  ({ api, dir } = cluster);
});
afterEach(() => cluster.close());

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
      ['kubernetes.checkout-cart.ingress-affinity', 'kubernetes/ingresses.yaml:34: Ingress checkout-cart: no nginx.ingress.kubernetes.io/affinity'],
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

  it('rolls a Recreate Deployment back to Recreate, dropping the rollingUpdate the fix added (the API server forbids both)', async () => {
    // Prepare
    const objects = objectsOf('k8s-rolling-no-prestop', 'objects.yaml');
    const deployment = objects.find((o) => o.kind === 'Deployment');
    deployment.spec.strategy = { type: 'Recreate' };
    api.add(...objects);
    const evidence = await collect(service);
    const stale = analyze(parseBundle(evidence));
    // Act
    const result = await applyPlan({ evidence, planId: 'kubernetes.checkout.safe-rollout', verify: async () => stale });
    // Assess
    expect([result.status, result.reason]).toEqual(['rolled-back', 'verification failed: kubernetes.checkout.rollout still present']);
    const after = api.get('Deployment', 'shop', 'checkout')!;
    expect(after.spec.strategy).toEqual({ type: 'Recreate' });
    expect(after.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(after.spec.template.spec.containers.map((c: { lifecycle?: unknown }) => c.lifecycle)).toEqual([undefined]);
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
    expect(result.reason).toBe('drift: Ingress shop/checkout changed while applying: Operation cannot be fulfilled on ingresses.networking.k8s.io "checkout": the object has been modified; please apply your changes to the latest version and try again');
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
    expect(result).toMatchObject({ status: 'refused', reason: 'the API server rejected the dry run: 403 admission webhook "policy.example.com" denied the request: annotations on shop Ingresses are managed by Argo CD; nothing was written' });
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
    expect(result).toMatchObject({ status: 'failed', reason: 'forbidden: ingresses.networking.k8s.io "checkout" is forbidden: User "system:serviceaccount:sticky:sticky" cannot patch resource "ingresses" in API group "networking.k8s.io" in the namespace "shop"' });
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
});

describe('reaching the cluster', () => {
  const kubeconfig = (current: string) => JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': current,
    clusters: [{ name: 'nowhere', cluster: { server: 'http://127.0.0.1:1', 'insecure-skip-tls-verify': true } }, { name: 'test', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'sticky', user: { token: api.token } }],
    contexts: [{ name: 'staging', context: { cluster: 'nowhere', user: 'sticky' } }, { name: 'prod', context: { cluster: 'test', user: 'sticky', namespace: 'shop' } }],
  });

  it('switches to the context the catalog names, and says so when the kubeconfig has none by that name', async () => {
    // Prepare
    api.add(...objectsOf('k8s-cookie-max-age-short', 'ingress.yaml'));
    writeFileSync(process.env.KUBECONFIG!, kubeconfig('staging'));
    const at = (context: string) => ServiceSchema.parse({ ...service, kubernetes: { namespace: 'shop', context } });
    // Act
    const prod = analyze(parseBundle(await collect(at('prod'), { layers: ['kubernetes'] })));
    const typo = analyze(parseBundle(await collect(at('prd'), { layers: ['kubernetes'] })));
    // Assess
    expect(prod.notCheckedReasons.kubernetes).toBeUndefined();
    expect([prod.checked, prod.findings.map((f) => f.id)]).toEqual([['kubernetes'], ['kubernetes.checkout.ingress-cookie-ttl']]);
    expect(typo.notCheckedReasons.kubernetes).toBe('no context "prd" in the kubeconfig');
  });

  it('reaches an EKS cluster from its DescribeCluster endpoint with a token of the role Sticky runs as', async () => {
    // Prepare
    await cluster.close();
    cluster = await kubeconfigDouble({ tls: true });
    ({ api, dir } = cluster);
    api.add(...objectsOf('k8s-cookie-max-age-short', 'ingress.yaml'));
    const env = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
    const eks = mockClient(EKSClient);
    eks.on(DescribeClusterCommand, { name: 'shop-prod' }).resolves({ cluster: { name: 'shop-prod', endpoint: api.url, certificateAuthority: { data: api.caData } } });
    const seen: string[] = [];
    api.acceptToken = (token) => {
      const url = new URL(Buffer.from(token.replace(/^k8s-aws-v1\./, ''), 'base64url').toString('utf8'));
      seen.push(`${url.host} ${url.searchParams.get('Action')} ${url.searchParams.get('X-Amz-SignedHeaders')}`);
      return token.startsWith('k8s-aws-v1.') && url.host === 'sts.eu-west-1.amazonaws.com' && /(^|;)x-k8s-aws-id(;|$)/.test(url.searchParams.get('X-Amz-SignedHeaders') ?? '');
    };
    const onEks = ServiceSchema.parse({ ...service, kubernetes: { namespace: 'shop', eks: { cluster: 'shop-prod', region: 'eu-west-1' } } });
    // Act
    const report = analyze(parseBundle(await collect(onEks, { layers: ['kubernetes'] })));
    eks.restore();
    process.env = env;
    // Assess
    expect(report.findings.map((f) => f.id)).toEqual(['kubernetes.checkout.ingress-cookie-ttl']);
    expect(new Set(seen)).toEqual(new Set(['sts.eu-west-1.amazonaws.com GetCallerIdentity host;x-k8s-aws-id']));
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
