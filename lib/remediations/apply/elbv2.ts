import { ATTRIBUTE_DEFAULTS } from '../../checks/support/aws.ts';
import type { Service } from '../../evidence/service.ts';
import { isDenied } from '../../providers/aws/calls.ts';
import { isTransient } from '../../providers/errors.ts';
import { ApplyError, DriftError, UncertainWriteError, ValidationError, NotApplicableError } from './errors.ts';
import type { Plan } from '../types.ts';

type Attr = { Key: string; Value: string };
type Actions = Record<string, unknown>[];


/** Compares action lists the way ELB returns them: key order and absent optional fields do not matter. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]));
  return v;
}

/** ELB errors that reject the request itself: ELB validated it and changed nothing. */
const REJECTED = /^(ValidationError|InvalidConfigurationRequest|IncompatibleProtocols|TargetGroupAssociationLimit|TooManyActions|InvalidLoadBalancerAction|OperationNotPermitted)(Exception)?$/;
const NOT_FOUND = /^(TargetGroup|Listener|Rule|LoadBalancer)NotFound(Exception)?$/;

/**
 * Runs one ELB call of an apply and turns its failure into the outcome it means: the resource
 * gone since collection is drift (refused), a request ELB rejects changed nothing (refused), a
 * throttled call is sent again with backoff and jitter, a missing permission or another refusal
 * fails the apply with the reason, and a 5xx or a timeout, after which the change may or may not
 * be live, is uncertain (the caller verifies).
 */
async function elbCall<T>(op: string, what: string, fn: () => Promise<T>, sleep: (ms: number) => Promise<void> = delay): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const name = (e as { name?: string }).name ?? '';
      const code = name.replace(/Exception$/, '');
      const message = ((e as Error).message ?? '').slice(0, 300);
      if (NOT_FOUND.test(name)) throw new DriftError(`${what} no longer exists (${code}: ${message}); collect again before applying`);
      if (REJECTED.test(name)) throw new ValidationError(`ELB rejected ${op}: ${code}: ${message}`);
      if (isDenied(e)) throw new ApplyError(`missing permission elasticloadbalancing:${op}; nothing was changed`, { cause: e });
      if (THROTTLED.test(name)) {
        if (attempt < THROTTLE_ATTEMPTS) {
          await sleep(Math.min(5000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
          continue;
        }
        throw new ApplyError(`${op} was throttled ${THROTTLE_ATTEMPTS} times; nothing was changed`, { cause: e });
      }
      if (isTransient(e)) throw new UncertainWriteError(`${op} did not answer cleanly (${name || 'error'}${message ? `: ${message}` : ''})`, { cause: e });
      throw new ApplyError(`${op} failed: ${name || 'error'}${message ? ` (${message})` : ''}`, { cause: e });
    }
  }
}

/** ELB refuses a throttled request before acting on it, so it is safe to send again. */
const THROTTLED = /^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded)$/;
const THROTTLE_ATTEMPTS = 5;
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function client(service: Service) {
  const { ElasticLoadBalancingV2Client } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  if (!service.aws) throw new NotApplicableError('the service has no aws section in its catalog entry');
  return new ElasticLoadBalancingV2Client({ region: service.aws.region, retryMode: 'standard' });
}

/**
 * Applies an ELB plan: target group attributes (ModifyTargetGroupAttributes) or a listener's or
 * rule's actions (ModifyListener / ModifyRule, sending every action back whole). Re-reads the live
 * values first and refuses if they are no longer the plan's `before`; {@link rollbackElbv2}
 * restores them.
 */
export async function applyElbv2(plan: Plan, service: Service): Promise<string> {
  const sdk = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const elb = await client(service);
  const t = plan.target as { targetGroupArn?: string; attributes?: Attr[]; rollbackAttributes?: Attr[]; listenerArn?: string; ruleArn?: string; actions?: Actions; rollbackActions?: Actions };
  if (t.targetGroupArn && t.attributes && t.rollbackAttributes) {
    const tg = `target group ${t.targetGroupArn.split('/')[1]}`;
    const live = await elbCall('DescribeTargetGroupAttributes', tg, () => elb.send(new sdk.DescribeTargetGroupAttributesCommand({ TargetGroupArn: t.targetGroupArn })));
    const now = new Map((live.Attributes ?? []).map((a) => [a.Key!, a.Value!]));
    for (const b of t.rollbackAttributes) {
      const v = now.get(b.Key) ?? (b.Key === 'stickiness.type' ? b.Value : ATTRIBUTE_DEFAULTS[b.Key]) ?? '';
      if (v !== b.Value) throw new DriftError(`${b.Key} is ${v} on ${t.targetGroupArn.split('/')[1]}, not ${b.Value} as collected; collect again before applying`);
    }
    await elbCall('ModifyTargetGroupAttributes', tg, () => elb.send(new sdk.ModifyTargetGroupAttributesCommand({ TargetGroupArn: t.targetGroupArn, Attributes: t.attributes })));
    return `no drift; ModifyTargetGroupAttributes ${t.attributes.map((a) => `${a.Key}=${a.Value}`).join(' ')}`;
  }
  if ((t.listenerArn || t.ruleArn) && t.actions && t.rollbackActions) {
    const what = (t.ruleArn ?? t.listenerArn)!;
    const live = t.ruleArn
      ? (await elbCall('DescribeRules', what, () => elb.send(new sdk.DescribeRulesCommand({ RuleArns: [t.ruleArn!] })))).Rules?.[0]?.Actions
      : (await elbCall('DescribeListeners', what, () => elb.send(new sdk.DescribeListenersCommand({ ListenerArns: [t.listenerArn!] })))).Listeners?.[0]?.DefaultActions;
    if (JSON.stringify(canonical(live ?? [])) !== JSON.stringify(canonical(t.rollbackActions))) throw new DriftError(`the actions of ${t.ruleArn ?? t.listenerArn} changed since the evidence was collected; collect again before applying`);
    await setActions(t, t.actions, service);
    return `no drift; ${t.ruleArn ? 'ModifyRule' : 'ModifyListener'} with group stickiness on, every other field unchanged`;
  }
  throw new NotApplicableError(`applying ${plan.action} is not supported`);
}

async function setActions(t: { listenerArn?: string; ruleArn?: string }, actions: Actions, service: Service): Promise<void> {
  const sdk = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const elb = await client(service);
  if (t.ruleArn) await elbCall('ModifyRule', t.ruleArn, () => elb.send(new sdk.ModifyRuleCommand({ RuleArn: t.ruleArn!, Actions: actions as never })));
  else await elbCall('ModifyListener', t.listenerArn!, () => elb.send(new sdk.ModifyListenerCommand({ ListenerArn: t.listenerArn!, DefaultActions: actions as never })));
}


/** Restores the collected attributes or actions of an applied ELB plan. */
export async function rollbackElbv2(plan: Plan, service: Service): Promise<void> {
  const sdk = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const elb = await client(service);
  const t = plan.target as { targetGroupArn?: string; rollbackAttributes?: Attr[]; listenerArn?: string; ruleArn?: string; rollbackActions?: Actions };
  if (t.targetGroupArn && t.rollbackAttributes) {
    const attributes = t.rollbackAttributes;
    await elbCall('ModifyTargetGroupAttributes', `target group ${t.targetGroupArn.split('/')[1]}`, () => elb.send(new sdk.ModifyTargetGroupAttributesCommand({ TargetGroupArn: t.targetGroupArn, Attributes: attributes })));
  }
  else if (t.rollbackActions) await setActions(t, t.rollbackActions, service);
}
