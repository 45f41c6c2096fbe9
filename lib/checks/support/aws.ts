import { memo1 } from './memo.ts';
import type { Evidence, JsonFile } from '../../evidence/bundle.ts';
import type { TargetGroup, TargetHealthDescription } from '../../evidence/aws.ts';
import { cite, lineOf } from '../../evidence/source.ts';
import { idPart } from '../types.ts';
import { controllerOwner, type ControllerOwner } from './controller.ts';

export { ATTRIBUTE_DEFAULTS } from './elb-defaults.ts';
import { ATTRIBUTE_DEFAULTS } from './elb-defaults.ts';

/** A target group with everything the bundle holds about it. */
export interface TargetGroupView {
  tg: TargetGroup;
  name: string;
  key: string;
  resource: string;
  network: boolean;
  attributes: Map<string, string> | undefined;
  attributesFile: JsonFile<unknown> | undefined;
  health: TargetHealthDescription[] | undefined;
  healthFile: JsonFile<unknown> | undefined;
  attr(key: string): string;
  /** Evidence string for one attribute: file, line and `key=value`. */
  cite(key: string): string;
  /** The AWS Load Balancer Controller, when it owns the target group (aws/describe-tags.json): fixes go to its annotations. */
  owner: ControllerOwner | undefined;
}

/**
 * Joins describe-target-groups with the per-target-group attribute and health files. A target
 * group whose attributes were collected but which is missing from describe-target-groups still
 * appears (by name), so a partial bundle is still analyzed.
 */
export const targetGroups = memo1((ev: Evidence): TargetGroupView[] => {
  const listed = ev.aws.targetGroups?.data.TargetGroups ?? [];
  const names = new Set([...listed.map((t) => t.TargetGroupName), ...ev.aws.attributes.keys()]);
  const lbType = new Map((ev.aws.loadBalancers?.data.LoadBalancers ?? []).map((l) => [l.LoadBalancerArn, l.Type]));
  const byName = new Map(listed.map((t) => [t.TargetGroupName, t]));
  return [...names].map((name) => {
    const tg = byName.get(name) ?? { TargetGroupArn: `(unknown ARN of ${name})`, TargetGroupName: name };
    const af = ev.aws.attributes.get(name);
    const hf = ev.aws.health.get(name);
    const attributes = af ? new Map(af.data.Attributes.map((a) => [a.Key, a.Value])) : undefined;
    const network = ['TCP', 'UDP', 'TLS', 'TCP_UDP', 'QUIC', 'TCP_QUIC'].includes(tg.Protocol ?? '') || (tg.LoadBalancerArns ?? []).some((a) => lbType.get(a) === 'network');
    const attr = (k: string) => attributes?.get(k) ?? (k === 'stickiness.type' ? (network ? 'source_ip' : 'lb_cookie') : (ATTRIBUTE_DEFAULTS[k] ?? ''));
    return {
      tg, name, key: idPart(name), resource: `target group ${name}`, network, attributes, attributesFile: af, health: hf?.data.TargetHealthDescriptions, healthFile: hf,
      attr, owner: controllerOwner(ev, tg.TargetGroupArn),
      cite: (k: string) => {
        const present = attributes?.has(k);
        const file = af?.file ?? `aws/target-group-attributes/${name}.json`;
        const line = af && present ? lineOf(af.text, `"${k}"`) : undefined;
        return cite({ file, ...(line !== undefined ? { line } : {}) }, `${k}=${attr(k)}${present ? '' : ' (absent: default)'}`);
      },
    };
  });
});

/** How many targets the group has, or undefined when target health was not collected. */
export function targetCount(v: TargetGroupView): number | undefined {
  return v.health?.length;
}
