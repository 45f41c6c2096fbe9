import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { analyze, type Report } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { parseService, type Service } from '../../lib/evidence/service.ts';
import { collect } from '../../lib/providers/collect.ts';
import { applyPlan } from '../../lib/remediations/apply/engine.ts';
import { albControllerDouble } from '../support/alb-controller-double.ts';
import { fakeAws, modelFromBundle, virtualClock } from '../support/aws-fake.ts';
import { FIXTURES, analyzeFixture, fixtureNames } from '../support/bundles.ts';
import { KubeApiDouble } from '../support/kube-api-double.ts';

/**
 * Every offered fix works: each fixture whose Kubernetes objects or AWS outputs can be served by
 * the doubles is loaded into them (the Kubernetes API double over HTTP for the real client, the
 * AWS fake at the SDK), collected live, and every non-advice Kubernetes and AWS plan is applied
 * through the real apply engine (drift check, dry run, patch or Modify call, verification by a
 * fresh collection) and must end `verified`. Controller-owned target groups get a stand-in for
 * the AWS Load Balancer Controller that applies the annotation to the ALB, as the real one does.
 */
jest.setTimeout(60_000);

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const SERVED = new Set(['Ingress', 'Service', 'Event', 'ConfigMap', 'Deployment', 'StatefulSet', 'ReplicaSet', 'EndpointSlice', 'HorizontalPodAutoscaler', 'IngressClass']);
const appliable = (r: Report) => r.remediations.filter((p) => !p.advice && (p.layer === 'kubernetes' || p.layer === 'aws')).map((p) => p.id).sort();

function kubeObjects(name: string): Obj[] {
  const dir = join(FIXTURES, name, 'kubernetes');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Obj).filter(Boolean).flatMap((o) => (o.kind === 'List' ? o.items : [o])),
  ).filter((o: Obj) => SERVED.has(o.kind));
}

const collectedAt = (name: string) => {
  const meta = join(FIXTURES, name, 'meta.json');
  return new Date(existsSync(meta) ? (JSON.parse(readFileSync(meta, 'utf8')) as { collectedAt?: string }).collectedAt ?? '2026-11-25T10:00:00Z' : '2026-11-25T10:00:00Z');
};

/**
 * Where the catalog would point the live check: the namespace, and, for a Service reached
 * without an Ingress, that Service and its workload by name (the collector finds the rest).
 */
function kubernetesLocation(objects: Obj[]): NonNullable<Service['kubernetes']> {
  const namespace = objects.find((o) => o.metadata?.namespace)?.metadata.namespace ?? 'default';
  if (objects.some((o) => o.kind === 'Ingress')) return { namespace };
  const svc = objects.find((o) => o.kind === 'Service');
  const deploy = objects.find((o) => o.kind === 'Deployment');
  return { namespace, ...(svc ? { service: svc.metadata.name } : {}), ...(deploy ? { deployment: deploy.metadata.name } : {}) };
}

/** Fixtures the doubles can serve: Kubernetes objects, or AWS target groups. */
const candidates = fixtureNames().filter((n) => kubeObjects(n).length > 0 || existsSync(join(FIXTURES, n, 'aws', 'describe-target-groups.json')));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Loads a fixture into fresh doubles and returns the service as the live check sees it. */
async function live(name: string, o: { controller?: boolean } = {}): Promise<{ service: Service; stop: () => Promise<void>; opts: { now: () => Date; clock: ReturnType<typeof virtualClock> } }> {
  const objects = kubeObjects(name);
  const model = modelFromBundle(join(FIXTURES, name));
  const now = collectedAt(name);
  const clock = virtualClock();
  const base = parseService(readFileSync(join(FIXTURES, name, 'service.yaml'), 'utf8'));
  const { haproxy: _h, nginx: _n, probe: _p, aws: _a, kubernetes: _k, ...rest } = base;
  const service: Service = {
    ...rest,
    ...(objects.length ? { kubernetes: kubernetesLocation(objects) } : {}),
    ...(model.targetGroups.length ? { aws: { region: 'eu-west-1', targetGroupArns: model.targetGroups.map((t) => t.TargetGroupArn as string), metricsMinutes: 60 } } : {}),
  };
  const fake = model.targetGroups.length ? fakeAws(model, clock) : undefined;
  let api: KubeApiDouble | undefined;
  const saved = process.env.KUBECONFIG;
  if (objects.length) {
    api = new KubeApiDouble();
    api.add(...objects);
    const dir = mkdtempSync(join(tmpdir(), 'sticky-apply-'));
    dirs.push(dir);
    process.env.KUBECONFIG = await api.start(dir);
    if (fake && o.controller !== false) albControllerDouble(api, model);
  }
  return {
    service, opts: { now: () => now, clock },
    stop: async () => {
      fake?.restore();
      await api?.stop();
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    },
  };
}

const withPlans: string[] = [];
for (const name of candidates) if (appliable(await analyzeFixture(name)).length > 0) withPlans.push(name);

describe('every Kubernetes and AWS fix the fixtures offer, applied to the doubles', () => {
  it('covers the ALB controller, ingress-nginx, Service, rollout and ELB fixes', () => {
    // Assess
    expect(withPlans.length).toBeGreaterThanOrEqual(35);
    expect(withPlans).toEqual(expect.arrayContaining(['aws-k8s-controller-owned', 'aws-stickiness-disabled', 'aws-weighted-no-group-stickiness', 'k8s-alb-weighted-no-group-stickiness', 'k8s-hash-remote-addr', 'k8s-rolling-no-prestop']));
  });

  it.each(withPlans)('%s: the live collection offers the fixture\'s fixes, and each one verifies', async (name) => {
    // Prepare
    const expected = appliable(await analyzeFixture(name));
    const first = await live(name);
    let offered: string[];
    try {
      offered = appliable(analyze(parseBundle(await collect(first.service, first.opts))));
    } finally {
      await first.stop();
    }
    // Act
    const results: [string, string, string | undefined][] = [];
    for (const planId of expected) {
      const l = await live(name);
      try {
        const evidence = await collect(l.service, l.opts);
        const r = await applyPlan({ evidence, planId, collect: l.opts, now: l.opts.now, sleep: async () => {} });
        results.push([planId, r.status, r.status === 'verified' ? undefined : `${r.reason} (${r.steps.join('; ')})`]);
      } finally {
        await l.stop();
      }
    }
    // Assess
    expect(offered).toEqual(expected);
    expect(results).toEqual(expected.map((id) => [id, 'verified', undefined]));
  });

  it('waits for the AWS Load Balancer Controller, and rolls the annotation back when it never applies it', async () => {
    // Prepare
    const l = await live('aws-k8s-controller-owned', { controller: false });
    const waits: number[] = [];
    try {
      const evidence = await collect(l.service, l.opts);
      // Act
      const r = await applyPlan({ evidence, planId: 'kubernetes.checkout.set-alb-annotations', collect: l.opts, now: l.opts.now, sleep: async (ms) => void waits.push(ms) });
      // Assess
      expect([r.status, r.remaining]).toEqual(['rolled-back', ['elbv2.k8s-shop-checkout-5d2e7a1b04.stickiness-disabled']]);
      expect(r.steps).toEqual([
        'no drift; dry run accepted; merge-patched Ingress shop/checkout',
        'waited 30 s for the AWS Load Balancer Controller to apply the change',
        'verification failed: elbv2.k8s-shop-checkout-5d2e7a1b04.stickiness-disabled still present',
        'rolled back to the state before the change',
      ]);
      expect(waits).toEqual(Array(6).fill(5_000));
    } finally {
      await l.stop();
    }
  });
});
