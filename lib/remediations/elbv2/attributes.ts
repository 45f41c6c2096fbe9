import type { TargetGroupView } from '../../checks/support/aws.ts';
import { plan, type Plan, type Risk } from '../types.ts';
import { controllerOwnedPlan } from './controller-owned.ts';
import { ELBV2_WRITE } from './permissions.ts';

/** Quotes a word for a POSIX shell, so a printed command can be pasted as it is. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A JSON value as one shell word, for AWS CLI options that take JSON (`--default-actions '[...]'`). */
export function jsonArg(value: unknown): string {
  return shellQuote(JSON.stringify(value));
}

/**
 * The `--target-group-arn` argument of a command: the ARN when the evidence holds it, else a
 * command substitution that looks it up by name, so the printed command is still pasteable and
 * says plainly where the ARN comes from.
 */
export function targetGroupArnArg(v: TargetGroupView): string {
  if (!v.tg.TargetGroupArn.startsWith('(')) return v.tg.TargetGroupArn;
  return `"$(aws elbv2 describe-target-groups --names ${shellQuote(v.name)} --query 'TargetGroups[0].TargetGroupArn' --output text)"`;
}

/**
 * A plan that sets target group attributes with ModifyTargetGroupAttributes. `before` is read
 * from the collected attributes; the apply re-reads them and refuses on drift; rollback writes
 * the before values back. Without the target group's ARN (describe-target-groups not collected)
 * the plan can only be advice, and its commands look the ARN up by name. A target group the AWS
 * Load Balancer Controller owns is changed through its Kubernetes annotation instead (see
 * {@link controllerOwnedPlan}).
 */
export function attributesPlan(action: string, v: TargetGroupView, title: string, risk: Risk, changes: Record<string, string>): Plan {
  if (v.owner) return controllerOwnedPlan(action, v, v.owner, changes);
  const keys = Object.keys(changes);
  const before = keys.map((k) => ({ Key: k, Value: v.attr(k) }));
  const after = keys.map((k) => ({ Key: k, Value: changes[k]! }));
  const args = (xs: { Key: string; Value: string }[]) => xs.map((x) => shellQuote(`Key=${x.Key},Value=${x.Value}`)).join(' ');
  const unknown = v.tg.TargetGroupArn.startsWith('(');
  const note = unknown ? `  # the evidence has no ARN for ${v.name} (describe-target-groups was not collected): the command looks it up by name` : '';
  return plan(action, v.key, {
    title,
    risk,
    change: { before: before.map((x) => `${x.Key}=${x.Value}`).join('\n'), after: after.map((x) => `${x.Key}=${x.Value}`).join('\n') },
    apply: `aws elbv2 modify-target-group-attributes --target-group-arn ${targetGroupArnArg(v)} --attributes ${args(after)}${note}`,
    rollback: `aws elbv2 modify-target-group-attributes --target-group-arn ${targetGroupArnArg(v)} --attributes ${args(before)}`,
    permissions: [ELBV2_WRITE.attributes, 'elasticloadbalancing:DescribeTargetGroupAttributes'],
    ...(unknown ? { advice: true } : {}),
    target: { targetGroupArn: v.tg.TargetGroupArn, attributes: after, rollbackAttributes: before },
  });
}
