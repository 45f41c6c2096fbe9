import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { WebClient } from '@slack/web-api';
import { parseAllDocuments, stringify } from 'yaml';
import { findService, loadCatalog } from '../../lib/catalog/catalog.ts';
import { parseService, type Service } from '../../lib/evidence/service.ts';
import { localStore, Store, type Approval } from '../../lib/store/store.ts';
import { decide } from '../../lib/workflow/approvals.ts';
import { LocalEngine } from '../../lib/workflow/engine-local.ts';
import { STEPS } from '../../lib/workflow/steps.ts';
import { sweep } from '../../lib/workflow/sweeper.ts';
import { startLab, type Lab } from '../../infra/lab/lab.ts';
import { fakeAws, modelFromBundle } from '../support/aws-fake.ts';
import { FIXTURES } from '../support/bundles.ts';
import { KubeApiDouble, type FaultMatch, type KubeFault } from '../support/kube-api-double.ts';
import { SlackApiDouble, type SlackFault } from '../support/slack-api-double.ts';

/**
 * The fault matrix: each dependency Sticky talks to (Slack, the table, Step Functions, ELB and
 * CloudWatch, the Kubernetes API, HAProxy) failing at each step of a triage (check, report,
 * approve, apply, verify, rollback), through the real runbook (the ASL definition run by the
 * local engine with its Retry and Catch), the real store on dynalite, the Slack API double,
 * the AWS fake, the Kubernetes API double and real HAProxy. Each row asserts where the approval
 * ends (one of verified, rolled back, refused, rejected, expired, failed), the reason it records,
 * and that the live system is what that state says. No row may leave an approval open or a
 * change unverified.
 */
jest.setTimeout(120_000);
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const slack = new SlackApiDouble();
const tmp = mkdtempSync(join(tmpdir(), 'sticky-faults-'));
let real: { store: Store; stop: () => Promise<void> };
let cleanup: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  await slack.start();
  real = await localStore();
});
afterAll(async () => {
  await slack.stop();
  await real.stop();
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
  slack.reset();
  jest.restoreAllMocks();
});

/** A store on the same table whose calls fail as `rule` says (the table unavailable at one point). */
function faultyStore(rule: { when: (name: string, input: Obj) => boolean; error: string; times: number }): Store {
  let left = rule.times;
  const db = real.store.db;
  const proxy = {
    send: (cmd: { constructor: { name: string }; input: Obj }) => {
      if (left > 0 && rule.when(cmd.constructor.name, cmd.input)) {
        left--;
        return Promise.reject(Object.assign(new Error('Internal server error (injected)'), { name: rule.error, $metadata: { httpStatusCode: 500 }, $fault: 'server' }));
      }
      return db.send(cmd as never);
    },
  };
  return new Store(proxy as unknown as DynamoDBClient, real.store.table);
}

interface Setup {
  service: Service;
  store?: Store;
}

/** Writes a one-service catalog and builds the engine and the decision path around it. */
function runtimeFor(s: Setup) {
  const file = join(tmp, `catalog-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify([{ ...s.service, approvers: ['U2', 'U3'], slackChannel: 'C1' }]));
  const catalog = () => loadCatalog(file);
  const web = new WebClient('xoxb-test', { slackApiUrl: slack.url, timeout: 2000, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  const store = s.store ?? real.store;
  const now = () => new Date();
  const engine = new LocalEngine({ store, slack: web as never, catalog, now }, { approvalTimeoutMs: 60_000, retryDelayMs: 100 });
  const decideAs = (approvalId: string, user: string, decision: 'approve' | 'reject' = 'approve') =>
    decide({ store, engine, service: async (n) => findService(await catalog(), n), members: async () => [], now }, { approvalId, user, decision, channel: 'C1' });
  const sweepNow = (opts = {}) => sweep({ store, slack: web as never, catalog, now, engine }, { resumeAfterMs: 0, stuckAfterMs: 0, expiredGraceMs: 0, ...opts });
  return { engine, store, decideAs, sweepNow, catalog };
}

/** Runs a triage to its report and returns the approval of `planId` (or none when the report never came). */
async function triage(rt: ReturnType<typeof runtimeFor>, service: string, planId?: string): Promise<{ execution: string; approval?: Approval }> {
  const execution = await rt.engine.start({ service, trigger: 'slash-command', channel: 'C1', requester: 'U1' });
  const end = Date.now() + 30_000;
  for (;;) {
    const pending = rt.engine.pending().length > 0;
    const settled = await Promise.race([rt.engine.settled(execution).then(() => true), new Promise((r) => setTimeout(() => r(false), 25))]);
    if (pending || settled) break;
    if (Date.now() > end) throw new Error('the triage neither reported nor ended');
  }
  if (!planId) return { execution };
  const ids = (await real.store.recentTriages(Date.now() - 60_000)).filter((t) => t.service === service).map((t) => t.approvals?.[planId]).filter(Boolean);
  const approval = ids[0] ? await real.store.getApproval(ids[0]) : undefined;
  return { execution, ...(approval ? { approval } : {}) };
}

const final = async (id: string) => (await real.store.getApproval(id))!;
const threadTexts = () => slack.posted().filter((p) => p.args.thread_ts).map((p) => p.args.text as string);

// ---------------------------------------------------------------- the set-ups

/** An ALB target group with stickiness off (the AWS fake); the fix turns it on. */
function awsSetup(name: string): { service: Service; fake: ReturnType<typeof fakeAws>; model: ReturnType<typeof modelFromBundle> } {
  const model = modelFromBundle(join(FIXTURES, 'aws-stickiness-disabled'));
  const fake = fakeAws(model);
  cleanup.push(() => fake.restore());
  const service = parseService(stringify({ name, hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, aws: { region: 'eu-west-1', targetGroupArns: model.targetGroups.map((t) => t.TargetGroupArn) } }));
  return { service, fake, model };
}

/** An ingress-nginx Ingress without affinity (the Kubernetes API double); the fix annotates it. */
async function kubeSetup(name: string): Promise<{ service: Service; api: KubeApiDouble }> {
  const objects = parseAllDocuments(readFileSync(join(FIXTURES, 'k8s-no-affinity', 'kubernetes', 'objects.yaml'), 'utf8')).map((d) => d.toJS() as Obj).flatMap((o) => (o.kind === 'List' ? o.items : [o]))
    .filter((o: Obj) => ['Ingress', 'Service', 'Deployment', 'ReplicaSet', 'EndpointSlice', 'ConfigMap', 'HorizontalPodAutoscaler'].includes(o.kind));
  const api = new KubeApiDouble();
  api.add(...objects);
  const dir = mkdtempSync(join(tmp, 'kube-'));
  const saved = process.env.KUBECONFIG;
  process.env.KUBECONFIG = await api.start(dir);
  cleanup.push(async () => {
    await api.stop();
    if (saved === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved;
  });
  const namespace = objects.find((o: Obj) => o.metadata?.namespace)?.metadata.namespace ?? 'default';
  return { service: parseService(stringify({ name, hosts: ['shop.example.com'], paths: ['/', '/cart'], sessionTimeoutSeconds: 3600, kubernetes: { namespace } })), api };
}

/** Real HAProxy whose cookie expires after 10 minutes idle; the fix raises it to 2 h. */
async function haproxySetup(name: string): Promise<{ service: Service; lab: Lab; config: string }> {
  const lab = await startLab('haproxy-cookie-ttl');
  cleanup.push(() => lab.stop());
  const { probe: _p, ...rest } = lab.service;
  return { service: { ...rest, name }, lab, config: lab.service.haproxy![0]!.config };
}

const AWS_PLAN = 'elbv2.checkout-tg.enable-stickiness';
const KUBE_PLAN = 'kubernetes.checkout.set-ingress-annotations';
const HAPROXY_PLAN = 'haproxy.edge1.app.raise-cookie-lifetime';
const stickiness = (model: ReturnType<typeof modelFromBundle>) => [...model.attributes.values()][0]!.find((a) => a.Key === 'stickiness.enabled')!.Value;

describe('the fault matrix: every dependency failing at every step ends in one recorded state', () => {
  it('any step · the execution dies with a change in flight: the sweeper closes it as failed, says what may be live, and offers Roll back', async () => {
    // Prepare
    const { service, model } = awsSetup('m-died');
    const rt = runtimeFor({ service });
    const { execution, approval } = await triage(rt, service.name, AWS_PLAN);
    let die: (e: Error) => void = () => {};
    jest.spyOn(STEPS, 'verify').mockImplementation(() => new Promise((_, reject) => (die = reject)));
    await rt.decideAs(approval!.id, 'U2');
    for (let i = 0; i < 200 && (await final(approval!.id)).status !== 'verifying'; i++) await new Promise((r) => setTimeout(r, 25));
    // Act
    const swept = await rt.sweepNow();
    // Assess
    expect(swept.closed).toEqual([{ id: approval!.id, status: 'failed', outcome: expect.stringMatching(/^stuck while verifying for 0 min; the change may be live: check it by hand or press Roll back$/) }]);
    expect(stickiness(model)).toBe('true');
    expect(threadTexts().at(-1)).toMatch(/^:x: approved by <@U2> at \d\d:\d\d UTC: stuck while verifying/);
    expect(JSON.stringify(slack.of('chat.update').at(-1)!.blocks)).toContain(`"action_id":"rollback:elbv2.enable-stickiness"`);
    die(new Error('Lambda.Unknown: the function stopped'));
    await rt.engine.settled(execution);
    expect((await final(approval!.id)).status).toBe('failed');
  });

  it('check · Step Functions throttles the start of an alarm triage: the alarm is counted, the sweeper starts the triage', async () => {
    // Prepare
    const { service } = awsSetup('m-alarm-start');
    const rt = runtimeFor({ service });
    const { onAlarm, AlarmMessageSchema } = await import('../../lib/workflow/alarm.ts');
    const start = jest.spyOn(rt.engine, 'start').mockRejectedValueOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const alarm = AlarmMessageSchema.parse({
      AlarmName: 'm-alarm-start-unhealthy', NewStateValue: 'ALARM', StateChangeTime: new Date().toISOString(),
      Trigger: { Dimensions: [{ name: 'TargetGroup', value: service.aws!.targetGroupArns![0]!.split(':').pop()! }] },
    });
    const runtime = { store: real.store, engine: rt.engine, catalog: rt.catalog, service: async (n: string) => findService(await rt.catalog(), n), slack: new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true }) as never, now: () => new Date(), alarmChannel: 'C1', dedupeWindowMs: 60_000 };
    // Act
    const first = await onAlarm(runtime, alarm);
    const swept = await rt.sweepNow();
    // Assess
    expect(first).toBe('started');
    expect(swept.started).toHaveLength(1);
    expect(start).toHaveBeenCalledTimes(2);
    expect(start.mock.calls[1]![0]).toMatchObject({ service: 'm-alarm-start', trigger: 'alarm', channel: 'C1', triageId: swept.started[0], threadTs: expect.any(String) });
    for (let i = 0; i < 400 && rt.engine.pending().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    for (const token of rt.engine.pending()) await rt.engine.sendTaskFailure(token, 'States.Timeout', 'test over');
    await rt.engine.settled(await start.mock.results[1]!.value as string);
  });

  it('check · ELB throttled on every call: the report says AWS was not checked, no fix is offered', async () => {
    // Prepare
    const { service, fake } = awsSetup('m-elb-throttled');
    fake.fault('DescribeTargetGroups', 'throttle', 'always');
    const rt = runtimeFor({ service });
    // Act
    const { execution } = await triage(rt, service.name);
    await rt.engine.settled(execution);
    // Assess
    const report = slack.posted().find((p) => p.args.blocks)!;
    expect(report.args.blocks[0].text.text).toBe(':warning: m-elb-throttled: nothing could be checked (not checked: aws)');
    expect(JSON.stringify(report.args.blocks[1])).toContain('not checked: aws (elasticloadbalancing:DescribeTargetGroups failed: Throttling (Rate exceeded))');
    expect(await real.store.open('APPROVAL')).toEqual(expect.not.arrayContaining([expect.stringMatching(/./)]));
  });

  it('check · CloudWatch denied: AWS is still checked, the note says why the metrics are missing, the fix still verifies', async () => {
    // Prepare
    const { service, fake, model } = awsSetup('m-cw-denied');
    fake.fault('GetMetricData', 'denied', 'always');
    const rt = runtimeFor({ service });
    const { execution, approval } = await triage(rt, service.name, AWS_PLAN);
    // Act
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    // Assess
    expect((await final(approval!.id)).status).toBe('verified');
    expect(stickiness(model)).toBe('true');
  });

  it.each([
    ['check · the table unavailable twice while the evidence is stored: retried, then the whole loop completes', 'm-store-analyze',
      (n: string, i: Obj) => n === 'PutItemCommand' && String(i.Item?.sk?.S ?? '').startsWith('FILE#'), 2],
    ['apply · the table fails on the write that records the change as applied: verification still runs and the fix verifies', 'm-store-after-write',
      (n: string, i: Obj) => n === 'UpdateItemCommand' && String(i.ExpressionAttributeValues?.[':b']?.S ?? '').includes('"outcome":"applied; verifying"'), 1],
  ] as const)('%s', async (_title, name, when, times) => {
    // Prepare
    const { service, model } = awsSetup(name);
    const store = faultyStore({ when, error: 'InternalServerError', times });
    const rt = runtimeFor({ service, store });
    const { execution, approval } = await triage(rt, service.name, AWS_PLAN);
    // Act
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    // Assess
    expect((await final(approval!.id)).status).toBe('verified');
    expect(stickiness(model)).toBe('true');
  });

  it('report · Slack answers 429 twice: the report is retried and posted once', async () => {
    // Prepare
    const { service } = awsSetup('m-slack-429');
    slack.failNext('chat.postMessage', 429, 2);
    const rt = runtimeFor({ service });
    // Act
    const { execution, approval } = await triage(rt, service.name, AWS_PLAN);
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    // Assess
    expect(slack.posted().filter((p) => p.args.blocks)).toHaveLength(1);
    expect((await final(approval!.id)).status).toBe('verified');
  });

  it('report · Slack down (500 on every post): the triage fails, and the sweeper closes its fix as expired, nothing changed', async () => {
    // Prepare
    const { service, model } = awsSetup('m-slack-down');
    slack.failNext('chat.postMessage', 500, 100);
    const rt = runtimeFor({ service });
    // Act
    const { execution } = await triage(rt, service.name);
    const result = await rt.engine.settled(execution);
    const t = (await real.store.recentTriages(Date.now() - 60_000)).find((x) => x.service === service.name)!;
    await real.store.modify(t.approvals![AWS_PLAN]!, (a) => ({ ...a, expiresAt: Date.now() - 1 }));
    slack.reset();
    await rt.sweepNow();
    // Assess
    expect(String(result)).toBe('ExecutionError: Execution has failed with the following error: The triage could not run to its report; the reason was posted to its channel.');
    expect((await real.store.auditTrail(t.id)).map((a) => a.event)).toContain('triage-failed');
    expect(await final(t.approvals![AWS_PLAN]!)).toMatchObject({ status: 'expired', outcome: 'expired without a decision (closed by the sweeper: the triage had stopped waiting)' });
    expect(stickiness(model)).toBe('false');
  });

  it('approve · Step Functions throttles the resume: the decision is kept, the sweeper re-drives it, the fix verifies', async () => {
    // Prepare
    const { service, model } = awsSetup('m-sfn-throttled');
    const rt = runtimeFor({ service });
    const { execution, approval } = await triage(rt, service.name, AWS_PLAN);
    const send = jest.spyOn(rt.engine, 'sendTaskSuccess').mockRejectedValueOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // Act
    const decided = await rt.decideAs(approval!.id, 'U2');
    const waiting = await final(approval!.id);
    const swept = await rt.sweepNow();
    await rt.engine.settled(execution);
    // Assess
    expect(decided).toMatchObject({ ok: true, resumed: 'delayed' });
    expect([waiting.status, waiting.resumeError]).toEqual(['approved', 'ThrottlingException: Rate exceeded']);
    expect(swept.resumed).toEqual([approval!.id]);
    expect(send).toHaveBeenCalledTimes(2);
    expect((await final(approval!.id)).status).toBe('verified');
    expect(stickiness(model)).toBe('true');
  });

  it('approve · approve and reject race: exactly one decision wins, and the live state matches it', async () => {
    // Prepare
    const { service, model } = awsSetup('m-race');
    const rt = runtimeFor({ service });
    const { execution, approval } = await triage(rt, service.name, AWS_PLAN);
    // Act
    const [a, r] = await Promise.all([rt.decideAs(approval!.id, 'U2', 'approve'), rt.decideAs(approval!.id, 'U3', 'reject')]);
    await rt.engine.settled(execution);
    // Assess
    const end = await final(approval!.id);
    expect([a.ok, r.ok].filter(Boolean)).toHaveLength(1);
    expect(end.status).toBe(a.ok ? 'verified' : 'rejected');
    expect(stickiness(model)).toBe(a.ok ? 'true' : 'false');
  });

  it.each([
    ['denied', 1, 'failed', 'missing permission elasticloadbalancing:ModifyTargetGroupAttributes; nothing was changed', 'false'],
    ['throttle', 2, 'verified', 'verified: elbv2.checkout-tg.stickiness-disabled gone', 'true'],
    ['internal', 1, 'rolled-back', 'verification failed (elbv2.checkout-tg.stickiness-disabled still present); rolled back to the state before the change', 'false'],
  ] as const)('apply · ModifyTargetGroupAttributes %s ×%i: ends %s', async (fault, times, status, outcome, live) => {
    // Prepare
    const { service, fake, model } = awsSetup(`m-modify-${fault}`);
    const rt = runtimeFor({ service });
    const { execution, approval } = await triage(rt, service.name, AWS_PLAN);
    fake.fault('ModifyTargetGroupAttributes', fault, times);
    // Act
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    // Assess
    expect(await final(approval!.id)).toMatchObject({ status, outcome });
    expect(stickiness(model)).toBe(live);
    expect(threadTexts().at(-1)).toMatch(new RegExp(`\\(${AWS_PLAN.replaceAll('.', '\\.')}\\)$`));
  });

  it('apply · Slack 500 on every update right after the write: verification still runs, the sweeper publishes the result', async () => {
    // Prepare
    const { service, model } = awsSetup('m-update-500');
    const rt = runtimeFor({ service });
    const { execution, approval } = await triage(rt, service.name, AWS_PLAN);
    slack.failNext('chat.update', 500, 2);
    // Act
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    const before = (await real.store.getTriage(approval!.triageId))!;
    const updates = slack.of('chat.update').length;
    const swept = await rt.sweepNow();
    // Assess
    expect(swept.errors).toEqual([]);
    expect((await final(approval!.id)).status).toBe('verified');
    expect(stickiness(model)).toBe('true');
    expect(before.publishPending).toBe(true);
    expect(swept.notices).toContain(approval!.triageId);
    expect(slack.calls.filter((c) => c.method === 'chat.update').map((c) => c.status).slice(0, 2)).toEqual([500, 500]);
    expect(slack.of('chat.update').length).toBe(updates + 1);
    expect(JSON.stringify(slack.of('chat.update').at(-1)!.blocks)).toContain(':white_check_mark: approved by <@U2>');
  });

  it('verify · ELB throttled on every read after the write: verification cannot complete, the change is rolled back', async () => {
    // Prepare
    const { service, fake, model } = awsSetup('m-verify-blind');
    const rt = runtimeFor({ service });
    const { execution, approval } = await triage(rt, service.name, AWS_PLAN);
    const original = STEPS.verify;
    jest.spyOn(STEPS, 'verify').mockImplementation(async (deps, input) => {
      fake.fault('DescribeTargetHealth', 'throttle', 'always');
      return original(deps, input);
    });
    // Act
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    // Assess
    expect(await final(approval!.id)).toMatchObject({ status: 'rolled-back', outcome: expect.stringMatching(/^verification could not complete \(Error: verification could not check aws again \(elbv2\.checkout-tg\.stickiness-disabled\)\); rolled back to the state before the change$/) });
    expect(stickiness(model)).toBe('false');
  });

  it.each([
    ['conflict', 'refused', { verb: 'patch' }, /^drift: Ingress .* changed while applying/, 'absent'],
    ['internal', 'rolled-back', { verb: 'patch' }, /^verification failed \(kubernetes\.checkout\.ingress-affinity still present\); rolled back to the state before the change$/, 'absent'],
  ] as const)('apply · the Kubernetes API answers %s on the patch: ends %s', async (fault, status, match, outcome, annotation) => {
    // Prepare
    const { service, api } = await kubeSetup(`m-kube-${fault}`);
    const rt = runtimeFor({ service });
    const { execution, approval } = await triage(rt, service.name, KUBE_PLAN);
    api.afterDryRun = () => {
      api.afterDryRun = undefined;
      api.fault(fault as KubeFault, { ...match, resource: 'ingresses' } as FaultMatch, 1);
    };
    // Act
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    // Assess
    expect(await final(approval!.id)).toMatchObject({ status, outcome: expect.stringMatching(outcome) });
    const ingress = [...api.objects.values()].find((o: Obj) => o.kind === 'Ingress')!;
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/affinity'] ? 'present' : 'absent').toBe(annotation);
  });

  it('verify · the Kubernetes API times out after the patch: verification cannot complete, the annotation is rolled back', async () => {
    // Prepare
    const { service, api } = await kubeSetup('m-kube-timeout');
    const rt = runtimeFor({ service });
    const { execution, approval } = await triage(rt, service.name, KUBE_PLAN);
    const original = STEPS.verify;
    jest.spyOn(STEPS, 'verify').mockImplementation(async (deps, input) => {
      api.fault('timeout', { verb: 'list', resource: 'ingresses' }, 'always');
      return original({ ...deps, collect: { timeoutMs: 1500 } }, input);
    });
    // Act
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    api.clearFaults();
    // Assess
    expect(await final(approval!.id)).toMatchObject({ status: 'rolled-back', outcome: expect.stringMatching(/^verification could not complete/) });
    const ingress = [...api.objects.values()].find((o: Obj) => o.kind === 'Ingress')!;
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/affinity']).toBeUndefined();
  });

  it('apply · haproxy -c rejects the change: refused, nothing written, HAProxy untouched', async () => {
    // Prepare
    const { service, config } = await haproxySetup('m-haproxy-invalid');
    const bin = mkdtempSync(join(tmp, 'bin-'));
    writeFileSync(join(bin, 'haproxy'), '#!/bin/sh\nfor a in "$@"; do [ "$a" = "-c" ] && { echo "[ALERT] config : parsing error (injected)" >&2; exit 1; }; done\nexec /usr/sbin/haproxy "$@"\n');
    chmodSync(join(bin, 'haproxy'), 0o755);
    const before = readFileSync(config, 'utf8');
    const rt = runtimeFor({ service: { ...service, haproxy: service.haproxy!.map((h) => ({ ...h, binary: join(bin, 'haproxy') })) } });
    const { execution, approval } = await triage(rt, service.name, HAPROXY_PLAN);
    // Act
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    // Assess
    expect(await final(approval!.id)).toMatchObject({ status: 'refused', outcome: 'haproxy -c rejected the change: [ALERT] config : parsing error (injected); nothing was written' });
    expect(readFileSync(config, 'utf8')).toBe(before);
  });

  it('apply · the reload cannot be done (pid file gone): failed, the previous configuration put back', async () => {
    // Prepare
    const { service, config } = await haproxySetup('m-haproxy-reload');
    const before = readFileSync(config, 'utf8');
    const broken = { ...service, haproxy: service.haproxy!.map((h) => ({ ...h, pidFile: join(tmp, 'missing.pid') })) };
    const rt = runtimeFor({ service: broken });
    const { execution, approval } = await triage(rt, service.name, HAPROXY_PLAN);
    // Act
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    // Assess
    expect(await final(approval!.id)).toMatchObject({ status: 'failed', outcome: `cannot read HAProxy edge1's pid file ${join(tmp, 'missing.pid')} (ENOENT) to reload it; the previous configuration was put back` });
    expect(readFileSync(config, 'utf8')).toBe(before);
  });

  it('rollback · verification fails and the backup is gone: failed, and it says the change may be live', async () => {
    // Prepare
    const { service, config } = await haproxySetup('m-haproxy-rollback');
    const before = readFileSync(config, 'utf8');
    const rt = runtimeFor({ service });
    const { execution, approval } = await triage(rt, service.name, HAPROXY_PLAN);
    const original = STEPS.verify;
    jest.spyOn(STEPS, 'verify').mockImplementation(async (deps, input) => {
      writeFileSync(config, before);
      for (const f of readdirSync(join(config, '..'))) if (f.includes('.sticky-') && f.endsWith('.bak')) unlinkSync(join(config, '..', f));
      return original(deps, input);
    });
    // Act
    await rt.decideAs(approval!.id, 'U2');
    await rt.engine.settled(execution);
    // Assess
    expect(await final(approval!.id)).toMatchObject({ status: 'failed', outcome: expect.stringMatching(/^verification failed \(haproxy\.edge1\.app\.cookie-ttl still present\); the rollback failed \(ENOENT: no such file or directory, open '.*\.bak'\): the change may be live: check it by hand or press Roll back$/) });
    expect(threadTexts().at(-1)).toMatch(/^:x: approved by <@U2> at \d\d:\d\d UTC: verification failed/);
  });
});
