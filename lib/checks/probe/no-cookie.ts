import { advice } from '../../remediations/advice.ts';
import { cite } from '../../evidence/source.ts';
import { affinityCookieNames, backendCounts, explaining, missingCookieText, seenAffinityCookies, showCounts } from '../support/probe.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * The live service sets no affinity cookie and its responses come from several backends: the
 * symptom of cookie stickiness being off on whatever layer the request crosses. Folded into the
 * configuration finding that explains it, when the bundle holds one.
 */
export const probeNoCookie: Check = {
  id: 'probe.no-cookie',
  layer: 'probe',
  cause: 'cookie-not-set',
  title: 'No affinity cookie on the live service',
  run: ({ ev, service, findings }): CheckResult[] => {
    const f = ev.probe;
    if (!f) return [];
    const xs = f.data.exchanges.filter((x) => x.phase !== 'websocket');
    const names = affinityCookieNames(ev, service);
    if (seenAffinityCookies(xs, names).length > 0) return [];
    const counts = backendCounts(xs);
    if (counts.size < 2) return [];
    const cause = explaining(findings, 'cookie-not-set');
    return [{
      key: 'service', resource: f.data.url, severity: 'critical',
      summary: `${xs.length} requests to ${f.data.url} received no affinity cookie and were answered by ${counts.size} backends (${showCounts(counts)})`,
      evidence: [cite({ file: f.file }, `${missingCookieText(ev, service)}; backends ${showCounts(counts)}`)],
      ...(cause
        ? { attributedTo: cause.id, ...(cause.remediation ? { remediationRef: cause.remediation } : {}) }
        : { plan: advice('probe.enable-affinity', 'service', `Turn on cookie affinity for ${service.name}`, 'no affinity cookie on responses', 'an affinity cookie on the first response, honoured after', 'the bundle holds no balancer configuration that explains it: enable cookie stickiness on the balancer in front of the URL (ALB lb_cookie, HAProxy cookie insert, ingress-nginx affinity: cookie) and check again') }),
    }];
  },
};
