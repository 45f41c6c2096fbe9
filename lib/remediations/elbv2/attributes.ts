import type { TargetGroupView } from '../../checks/support/aws.ts';
import { plan, type Plan, type Risk } from '../types.ts';
import { controllerOwnedPlan } from './controller-owned.ts';
import { ELBV2_WRITE } from './permissions.ts';

/**
 * A plan that sets target group attributes with ModifyTargetGroupAttributes. `before` is read
 * from the collected attributes; the apply re-reads them and refuses on drift; rollback writes
 * the before values back. Without the target group's ARN (describe-target-groups not collected)
 * the plan can only be advice. A target group the AWS Load Balancer Controller owns is changed
 * through its Kubernetes annotation instead (see {@link controllerOwnedPlan}).
 */
export function attributesPlan(action: string, v: TargetGroupView, title: string, risk: Risk, changes: Record<string, string>): Plan {
  if (v.owner) return controllerOwnedPlan(action, v, v.owner, changes);
  const keys = Object.keys(changes);
  const before = keys.map((k) => ({ Key: k, Value: v.attr(k) }));
  const after = keys.map((k) => ({ Key: k, Value: changes[k]! }));
  const args = (xs: { Key: string; Value: string }[]) => xs.map((x) => `Key=${x.Key},Value=${x.Value}`).join(' ');
  return plan(action, v.key, {
    title,
    risk,
    change: { before: before.map((x) => `${x.Key}=${x.Value}`).join('\n'), after: after.map((x) => `${x.Key}=${x.Value}`).join('\n') },
    apply: `aws elbv2 modify-target-group-attributes --target-group-arn ${v.tg.TargetGroupArn} --attributes ${args(after)}`,
    rollback: `aws elbv2 modify-target-group-attributes --target-group-arn ${v.tg.TargetGroupArn} --attributes ${args(before)}`,
    permissions: [ELBV2_WRITE.attributes, 'elasticloadbalancing:DescribeTargetGroupAttributes'],
    ...(v.tg.TargetGroupArn.startsWith('(') ? { advice: true } : {}),
    target: { targetGroupArn: v.tg.TargetGroupArn, attributes: after, rollbackAttributes: before },
  });
}
