import { ALB_ANNOTATION, albAnnotation, formatStringMap, parseStringMap, type AlbAction } from '../../checks/support/alb-annotations.ts';
import type { AlbForwardAction, AlbTargetGroup } from '../../checks/support/alb.ts';
import type { KubeObject } from '../../evidence/kubernetes.ts';
import { idPart } from '../../checks/types.ts';
import { objectLabel } from '../../checks/support/kubernetes.ts';
import { humanSeconds } from '../../evidence/duration.ts';
import type { Plan } from '../types.ts';
import { annotationsPlan } from './patch.ts';

/**
 * Which object a target-group fix patches, and what its annotations become. The attributes go
 * where they are read from (the Service's `target-group-attributes` overrides the Ingress's);
 * switching to `target-type: ip` goes on a Service that sets `target-type` itself, since the
 * Service's annotation wins, and then the attributes move there too (whole, so none is lost).
 */
function targetGroupPatch(tgs: AlbTargetGroup[], changes: Record<string, string>, ip: boolean): { obj: KubeObject; wanted: Record<string, string | null> } {
  const first = tgs[0]!;
  const typeOnService = ip ? tgs.find((t) => t.targetType === 'instance' && t.targetTypeHolder.kind === 'Service')?.targetTypeHolder : undefined;
  const obj = typeOnService ?? first.attributesHolder;
  const attrs = new Map(first.attributes);
  for (const [k, v] of Object.entries(changes)) attrs.set(k, v);
  const wanted: Record<string, string | null> = { [`${ALB_ANNOTATION}target-group-attributes`]: formatStringMap(attrs) };
  if (ip) wanted[`${ALB_ANNOTATION}target-type`] = 'ip';
  return { obj, wanted };
}

/** What a change of target group attributes does, in words (the plan's title is derived from the change alone, so every rule proposing it proposes the same plan). */
function describe(changes: Record<string, string>, ip: boolean): string {
  const parts: string[] = [];
  if (ip) parts.push('send ALB traffic straight to pods (target-type ip, which replaces the target group and needs the Amazon VPC CNI)');
  if (changes['stickiness.enabled'] === 'true') {
    const d = changes['stickiness.lb_cookie.duration_seconds'];
    parts.push(`enable ALB cookie stickiness (AWSALB${d ? `, ${humanSeconds(Number(d))}` : ''})`);
  } else {
    for (const [k, v] of Object.entries(changes)) {
      if (/duration_seconds$/.test(k) && k.startsWith('stickiness.')) parts.push(`raise the ALB stickiness duration to ${humanSeconds(Number(v))}`);
      else if (k === 'deregistration_delay.timeout_seconds') parts.push(`drain leaving targets for ${v} s`);
      else parts.push(`set ${k}=${v}`);
    }
  }
  const text = parts.join(' and ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The marker apply uses to wait until the AWS Load Balancer Controller has applied an annotation to the ALB. */
export const ALB_CONTROLLER_RECONCILES = 'AWS Load Balancer Controller';

/**
 * Changes the ALB target group attributes of one or more target groups that read them from the
 * same object, through the AWS Load Balancer Controller's `target-group-attributes` annotation
 * (a merge patch; the controller applies it to the ALB, and would revert the same change made
 * through the ELB API). With `ip`, also `target-type: ip`, which makes the controller replace
 * the target group (pods become its targets): high risk, and it needs pod IPs routable in the
 * VPC (the Amazon VPC CNI).
 */
export function setTargetGroupAttributes(tgs: AlbTargetGroup[], changes: Record<string, string>, o: { ip?: boolean } = {}): Plan {
  const ip = o.ip ?? false;
  const { obj, wanted } = targetGroupPatch(tgs, changes, ip);
  return annotationsPlan('kubernetes.set-alb-annotations', idPart(obj.name), obj, wanted, {
    title: `${describe(changes, ip)} on ${objectLabel(obj)} through its alb.ingress.kubernetes.io annotations (the AWS Load Balancer Controller owns the ALB and would undo a direct ELB change)`,
    risk: ip ? 'high' : 'low',
    reconciledBy: ALB_CONTROLLER_RECONCILES,
  });
}

/**
 * Turns on target group stickiness of a weighted forward action (`actions.<name>`,
 * `forwardConfig.targetGroupStickinessConfig`), keeping the rest of the action as written.
 * `memberChanges` also sets attributes on member target groups that read them from the same
 * Ingress (switching `app_cookie` members to `lb_cookie`, which weighted forwards need).
 */
export function enableAlbGroupStickiness(a: AlbForwardAction, ing: KubeObject, durationSeconds: number, title: string, memberChanges?: { tgs: AlbTargetGroup[]; changes: Record<string, string> }): Plan {
  const action: AlbAction = structuredClone(a.action);
  action.forwardConfig = { ...action.forwardConfig, targetGroupStickinessConfig: { enabled: true, durationSeconds } };
  const wanted: Record<string, string | null> = { [`${ALB_ANNOTATION}actions.${a.name}`]: JSON.stringify(action) };
  if (memberChanges && memberChanges.tgs.length > 0) {
    const attrs = parseStringMap(albAnnotation(ing, 'target-group-attributes'));
    for (const [k, v] of Object.entries(memberChanges.changes)) attrs.set(k, v);
    wanted[`${ALB_ANNOTATION}target-group-attributes`] = formatStringMap(attrs);
  }
  return annotationsPlan('kubernetes.set-alb-annotations', idPart(ing.name), ing, wanted, { title, risk: 'low', reconciledBy: ALB_CONTROLLER_RECONCILES });
}
