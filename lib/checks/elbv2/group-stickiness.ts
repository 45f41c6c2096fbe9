import type { Action } from '../../evidence/aws.ts';
import { humanSeconds } from '../../evidence/duration.ts';
import { cite, lineOf } from '../../evidence/source.ts';
import { enableGroupStickiness } from '../../remediations/elbv2/enable-group-stickiness.ts';
import { advice } from '../../remediations/advice.ts';
import { cookieDuration } from '../../remediations/elbv2/enable-stickiness.ts';
import type { Plan } from '../../remediations/types.ts';
import { albGroupStickinessPlan } from '../kubernetes/alb-group-stickiness.ts';
import { albRoutes } from '../support/alb.ts';
import { targetGroups } from '../support/aws.ts';
import { controllerOwner, type ControllerOwner } from '../support/controller.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * A listener (or rule) forwarding to several weighted target groups without target-group
 * stickiness while one of them is sticky: each request may pick another group, whose targets
 * do not know the session. Group stickiness shorter than the session is reported too.
 * `app_cookie` stickiness does not work with weighted target groups at all. When the AWS Load
 * Balancer Controller owns the load balancer the fix goes to the Ingress's action annotation.
 */
export const elbv2GroupStickiness: Check = {
  id: 'elbv2.group-stickiness',
  layer: 'aws',
  cause: 'group-stickiness-missing',
  title: 'Weighted forward without group stickiness',
  run: ({ ev, service }) => {
    const views = new Map(targetGroups(ev).map((v) => [v.tg.TargetGroupArn, v]));
    const out: CheckResult[] = [];
    const judge = (actions: Action[], where: { listenerArn?: string; ruleArn?: string }, file: string, text: string, label: string, lbArn: string | undefined) => {
      const owner = lbArn ? controllerOwner(ev, lbArn) : undefined;
      for (const a of actions) {
        const groups = a.ForwardConfig?.TargetGroups ?? [];
        if (a.Type !== 'forward' || groups.length < 2) continue;
        const members = groups.map((g) => views.get(g.TargetGroupArn));
        const sticky = members.filter((m) => m && m.attr('stickiness.enabled') === 'true');
        const arn = where.ruleArn ?? where.listenerArn ?? '';
        const line = lineOf(text, arn) ?? lineOf(text, 'TargetGroupStickinessConfig');
        const ev1 = cite({ file, ...(line !== undefined ? { line } : {}) }, `${label}: forward to ${groups.length} target groups, TargetGroupStickinessConfig=${JSON.stringify(a.ForwardConfig?.TargetGroupStickinessConfig ?? { Enabled: false })}`);
        const key = idPart(`${where.ruleArn ? 'rule' : 'listener'}-${arn.split('/').pop() ?? label}`);
        const appCookie = sticky.filter((m) => m!.attr('stickiness.type') === 'app_cookie').map((m) => m!.name);
        const cfg = a.ForwardConfig?.TargetGroupStickinessConfig;
        if (sticky.length > 0 && !cfg?.Enabled) {
          out.push({
            key, resource: label, severity: 'critical',
            summary: `forwards to ${groups.length} weighted target groups without group stickiness: a client sticky to a target in one group is sent to another group${appCookie.length ? `; app_cookie stickiness on ${appCookie.join(', ')} does not work with weighted target groups` : ''}`,
            evidence: [ev1, ...sticky.map((m) => m!.cite('stickiness.enabled')), ...(owner ? [owner.evidence] : [])],
            plan: fix(key, where, actions, a, owner),
          });
        } else if (cfg?.Enabled && (cfg.DurationSeconds ?? 3600) < service.sessionTimeoutSeconds) {
          out.push({
            key, resource: label, severity: 'critical', cause: 'affinity-ttl-short',
            summary: `group stickiness lasts ${humanSeconds(cfg.DurationSeconds ?? 3600)}; sessions last ${humanSeconds(service.sessionTimeoutSeconds)}`,
            evidence: [ev1],
            plan: fix(key, where, actions, a, owner),
          });
        }
      }
    };
    /**
     * The fix: ModifyListener/ModifyRule, or, when the AWS Load Balancer Controller owns the load
     * balancer, the Ingress's `actions.<name>` annotation (found through the member target
     * groups' tags when the bundle holds the Ingress), else advice naming it.
     */
    const fix = (key: string, where: { listenerArn?: string; ruleArn?: string }, actions: Action[], a: Action, owner: ControllerOwner | undefined): Plan => {
      if (!owner) return enableGroupStickiness(key, where, actions, service.sessionTimeoutSeconds);
      const members = (a.ForwardConfig?.TargetGroups ?? []).map((g) => views.get(g.TargetGroupArn)?.owner?.albTarget);
      const route = albRoutes(ev.kubernetes, service).find((r) => r.action && members.every((m) => m && m.ingress === r.route.ingress && r.action!.targetGroups.some((t) => t.serviceName === m.serviceName)));
      if (route) return albGroupStickinessPlan(route, service.sessionTimeoutSeconds);
      return advice('elbv2.controller-annotation', key, `Enable targetGroupStickinessConfig in the weighted action annotation of ${owner.describe}`, `${where.ruleArn ?? where.listenerArn}: TargetGroupStickinessConfig=${JSON.stringify(a.ForwardConfig?.TargetGroupStickinessConfig ?? { Enabled: false })}`,
        `alb.ingress.kubernetes.io/actions.<name>: forwardConfig.targetGroupStickinessConfig {"enabled":true,"durationSeconds":${cookieDuration(service.sessionTimeoutSeconds)}}`,
        `the AWS Load Balancer Controller (cluster ${owner.cluster}) owns this load balancer and makes its rules from ${owner.describe}: a ModifyListener or ModifyRule would be reverted on its next sync. Set targetGroupStickinessConfig in the alb.ingress.kubernetes.io/actions.<name> annotation that forwards to these target groups; the bundle does not hold that Ingress, so Sticky cannot patch it`);
    };
    const lf = ev.aws.listeners;
    const lbOf = new Map((lf?.data.Listeners ?? []).map((l) => [l.ListenerArn.split('/').pop()!, l.LoadBalancerArn]));
    for (const l of lf?.data.Listeners ?? []) judge(l.DefaultActions, { listenerArn: l.ListenerArn }, lf!.file, lf!.text, `listener ${l.Protocol ?? ''}:${l.Port ?? ''} default action`.replace('listener : ', 'listener '), l.LoadBalancerArn);
    for (const [id, rf] of ev.aws.rules) {
      for (const r of rf.data.Rules) if (!r.IsDefault) judge(r.Actions, { ruleArn: r.RuleArn }, rf.file, rf.text, `listener ${id} rule ${r.Priority ?? ''}`.trim(), lbOf.get(id) ?? r.RuleArn.replace(':listener-rule/', ':loadbalancer/').split('/').slice(0, 4).join('/'));
    }
    return out;
  },
};
