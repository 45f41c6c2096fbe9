import { humanSeconds } from '../../evidence/duration.ts';
import { raiseCookieDuration } from '../../remediations/elbv2/raise-cookie-duration.ts';
import { targetGroups } from '../support/aws.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * The duration of the stickiness type in use (`lb_cookie` or `app_cookie`) shorter than the
 * session. The other type's duration is irrelevant and not judged.
 */
export const elbv2CookieDuration: Check = {
  id: 'elbv2.cookie-duration',
  layer: 'aws',
  cause: 'affinity-ttl-short',
  title: 'Stickiness duration shorter than the session',
  run: ({ ev, service }) =>
    targetGroups(ev).flatMap((v): CheckResult[] => {
      if (!v.attributes || v.attr('stickiness.enabled') !== 'true') return [];
      const type = v.attr('stickiness.type');
      if (type !== 'lb_cookie' && type !== 'app_cookie') return [];
      const key = `stickiness.${type}.duration_seconds`;
      const d = Number(v.attr(key));
      if (!(d < service.sessionTimeoutSeconds)) return [];
      return [{
        key: v.key, resource: v.resource, severity: 'critical',
        summary: `${type === 'lb_cookie' ? 'AWSALB' : `app cookie ${v.attr('stickiness.app_cookie.cookie_name')}`} stickiness on ${v.name} lasts ${humanSeconds(d)}; sessions last ${humanSeconds(service.sessionTimeoutSeconds)}`,
        evidence: [v.cite('stickiness.type'), v.cite(key), ...(v.owner ? [v.owner.evidence] : [])],
        plan: raiseCookieDuration(v, key, service.sessionTimeoutSeconds),
      }];
    }),
};
