import { describe, expect, it } from '@jest/globals';
import validator from 'asl-validator';
import { loadDefinition, taskStates } from '../../lib/workflow/definition.ts';
import { STEPS } from '../../lib/workflow/steps.ts';
import { mayDecide } from '../../lib/workflow/approvals.ts';
import { parseSlashCommand } from '../../lib/slack/command.ts';
import { ServiceSchema } from '../../lib/evidence/service.ts';

type State = { Type: string; Resource?: string; Parameters?: Record<string, unknown>; Branches?: { States: Record<string, State> }[]; Iterator?: { States: Record<string, State> } };
const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:sticky-step';

const tasks = (states: Record<string, State>) => taskStates(states) as [string, State][];

describe('the sticky-triage state machine', () => {
  it('is valid Amazon States Language', () => {
    // Act
    const result = validator(loadDefinition(ARN));
    // Assess
    expect([result.isValid, result.errors]).toEqual([true, []]);
  });

  it('calls only steps that exist, through the step function, waiting on a token for approvals', () => {
    // Prepare
    const def = loadDefinition(ARN, 900) as { States: Record<string, State> };
    // Act
    const all = tasks(def.States);
    // Assess
    expect(all.map(([n]) => n)).toEqual(['Resolve', 'CollectAws', 'CollectKubernetes', 'CollectHaproxy', 'CollectNginx', 'CollectProbe', 'Analyze', 'Report', 'RequestApproval', 'Apply', 'Verify', 'Rollback', 'Record', 'TriageFailedEarly', 'TriageFailed']);
    for (const [name, s] of all) {
      const step = name === 'RequestApproval' ? (s.Parameters!.Payload as Record<string, unknown>).step : s.Parameters!.step;
      expect(Object.keys(STEPS)).toContain(step);
      expect(s.Resource).toBe(name === 'RequestApproval' ? 'arn:aws:states:::lambda:invoke.waitForTaskToken' : ARN);
    }
    expect(JSON.stringify(def)).toContain('"TimeoutSeconds":900');
  });

  it('retries transient failures with backoff and jitter, and catches everything else, on every Task', () => {
    // Prepare
    type Retrier = { ErrorEquals: string[]; BackoffRate?: number; JitterStrategy?: string; MaxAttempts?: number };
    type Catcher = { ErrorEquals: string[]; Next: string; ResultPath?: string };
    const all = tasks((loadDefinition(ARN) as { States: Record<string, State> }).States) as [string, State & { Retry?: Retrier[]; Catch?: Catcher[] }][];
    // Act
    const gaps = all.filter(([, s]) => !s.Retry?.some((r) => r.ErrorEquals.includes('Lambda.ServiceException') && r.JitterStrategy === 'FULL' && (r.BackoffRate ?? 1) > 1)
      || !s.Catch?.some((c) => c.ErrorEquals.includes('States.ALL')));
    const apply = all.find(([n]) => n === 'Apply')![1];
    const catchOf = (n: string) => all.find(([x]) => x === n)![1].Catch!.find((c) => c.ErrorEquals.includes('States.ALL'))!.Next;
    // Assess
    expect(gaps.map(([n]) => n)).toEqual([]);
    expect(apply.Retry!.flatMap((r) => r.ErrorEquals)).not.toContain('Sticky.Transient');
    expect([catchOf('Apply'), catchOf('Verify'), catchOf('Rollback'), catchOf('RequestApproval'), catchOf('Report'), catchOf('Resolve')])
      .toEqual(['Verify', 'Rollback', 'Record', 'Record', 'TriageFailed', 'TriageFailedEarly']);
  });
});

describe('who may approve', () => {
  const service = ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, approvers: ['U2', 'SOPS'] });
  const approval = (risk: 'low' | 'high') => ({ id: 'a1', triageId: 't1', planId: 'p', risk, requester: 'U2', status: 'pending' as const, expiresAt: 1 });
  const members = async (g: string) => (g === 'SOPS' ? ['U7'] : []);

  it('allows listed users and members of listed user groups, and nobody else', async () => {
    // Assess
    expect(await mayDecide('U2', approval('low'), service, members)).toEqual({ ok: true });
    expect(await mayDecide('U7', approval('low'), service, members)).toEqual({ ok: true });
    expect(await mayDecide('U9', approval('low'), service, members)).toEqual({ ok: false, reason: 'you are not an approver of checkout' });
  });

  it('needs four eyes for a high-risk plan: the requester cannot approve it', async () => {
    // Assess
    expect(await mayDecide('U2', approval('high'), service, members)).toEqual({ ok: false, reason: 'this fix is high risk: someone other than the person who asked for the check must approve it' });
    expect(await mayDecide('U7', approval('high'), service, members)).toEqual({ ok: true });
  });

  it('lets nobody approve for a service without approvers', async () => {
    // Assess
    expect(await mayDecide('U2', approval('low'), { ...service, approvers: undefined } as never, members)).toEqual({ ok: false, reason: 'checkout has no approvers in the catalog, so no fix can be approved or rejected from Slack' });
  });

  it('needs the same right to reject as to approve, except that the requester may withdraw their own check', async () => {
    // Prepare
    const asked = { ...approval('low'), requester: 'U4' };
    // Assess
    expect(await mayDecide('U9', asked, service, members, 'reject')).toEqual({ ok: false, reason: 'you are not an approver of checkout' });
    expect(await mayDecide('U4', asked, service, members, 'reject')).toEqual({ ok: true });
    expect(await mayDecide('U4', asked, service, members, 'approve')).toEqual({ ok: false, reason: 'you are not an approver of checkout' });
    expect(await mayDecide('U7', asked, service, members, 'reject')).toEqual({ ok: true });
  });
});

describe('/sticky text', () => {
  it('parses the commands and turns anything else into a message, not an exception', () => {
    // Assess
    expect([parseSlashCommand('check checkout'), parseSlashCommand(''), parseSlashCommand('services'), parseSlashCommand('check'), parseSlashCommand('check Checkout!'), parseSlashCommand('deploy prod')]).toEqual([
      { verb: 'check', service: 'checkout' }, { verb: 'help' }, { verb: 'services' }, { error: 'usage: `/sticky check <service>`' },
      { error: 'a service name is lower-case letters, digits and dashes' }, { error: 'unknown command "deploy prod"; try `/sticky help`' },
    ]);
  });
});
