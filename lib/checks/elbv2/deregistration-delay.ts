import { setDeregistrationDelay } from '../../remediations/elbv2/set-deregistration-delay.ts';
import { targetGroups } from '../support/aws.ts';
import type { Check, CheckResult } from '../types.ts';

/** `deregistration_delay.timeout_seconds` 0: a target leaving the group drops its connections at once. */
export const elbv2DeregistrationDelay: Check = {
  id: 'elbv2.deregistration-delay',
  layer: 'aws',
  cause: 'draining-missing',
  title: 'No connection draining',
  run: ({ ev }) =>
    targetGroups(ev).flatMap((v): CheckResult[] => {
      if (!v.attributes || v.attr('deregistration_delay.timeout_seconds') !== '0') return [];
      return [{
        key: v.key, resource: v.resource, severity: 'warning',
        summary: `deregistration delay is 0: deploys and scale-in cut in-flight requests and sessions at once`,
        evidence: [v.cite('deregistration_delay.timeout_seconds'), ...(v.owner ? [v.owner.evidence] : [])],
        plan: setDeregistrationDelay(v),
      }];
    }),
};
