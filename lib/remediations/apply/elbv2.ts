import { ATTRIBUTE_DEFAULTS } from '../../checks/support/aws.ts';
import type { Service } from '../../evidence/service.ts';
import { ApplyError, DriftError } from './errors.ts';
import type { Plan } from '../types.ts';

type Attr = { Key: string; Value: string };
type Actions = Record<string, unknown>[];


/** Compares action lists the way ELB returns them: key order and absent optional fields do not matter. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]));
  return v;
}

async function client(service: Service) {
  const { ElasticLoadBalancingV2Client } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  if (!service.aws) throw new ApplyError('the service has no aws section in its catalog entry');
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
    const live = await elb.send(new sdk.DescribeTargetGroupAttributesCommand({ TargetGroupArn: t.targetGroupArn }));
    const now = new Map((live.Attributes ?? []).map((a) => [a.Key!, a.Value!]));
    for (const b of t.rollbackAttributes) {
      const v = now.get(b.Key) ?? (b.Key === 'stickiness.type' ? b.Value : ATTRIBUTE_DEFAULTS[b.Key]) ?? '';
      if (v !== b.Value) throw new DriftError(`${b.Key} is ${v} on ${t.targetGroupArn.split('/')[1]}, not ${b.Value} as collected; collect again before applying`);
    }
    await elb.send(new sdk.ModifyTargetGroupAttributesCommand({ TargetGroupArn: t.targetGroupArn, Attributes: t.attributes }));
    return `no drift; ModifyTargetGroupAttributes ${t.attributes.map((a) => `${a.Key}=${a.Value}`).join(' ')}`;
  }
  if ((t.listenerArn || t.ruleArn) && t.actions && t.rollbackActions) {
    const live = t.ruleArn
      ? (await elb.send(new sdk.DescribeRulesCommand({ RuleArns: [t.ruleArn] }))).Rules?.[0]?.Actions
      : (await elb.send(new sdk.DescribeListenersCommand({ ListenerArns: [t.listenerArn!] }))).Listeners?.[0]?.DefaultActions;
    if (JSON.stringify(canonical(live ?? [])) !== JSON.stringify(canonical(t.rollbackActions))) throw new DriftError(`the actions of ${t.ruleArn ?? t.listenerArn} changed since the evidence was collected; collect again before applying`);
    await setActions(t, t.actions, service);
    return `no drift; ${t.ruleArn ? 'ModifyRule' : 'ModifyListener'} with group stickiness on, every other field unchanged`;
  }
  throw new ApplyError(`applying ${plan.action} is not supported`);
}

async function setActions(t: { listenerArn?: string; ruleArn?: string }, actions: Actions, service: Service): Promise<void> {
  const sdk = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const elb = await client(service);
  if (t.ruleArn) await elb.send(new sdk.ModifyRuleCommand({ RuleArn: t.ruleArn, Actions: actions as never }));
  else await elb.send(new sdk.ModifyListenerCommand({ ListenerArn: t.listenerArn!, DefaultActions: actions as never }));
}


/** Restores the collected attributes or actions of an applied ELB plan. */
export async function rollbackElbv2(plan: Plan, service: Service): Promise<void> {
  const sdk = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const elb = await client(service);
  const t = plan.target as { targetGroupArn?: string; rollbackAttributes?: Attr[]; listenerArn?: string; ruleArn?: string; rollbackActions?: Actions };
  if (t.targetGroupArn && t.rollbackAttributes) await elb.send(new sdk.ModifyTargetGroupAttributesCommand({ TargetGroupArn: t.targetGroupArn, Attributes: t.rollbackAttributes }));
  else if (t.rollbackActions) await setActions(t, t.rollbackActions, service);
}
