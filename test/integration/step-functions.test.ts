/**
 * The Step Functions side of the runbook: StepFunctionsEngine against the SFN SDK (faked at the
 * client with aws-sdk-client-mock, answering in the SDK's shapes and exception classes), the
 * decisions it resumes (resume, decide) and the sweeper that finishes what nobody else will, over
 * the real store (dynalite) and the Slack Web API double.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { join } from 'node:path';
import {
  ExecutionAlreadyExists, InvalidToken, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, SFNServiceException, StartExecutionCommand,
  StateMachineDoesNotExist, TaskDoesNotExist, TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { WebClient } from '@slack/web-api';
import type { Catalog } from '../../lib/catalog/catalog.ts';
import { ServiceSchema } from '../../lib/evidence/service.ts';
import { readBundle } from '../../lib/evidence/read-bundle.ts';
import { analyze } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { collect } from '../../lib/providers/collect.ts';
import { STEPS } from '../../lib/workflow/steps.ts';
import { startFailure } from '../../lib/slack/listeners/commands.ts';
import { localStore, type Approval, type Store } from '../../lib/store/store.ts';
import { decide, resume } from '../../lib/workflow/approvals.ts';
import { executionArn, StepFunctionsEngine } from '../../lib/workflow/engine.ts';
import { sweep, type SweepDeps } from '../../lib/workflow/sweeper.ts';
import { fakeAws, modelFromBundle, virtualClock } from '../support/aws-fake.ts';
import { FIXTURES } from '../support/bundles.ts';
import { SlackApiDouble } from '../support/slack-api-double.ts';

jest.setTimeout(60_000);
const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:sticky-triage';
const meta = { $metadata: {}, message: '' };
const sfnError = (name: string, message: string) => new SFNServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });

const sfn = mockClient(SFNClient);
const slack = new SlackApiDouble();
let store: Store;
let stopStore: () => Promise<void>;
let web: WebClient;
let seq = 0;
const NOW = 1_800_000_000_000;
const now = () => new Date(NOW);
const service = ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], paths: ['/', '/cart'], sessionTimeoutSeconds: 3600, clients: 'public', tls: true, approvers: ['U2', 'SOPS'], haproxy: [{ name: 'edge1', config: '/etc/haproxy/haproxy.cfg', runtime: '/run/haproxy/admin.sock', backend: 'app' }] });
const catalog = async (): Promise<Catalog> => ({ source: 'test', services: [service] });

beforeAll(async () => {
  ({ store, stop: stopStore } = await localStore());
  web = new WebClient('xoxb-test', { slackApiUrl: await slack.start(), timeout: 3000, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
});
afterAll(async () => {
  sfn.restore();
  await slack.stop();
  await stopStore();
});
beforeEach(() => {
  sfn.reset();
  slack.reset();
  slack.limits = {};
  slack.groups.set('SOPS', ['U7']);
});
afterEach(async () => {
  // The sweeper works through every open marker of the table: close what a test left open.
  for (const kind of ['APPROVAL', 'START', 'NOTICE', 'THREAD'] as const) for (const id of await store.open(kind)) await store.clearOpen(kind, id);
});

/** A triage with the haproxy-cookie-ttl evidence, its report posted in C1 (so it has a ts to update). */
async function triage(fields: Record<string, unknown> = {}): Promise<{ id: string; messageTs: string }> {
  const id = `t-sfn-${++seq}`;
  const channel = (fields.channel as string | undefined) ?? 'C1';
  const posted = await web.chat.postMessage({ channel, text: 'report' });
  await store.putTriage({ id, service: 'checkout', trigger: 'slash-command', channel, requester: 'U1', createdAt: NOW - 60_000, messageTs: posted.ts!, ...fields });
  await store.putEvidence(id, (await readBundle(join(FIXTURES, 'haproxy-cookie-ttl'))).files);
  slack.calls.length = 0;
  return { id, messageTs: posted.ts! };
}

/** An approval of the triage's plan, open for the sweeper unless terminal. */
async function approval(triageId: string, fields: Partial<Approval> = {}): Promise<Approval> {
  const a: Approval = { id: `a-sfn-${++seq}`, triageId, planId: 'haproxy.edge1.app.raise-cookie-lifetime', risk: 'low', requester: 'U1', channel: 'C1', status: 'pending', expiresAt: NOW + 60_000, ...fields };
  await store.createApproval(a);
  if (a.taskToken && ['approved', 'rejected', 'applying'].includes(a.status)) await store.markOpen('APPROVAL', a.id);
  return a;
}

const sweepDeps = (engine = new StepFunctionsEngine(MACHINE, 'eu-west-1')): SweepDeps => ({ store, slack: web as never, catalog, now, engine });

describe('StepFunctionsEngine (StartExecution, SendTaskSuccess, SendTaskFailure)', () => {
  it('starts a triage under its id as the execution name, with the input as JSON, in the configured region', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: executionArn(MACHINE, 't-1'), startDate: new Date(NOW) });
    const engine = new StepFunctionsEngine(MACHINE, 'eu-west-1');

    // Act
    const arn = await engine.start({ service: 'checkout', trigger: 'alarm', channel: 'C1', triageId: 't-1', threadTs: '1700000000.000001' });

    // Assess
    expect(arn).toBe('arn:aws:states:eu-west-1:123456789012:execution:sticky-triage:t-1');
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: MACHINE, name: 't-1', input: JSON.stringify({ service: 'checkout', trigger: 'alarm', channel: 'C1', triageId: 't-1', threadTs: '1700000000.000001' }) },
    ]);
    expect(await (sfn.call(0).thisValue as SFNClient).config.region()).toBe('eu-west-1');
  });

  it('lets Step Functions name a triage without an id (a slash command)', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:generated`, startDate: new Date(NOW) });

    // Act
    await new StepFunctionsEngine(MACHINE).start({ service: 'checkout', trigger: 'slash-command', channel: 'C1', requester: 'U1' });

    // Assess
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({ stateMachineArn: MACHINE, input: JSON.stringify({ service: 'checkout', trigger: 'slash-command', channel: 'C1', requester: 'U1' }) });
  });

  it('treats ExecutionAlreadyExists for a named triage as started once: the existing execution is returned', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ ...meta, message: 'Execution Already Exists: arn:aws:states:eu-west-1:123456789012:execution:sticky-triage:t-2' }));

    // Act
    const arn = await new StepFunctionsEngine(MACHINE).start({ service: 'checkout', trigger: 'alarm', channel: 'C1', triageId: 't-2' });

    // Assess
    expect(arn).toBe('arn:aws:states:eu-west-1:123456789012:execution:sticky-triage:t-2');
  });

  it('fails a start Step Functions refuses with the SDK error, which the slash command words for people', async () => {
    // Prepare
    const engine = new StepFunctionsEngine(MACHINE);
    const attempt = async () => engine.start({ service: 'checkout', trigger: 'slash-command', channel: 'C1' }).then(() => undefined, (e: unknown) => e);
    sfn.on(StartExecutionCommand).rejectsOnce(sfnError('ThrottlingException', 'Rate exceeded')).rejectsOnce(new StateMachineDoesNotExist({ ...meta, message: `State Machine Does Not Exist: '${MACHINE}'` }))
      .rejectsOnce(sfnError('AccessDeniedException', 'not authorized to perform: states:StartExecution'));

    // Act
    const errors = [await attempt(), await attempt(), await attempt()];

    // Assess
    expect(errors.map((e) => (e as Error).name)).toEqual(['ThrottlingException', 'StateMachineDoesNotExist', 'AccessDeniedException']);
    expect(errors.map(startFailure)).toEqual([
      'Step Functions is throttling new triages right now; nothing was started. Try again in a minute.',
      'Sticky\'s triage state machine does not exist in this account; nothing was started. Ask whoever deployed Sticky.',
      'Sticky may not start its triage state machine (states:StartExecution is denied); nothing was started. Ask whoever deployed Sticky.',
    ]);
  });

  it('sends a decision with SendTaskSuccess and a failure with SendTaskFailure, on the token', async () => {
    // Prepare
    sfn.on(SendTaskSuccessCommand).resolves({}).on(SendTaskFailureCommand).resolves({});
    const engine = new StepFunctionsEngine(MACHINE);

    // Act
    await engine.sendTaskSuccess('token-1', { decision: 'approve', approver: 'U2' });
    await engine.sendTaskFailure('token-2', 'Sticky.Closed', 'the approval was closed');

    // Assess
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: 'token-1', output: '{"decision":"approve","approver":"U2"}' }]);
    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: 'token-2', error: 'Sticky.Closed', cause: 'the approval was closed' }]);
  });
});

describe('resuming a decision through Step Functions', () => {
  it('records the resume of an approved decision once SendTaskSuccess succeeds', async () => {
    // Prepare
    const { id } = await triage();
    const a = await approval(id, { status: 'approved', decidedBy: 'U2', decidedAt: NOW, taskToken: 'tok-ok' });
    sfn.on(SendTaskSuccessCommand).resolves({});

    // Act
    const r = await resume({ store, engine: new StepFunctionsEngine(MACHINE), now }, a);

    // Assess
    expect(r).toBe('resumed');
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: 'tok-ok', output: '{"decision":"approve","approver":"U2"}' }]);
    expect((await store.getApproval(a.id))!.resumedAt).toBe(NOW);
  });

  it.each([
    ['TaskTimedOut', () => new TaskTimedOut({ ...meta, message: 'Task Timed Out: \'Provided task does not exist anymore\'' })],
    ['InvalidToken', () => new InvalidToken({ ...meta, message: 'Invalid token' })],
    ['TaskDoesNotExist', () => new TaskDoesNotExist({ ...meta, message: 'Task does not exist' })],
  ])('closes the resume when Step Functions answers %s: the execution stopped waiting, nothing more is sent', async (name, error) => {
    // Prepare
    const { id } = await triage();
    const a = await approval(id, { status: 'rejected', decidedBy: 'U2', decidedAt: NOW, taskToken: `tok-${name}` });
    sfn.on(SendTaskSuccessCommand).rejects(error());

    // Act
    const r = await resume({ store, engine: new StepFunctionsEngine(MACHINE), now }, a);

    // Assess
    expect(r).toBe('gone');
    expect((await store.getApproval(a.id))!.resumedAt).toBe(NOW);
    expect((await store.auditTrail(id)).map((e) => [e.event, String(e.reason).split(':')[0]])).toEqual([['resume-gone', name]]);
  });

  it('keeps a throttled resume for the sweeper: delayed, with the reason recorded as transient', async () => {
    // Prepare
    const { id } = await triage();
    const a = await approval(id, { status: 'approved', decidedBy: 'U2', decidedAt: NOW, taskToken: 'tok-throttled' });
    sfn.on(SendTaskSuccessCommand).rejects(sfnError('ThrottlingException', 'Rate exceeded'));

    // Act
    const r = await resume({ store, engine: new StepFunctionsEngine(MACHINE), now }, a);

    // Assess
    expect(r).toBe('delayed');
    const after = (await store.getApproval(a.id))!;
    expect([after.resumedAt, after.resumeError]).toEqual([undefined, 'ThrottlingException: Rate exceeded']);
    expect((await store.auditTrail(id)).map((e) => [e.event, e.transient])).toEqual([['resume-delayed', true]]);
  });

  it('resumes the waiting execution when an approver of a user group approves in the triage channel', async () => {
    // Prepare
    const { id } = await triage();
    const a = await approval(id, { taskToken: 'tok-decide' });
    sfn.on(SendTaskSuccessCommand).resolves({});
    const members = async (g: string) => (await web.usergroups.users.list({ usergroup: g })).users ?? [];

    // Act
    const r = await decide({ store, engine: new StepFunctionsEngine(MACHINE), service: async () => service, members, now }, { approvalId: a.id, user: 'U7', decision: 'approve', channel: 'C1' });

    // Assess
    expect(r).toMatchObject({ ok: true, waiting: 0, resumed: 'resumed', approval: { status: 'approved', decidedBy: 'U7' } });
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: 'tok-decide', output: '{"decision":"approve","approver":"U7"}' }]);
    expect(slack.of('usergroups.users.list')).toEqual([{ usergroup: 'SOPS' }]);
  });

  it('refuses a rejection by a non-approver and a decision from another channel, and sends nothing', async () => {
    // Prepare
    const { id } = await triage();
    const a = await approval(id, { taskToken: 'tok-refused' });
    const deps = { store, engine: new StepFunctionsEngine(MACHINE), service: async () => service, members: async () => [], now };

    // Act
    const stranger = await decide(deps, { approvalId: a.id, user: 'U9', decision: 'reject', channel: 'C1' });
    const elsewhere = await decide(deps, { approvalId: a.id, user: 'U2', decision: 'approve', channel: 'C2' });

    // Assess
    expect(stranger).toEqual({ ok: false, reason: 'you are not an approver of checkout' });
    expect(elsewhere).toEqual({ ok: false, reason: 'decisions on this fix are taken in <#C1>, where the check was posted' });
    expect(sfn.calls()).toEqual([]);
    expect((await store.getApproval(a.id))!.status).toBe('pending');
    expect((await store.auditTrail(id)).map((e) => `${String(e.event)} ${String(e.user)}`).sort()).toEqual(['refused U2', 'refused U9']);
  });
});

describe('the sweeper', () => {
  it('re-drives a decision whose resume failed, once it is older than resumeAfterMs', async () => {
    // Prepare
    const { id } = await triage();
    const old = await approval(id, { status: 'approved', decidedBy: 'U2', decidedAt: NOW - 120_000, taskToken: 'tok-old' });
    const fresh = await approval(id, { status: 'approved', decidedBy: 'U2', decidedAt: NOW - 1_000, taskToken: 'tok-fresh' });
    sfn.on(SendTaskSuccessCommand).resolves({});

    // Act
    const r = await sweep(sweepDeps(), { resumeAfterMs: 60_000 });

    // Assess
    expect(r.resumed).toEqual([old.id]);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual(['tok-old']);
    expect((await store.getApproval(fresh.id))!.resumedAt).toBeUndefined();
  });

  it('closes a pending approval long past its expiry, tells its execution and the thread, and updates the report at its own channel and ts', async () => {
    // Prepare
    const { id, messageTs } = await triage();
    const a = await approval(id, { expiresAt: NOW - 10 * 60_000, taskToken: 'tok-expired' });
    await store.updateTriage(id, { approvals: { [a.planId]: a.id } });
    sfn.on(SendTaskSuccessCommand).resolves({});

    // Act
    const r = await sweep(sweepDeps());

    // Assess
    expect(r.closed).toEqual([{ id: a.id, status: 'expired', outcome: 'expired without a decision (closed by the sweeper: the triage had stopped waiting)' }]);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: 'tok-expired', output: '{"decision":"closed","approver":null}' }]);
    expect(slack.of('chat.postMessage').map(({ channel, thread_ts, text }) => ({ channel, thread_ts, text }))).toEqual([
      { channel: 'C1', thread_ts: messageTs, text: ':hourglass: expired without a decision (closed by the sweeper: the triage had stopped waiting) (haproxy.edge1.app.raise-cookie-lifetime)' },
    ]);
    expect(slack.of('chat.update').map(({ channel, ts }) => [channel, ts])).toEqual([['C1', messageTs]]);
    expect(JSON.stringify(slack.of('chat.update')[0]!.blocks)).toContain('expired without a decision');
    expect(await store.open('APPROVAL')).not.toContain(a.id);
  });

  it('closes a change stuck in applying as failed and says the change may be live', async () => {
    // Prepare
    const { id } = await triage();
    const a = await approval(id, { status: 'applying', decidedBy: 'U2', decidedAt: NOW - 20 * 60_000, updatedAt: NOW - 20 * 60_000, undo: '{"kind":"aws"}', resumedAt: NOW - 20 * 60_000 });

    // Act
    const r = await sweep(sweepDeps());

    // Assess
    expect(r.closed).toEqual([{ id: a.id, status: 'failed', outcome: 'stuck while applying for 20 min; the change may be live: check it by hand or press Roll back' }]);
    expect(sfn.calls()).toEqual([]);
    expect((await store.getApproval(a.id))!.status).toBe('failed');
  });

  it('clears a rejected approval whose execution has stopped waiting (TaskTimedOut)', async () => {
    // Prepare
    const { id } = await triage();
    const a = await approval(id, { status: 'rejected', decidedBy: 'U2', decidedAt: NOW, taskToken: 'tok-gone' });
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ ...meta, message: 'Task Timed Out' }));

    // Act
    const r = await sweep(sweepDeps());

    // Assess
    expect([r.resumed, r.errors]).toEqual([[], []]);
    expect(await store.open('APPROVAL')).not.toContain(a.id);
  });

  it('starts an alarm triage whose start failed, under its id; an execution that already exists counts as started', async () => {
    // Prepare
    const { id: first } = await triage({ trigger: 'alarm', threadTs: '1700000000.000009' });
    const { id: second } = await triage({ trigger: 'alarm' });
    await store.updateTriage(first, { startPending: true });
    await store.updateTriage(second, { startPending: true });
    sfn.on(StartExecutionCommand, { name: first }).resolves({ executionArn: executionArn(MACHINE, first), startDate: new Date(NOW) })
      .on(StartExecutionCommand, { name: second }).rejects(new ExecutionAlreadyExists({ ...meta, message: 'Execution Already Exists' }));

    // Act
    const r = await sweep(sweepDeps());

    // Assess
    expect([...r.started].sort()).toEqual([first, second].sort());
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!)).find((i) => i.triageId === first)).toEqual({ service: 'checkout', trigger: 'alarm', channel: 'C1', triageId: first, threadTs: '1700000000.000009', requester: 'U1' });
    expect(await store.open('START')).toEqual([]);
    expect((await store.getTriage(second))!.startPending).toBe(false);
  });

  it('keeps a start Step Functions refuses open, with the error, for the next sweep', async () => {
    // Prepare
    const { id } = await triage({ trigger: 'alarm' });
    await store.updateTriage(id, { startPending: true });
    sfn.on(StartExecutionCommand).rejects(new StateMachineDoesNotExist({ ...meta, message: 'State Machine Does Not Exist' }));

    // Act
    const r = await sweep(sweepDeps());

    // Assess
    expect(r.errors).toEqual([`start ${id}: StateMachineDoesNotExist: State Machine Does Not Exist`]);
    expect(await store.open('START')).toEqual([id]);
  });

  it('publishes a report whose update failed again, at the report\'s channel and ts (not its alarm thread\'s)', async () => {
    // Prepare
    const thread = await web.chat.postMessage({ channel: 'C2', text: 'alarm thread' });
    const { id, messageTs } = await triage({ channel: 'C2', trigger: 'alarm', threadTs: thread.ts });
    await store.updateTriage(id, { publishPending: true });

    // Act
    const r = await sweep(sweepDeps());

    // Assess
    expect(r.errors).toEqual([]);
    expect(r.notices).toEqual([id]);
    expect(slack.of('chat.update').map(({ channel, ts }) => [channel, ts])).toEqual([['C2', messageTs]]);
    expect(slack.messages.get('C2')!.get(thread.ts!)!.text).toBe('alarm thread');
    expect(await store.open('NOTICE')).toEqual([]);
  });

  it('keeps a report Slack cannot update open for the next sweep', async () => {
    // Prepare
    const { id } = await triage();
    await store.updateTriage(id, { publishPending: true });
    slack.failNext('chat.update', 503);

    // Act
    const r = await sweep(sweepDeps());

    // Assess
    expect(r.notices).toEqual([]);
    expect(r.errors).toEqual([`notice ${id}: Slack: WebAPIHTTPError: An HTTP protocol error occurred: statusCode = 503`]);
    expect(await store.open('NOTICE')).toEqual([id]);
  });
});

describe('the Verify and Rollback steps of the runbook', () => {
  const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout-tg/73e2d6bc24d8a067';
  const awsService = ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, approvers: ['U2'], aws: { region: 'eu-west-1', targetGroupArns: [TG] } });
  const PLAN = 'elbv2.checkout-tg.enable-stickiness';
  let fake: ReturnType<typeof fakeAws> | undefined;
  afterEach(() => {
    fake?.restore();
    fake = undefined;
  });

  it('rolls a change back when verification fails: Verify finds the finding still there, Rollback restores the collected attributes', async () => {
    // Prepare
    const clock = virtualClock();
    fake = fakeAws(modelFromBundle(join(FIXTURES, 'aws-stickiness-disabled')), clock);
    const raw = await collect(awsService, { clock, now });
    const plan = analyze(parseBundle(raw)).remediations.find((p) => p.id === PLAN)!;
    const id = `t-sfn-${++seq}`;
    await store.putTriage({ id, service: 'checkout', trigger: 'slash-command', channel: 'C1', requester: 'U1', createdAt: NOW });
    await store.putEvidence(id, raw.files);
    const a = await approval(id, { planId: PLAN, status: 'verifying', decidedBy: 'U2', decidedAt: NOW, undo: JSON.stringify({ kind: 'aws', plan }) });
    const deps = { store, slack: web as never, catalog: async (): Promise<Catalog> => ({ source: 'test', services: [awsService] }), now, collect: { clock } };

    // Act
    const verified = await STEPS.verify(deps, { triageId: id, approvalId: a.id });
    const afterVerify = (await store.getApproval(a.id))!;
    const rolled = await STEPS.rollback(deps, { triageId: id, approvalId: a.id });

    // Assess
    expect(verified).toEqual({ verified: false, remaining: ['elbv2.checkout-tg.stickiness-disabled'] });
    expect([afterVerify.status, afterVerify.outcome]).toEqual(['verifying', 'verification failed (elbv2.checkout-tg.stickiness-disabled still present); rolling back']);
    expect(rolled).toEqual({ outcome: 'verification failed (elbv2.checkout-tg.stickiness-disabled still present); rolled back to the state before the change' });
    expect(fake.calls.filter((c) => c.op === 'ModifyTargetGroupAttributes').map((c) => c.input)).toEqual([{ TargetGroupArn: TG, Attributes: plan.target.rollbackAttributes }]);
    expect((await store.getApproval(a.id))!.status).toBe('rolled-back');
    expect((await store.auditTrail(id)).map((e) => String(e.event)).sort()).toEqual(['rolled-back', 'verification-failed']);
  });

  it('records a rollback without an undo as failed, saying the change may be live', async () => {
    // Prepare
    const { id } = await triage();
    const a = await approval(id, { status: 'verifying', decidedBy: 'U2', decidedAt: NOW });

    // Act
    const r = await STEPS.rollback({ store, slack: web as never, catalog, now }, { triageId: id, approvalId: a.id, state: { verifyError: { Error: 'Sticky.Transient', Cause: '{"errorMessage":"the ALB did not answer"}' } } });

    // Assess
    expect(r).toEqual({ outcome: 'verification could not complete (Sticky.Transient: the ALB did not answer), and no undo was recorded: the change may be live; check haproxy.edge1.app.raise-cookie-lifetime by hand' });
    expect((await store.getApproval(a.id))!.status).toBe('failed');
  });
});
