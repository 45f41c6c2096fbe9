import type { TargetGroupView } from '../../checks/support/aws.ts';
import { formatStringMap, parseStringMap } from '../../checks/support/alb-annotations.ts';
import { SERVICE_TG_ATTRIBUTES, type ControllerOwner } from '../../checks/support/controller.ts';
import { objectLabel } from '../../checks/support/kubernetes.ts';
import { advice } from '../advice.ts';
import { ALB_CONTROLLER_RECONCILES, setTargetGroupAttributes } from '../kubernetes/set-alb-annotations.ts';
import { annotationsPlan } from '../kubernetes/patch.ts';
import { idPart } from '../../checks/types.ts';
import type { Plan } from '../types.ts';

const pairs = (changes: Record<string, string>) => Object.entries(changes).map(([k, v]) => `${k}=${v}`).join(',');

/** Why the ELB API is the wrong place for a fix of a target group the controller owns. */
function why(v: TargetGroupView, o: ControllerOwner): string {
  return `the AWS Load Balancer Controller (cluster ${o.cluster}) owns ${v.name} and reconciles it from ${o.describe}: a ModifyTargetGroupAttributes would be reverted on its next sync, so the change goes to the annotation`;
}

/**
 * The fix of a target group's attributes when the AWS Load Balancer Controller owns it: a patch of
 * the Ingress's (or Service's) annotation when the bundle holds that object, else advice naming
 * the object and the annotation. Never ModifyTargetGroupAttributes. When the annotation already
 * asks for the change, the controller has not applied it, and that is what a person must look at.
 */
export function controllerOwnedPlan(action: string, v: TargetGroupView, o: ControllerOwner, changes: Record<string, string>): Plan {
  const tg = o.albTarget;
  if (tg) {
    const ip = tg.targetType === 'instance' && changes['stickiness.enabled'] === 'true';
    if (!ip && Object.entries(changes).every(([k, val]) => tg.attr(k) === val)) {
      return advice('elbv2.controller-sync', v.key, `Find why the AWS Load Balancer Controller has not applied ${objectLabel(tg.attributesHolder)}'s target-group-attributes to ${v.name}`,
        Object.keys(changes).map((k) => `${v.name}: ${k}=${v.attr(k)}`).join('\n'), `${objectLabel(tg.attributesHolder)}: ${pairs(changes)} (already set)`,
        `the annotation already asks for ${pairs(changes)}; read the Ingress's events (kubectl describe ingress ${tg.ingress.name}${tg.ingress.namespace ? ` -n ${tg.ingress.namespace}` : ''}) and the controller's logs for the reason it was not applied (an attribute the ALB refuses, a missing IAM permission)`);
    }
    return setTargetGroupAttributes([tg], changes, { ip });
  }
  if (o.service) {
    const svc = o.service;
    const attrs = parseStringMap(svc.raw.metadata.annotations?.[SERVICE_TG_ATTRIBUTES]);
    for (const [k, val] of Object.entries(changes)) attrs.set(k, val);
    return annotationsPlan('kubernetes.set-service-lb-annotations', idPart(svc.name), svc, { [SERVICE_TG_ATTRIBUTES]: formatStringMap(attrs) }, {
      title: `Set ${pairs(changes)} on ${objectLabel(svc)}'s ${SERVICE_TG_ATTRIBUTES} (${why(v, o)})`, risk: 'low', reconciledBy: ALB_CONTROLLER_RECONCILES,
    });
  }
  const annotation = o.kind === 'ingress' ? 'alb.ingress.kubernetes.io/target-group-attributes' : SERVICE_TG_ATTRIBUTES;
  return advice(`elbv2.controller-annotation`, v.key, `Set ${pairs(changes)} in ${annotation} of ${o.describe}`,
    Object.keys(changes).map((k) => `${v.name}: ${k}=${v.attr(k)}`).join('\n'), `${o.describe}: ${annotation} with ${pairs(changes)}`,
    `${why(v, o)}. Add or replace those keys in ${annotation} of ${o.describe}${o.kind === 'ingress' ? ' (or of the Service, whose annotation overrides the Ingress\'s)' : ''}, keeping its other attributes; the bundle does not hold that object, so Sticky cannot patch it (${action} is not offered)`);
}
