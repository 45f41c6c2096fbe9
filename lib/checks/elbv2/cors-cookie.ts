import { cite, lineOf } from '../../evidence/source.ts';
import { advice } from '../../remediations/advice.ts';
import { targetGroups } from '../support/aws.ts';
import { isLoopback } from '../support/cookies.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A cross-site app on ALB cookie stickiness without HTTPS: cross-site requests only carry
 * AWSALBCORS, which is `SameSite=None; Secure` and therefore refused over plain HTTP.
 */
export const elbv2CorsCookie: Check = {
  id: 'elbv2.cors-cookie',
  layer: 'aws',
  cause: 'cookie-blocked',
  title: 'Cross-site stickiness cookie needs HTTPS',
  run: ({ ev, service }) => {
    if (!service.crossSite || service.hosts.every(isLoopback)) return [];
    const listeners = ev.aws.listeners?.data.Listeners ?? [];
    const httpsListener = listeners.some((l) => l.Protocol === 'HTTPS');
    if (service.tls && (httpsListener || listeners.length === 0)) return [];
    return targetGroups(ev).flatMap((v): CheckResult[] => {
      if (v.network || v.attr('stickiness.enabled') !== 'true' || v.attr('stickiness.type') !== 'lb_cookie') return [];
      const lf = ev.aws.listeners;
      const line = lf ? lineOf(lf.text, '"Protocol"') : undefined;
      return [{
        key: v.key, resource: v.resource, severity: 'critical',
        summary: `the app is used cross-site but is served over plain HTTP: AWSALBCORS (SameSite=None; Secure) is refused, so cross-site requests of ${v.name} are not sticky`,
        evidence: [v.cite('stickiness.type'), ...(lf ? [cite({ file: lf.file, ...(line !== undefined ? { line } : {}) }, `listeners: ${listeners.map((l) => `${l.Protocol}:${l.Port}`).join(', ')}`)] : [])],
        plan: advice('elbv2.add-https-listener', v.key, 'Serve the app over HTTPS', 'HTTP listener only', 'HTTPS listener with an ACM certificate; HTTP redirects to HTTPS', 'add an HTTPS listener (aws elbv2 create-listener --protocol HTTPS ...) and redirect HTTP to it'),
      }];
    });
  },
};
