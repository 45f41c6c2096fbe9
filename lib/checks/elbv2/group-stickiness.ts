import type { Action } from '../../evidence/aws.ts';
import { humanSeconds } from '../../evidence/duration.ts';
import { cite, lineOf } from '../../evidence/source.ts';
import { enableGroupStickiness } from '../../remediations/elbv2/enable-group-stickiness.ts';
import { targetGroups } from '../support/aws.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * A listener (or rule) forwarding to several weighted target groups without target-group
 * stickiness while one of them is sticky: each request may pick another group, whose targets
 * do not know the session. Group stickiness shorter than the session is reported too.
 * `app_cookie` stickiness does not work with weighted target groups at all.
 */
export const elbv2GroupStickiness: Check = {
  id: 'elbv2.group-stickiness',
  layer: 'aws',
  cause: 'group-stickiness-missing',
  title: 'Weighted forward without group stickiness',
  run: ({ ev, service }) => {
    const views = new Map(targetGroups(ev).map((v) => [v.tg.TargetGroupArn, v]));
    const out: CheckResult[] = [];
    const judge = (actions: Action[], where: { listenerArn?: string; ruleArn?: string }, file: string, text: string, label: string) => {
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
            evidence: [ev1, ...sticky.map((m) => m!.cite('stickiness.enabled'))],
            plan: enableGroupStickiness(key, where, actions, service.sessionTimeoutSeconds),
          });
        } else if (cfg?.Enabled && (cfg.DurationSeconds ?? 3600) < service.sessionTimeoutSeconds) {
          out.push({
            key, resource: label, severity: 'critical', cause: 'affinity-ttl-short',
            summary: `group stickiness lasts ${humanSeconds(cfg.DurationSeconds ?? 3600)}; sessions last ${humanSeconds(service.sessionTimeoutSeconds)}`,
            evidence: [ev1],
            plan: enableGroupStickiness(key, where, actions, service.sessionTimeoutSeconds),
          });
        }
      }
    };
    const lf = ev.aws.listeners;
    for (const l of lf?.data.Listeners ?? []) judge(l.DefaultActions, { listenerArn: l.ListenerArn }, lf!.file, lf!.text, `listener ${l.Protocol ?? ''}:${l.Port ?? ''} default action`.replace('listener : ', 'listener '));
    for (const [id, rf] of ev.aws.rules) {
      for (const r of rf.data.Rules) if (!r.IsDefault) judge(r.Actions, { ruleArn: r.RuleArn }, rf.file, rf.text, `listener ${id} rule ${r.Priority ?? ''}`.trim());
    }
    return out;
  },
};
