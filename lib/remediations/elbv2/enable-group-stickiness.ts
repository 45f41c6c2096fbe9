import type { Action } from '../../evidence/aws.ts';
import { plan, type Plan } from '../types.ts';
import { cookieDuration } from './enable-stickiness.ts';
import { jsonArg } from './attributes.ts';
import { ELBV2_WRITE } from './permissions.ts';

/**
 * Turns on target-group stickiness of a weighted forward action with ModifyListener (default
 * actions) or ModifyRule, sending every action back whole so no field (order, weights, other
 * actions) is lost.
 */
export function enableGroupStickiness(key: string, where: { listenerArn?: string; ruleArn?: string }, actions: Action[], sessionSeconds: number): Plan {
  const duration = cookieDuration(sessionSeconds);
  const after = actions.map((a) =>
    a.Type === 'forward' && (a.ForwardConfig?.TargetGroups?.length ?? 0) > 1
      ? { ...a, ForwardConfig: { ...a.ForwardConfig, TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: duration } } }
      : a,
  );
  const fwd = (xs: Action[]) => xs.filter((a) => a.Type === 'forward').map((a) => `TargetGroupStickinessConfig=${JSON.stringify(a.ForwardConfig?.TargetGroupStickinessConfig ?? { Enabled: false })}`).join('\n');
  const api = where.ruleArn ? 'modify-rule --rule-arn' : 'modify-listener --listener-arn';
  const arn = where.ruleArn ?? where.listenerArn;
  const flag = where.ruleArn ? '--actions' : '--default-actions';
  return plan('elbv2.enable-group-stickiness', key, {
    title: `Keep clients on one target group of the weighted forward (${duration} s)`,
    risk: 'low',
    change: { before: fwd(actions), after: fwd(after) },
    apply: `aws elbv2 ${api} ${arn} ${flag} ${jsonArg(after)}`,
    rollback: `aws elbv2 ${api} ${arn} ${flag} ${jsonArg(actions)}`,
    permissions: [where.ruleArn ? ELBV2_WRITE.rule : ELBV2_WRITE.listener],
    target: { ...where, actions: after, rollbackActions: actions },
  });
}
