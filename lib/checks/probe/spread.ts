import { advice } from '../../remediations/advice.ts';
import { cite } from '../../evidence/source.ts';
import { SEVERITY_RANK, type Cause, type Check, type CheckResult } from '../types.ts';
import { backendCounts, showCounts } from '../support/probe.ts';

/** Causes that make requests carrying the cookie land on several backends right away, most direct first. */
const SPREAD_CAUSES: Cause[] = [
  'cookie-not-set', 'cookie-domain-mismatch', 'cookie-path-mismatch', 'cookie-blocked', 'no-shared-session-state',
  'group-stickiness-missing', 'backend-removed',
];

/**
 * Requests that carried the cookie jar still reached several backends: stickiness is broken
 * end to end. When a finding explains it (a config layer's, or the probe's own cookie-attribute
 * findings: a jar refuses a cookie with a foreign Domain just as a browser does) the symptom is
 * folded into that finding; else it is reported as cookie-not-set.
 */
export const probeSpread: Check = {
  id: 'probe.spread',
  layer: 'probe',
  cause: 'cookie-not-set',
  title: 'Requests with the cookie reach several backends',
  run: ({ ev, findings }): CheckResult[] => {
    const f = ev.probe;
    if (!f) return [];
    const jar = f.data.exchanges.filter((x) => x.phase === 'jar');
    const counts = backendCounts(jar);
    if (counts.size < 2) return [];
    const explained = findings
      .filter((x) => x.check !== 'probe.no-cookie' && x.severity !== 'info' && SPREAD_CAUSES.includes(x.cause))
      .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || SPREAD_CAUSES.indexOf(a.cause) - SPREAD_CAUSES.indexOf(b.cause))[0];
    return [{
      key: 'service', resource: f.data.url, severity: 'critical',
      ...(explained ? { cause: explained.cause } : {}),
      summary: `${jar.length} requests with a cookie jar reached ${counts.size} backends (${showCounts(counts)})`,
      evidence: [cite({ file: f.file }, `jar phase backends: ${showCounts(counts)}`)],
      ...(explained
        ? { attributedTo: explained.id, ...(explained.remediation ? { remediationRef: explained.remediation } : {}) }
        : { plan: advice('probe.collect-config', 'service', 'Collect the balancer configuration behind the URL', `requests with the cookie spread: ${showCounts(counts)}`, 'the layer that ignores the cookie identified', 'the cookie is sent but not honoured and no collected layer explains it: add the missing layer to the catalog (a second balancer, another controller) and run the check again') }),
    }];
  },
};
