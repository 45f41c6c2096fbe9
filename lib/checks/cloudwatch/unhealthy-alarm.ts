import { cite, lineOf } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/** An `UnHealthyHostCount` alarm in ALARM state: targets are out of the pool now. */
export const cloudwatchUnhealthyAlarm: Check = {
  id: 'cloudwatch.unhealthy-alarm',
  layer: 'aws',
  cause: 'backend-removed',
  title: 'Unhealthy-host alarm is firing',
  run: ({ ev }) => {
    const f = ev.aws.alarms;
    if (!f) return [];
    return f.data.MetricAlarms.filter((a) => a.StateValue === 'ALARM' && a.MetricName === 'UnHealthyHostCount').map((a): CheckResult => {
      const tg = a.Dimensions.find((d) => d.Name === 'TargetGroup')?.Value;
      const line = lineOf(f.text, `"${a.AlarmName}"`);
      return {
        key: idPart(a.AlarmName), resource: `alarm ${a.AlarmName}`, severity: 'critical',
        summary: `alarm ${a.AlarmName} is in ALARM${tg ? ` for ${tg.split('/')[1] ?? tg}` : ''} since ${a.StateUpdatedTimestamp ?? 'an unknown time'}: unhealthy targets lose their sticky clients`,
        evidence: [cite({ file: f.file, ...(line !== undefined ? { line } : {}) }, `${a.AlarmName} StateValue=ALARM${a.StateReason ? ` (${a.StateReason.slice(0, 100)})` : ''}`)],
        plan: advice('cloudwatch.restore-targets', idPart(a.AlarmName), `Bring the unhealthy targets${tg ? ` of ${tg.split('/')[1] ?? tg}` : ''} back`, `${a.MetricName} in ALARM`, 'every target healthy, the alarm OK', 'read each target\'s health-check reason (aws elbv2 describe-target-health), fix or replace the instance; if checks fail on load, slow them down before they flap again'),
      };
    });
  },
};
