import { cite } from '../../evidence/source.ts';
import { SEVERITY_RANK, type Cause, type Check, type CheckResult } from '../types.ts';
import { backendCounts, showCounts } from '../support/probe.ts';

const STICKY_CAUSES: Cause[] = [
  'cookie-not-set', 'no-shared-session-state', 'backend-removed', 'cookie-domain-mismatch', 'cookie-path-mismatch',
  'cookie-blocked', 'group-stickiness-missing', 'ip-affinity-unstable', 'affinity-ttl-short',
];

/**
 * Requests that carried the cookie jar still reached several backends: stickiness is broken
 * end to end. The cause is taken from the configuration layer that explains it when one does
 * (the worst config finding with a stickiness cause), else reported as cookie-not-set.
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
      .filter((x) => x.layer !== 'probe' && x.severity !== 'info' && STICKY_CAUSES.includes(x.cause))
      .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || STICKY_CAUSES.indexOf(a.cause) - STICKY_CAUSES.indexOf(b.cause))[0];
    return [{
      key: 'service', resource: f.data.url, severity: 'critical',
      ...(explained ? { cause: explained.cause } : {}),
      summary: `${jar.length} requests with a cookie jar reached ${counts.size} backends (${showCounts(counts)})${explained ? `: explained by ${explained.resource} (${explained.cause})` : ''}`,
      evidence: [cite({ file: f.file }, `jar phase backends: ${showCounts(counts)}`), ...(explained ? [explained.evidence[0]!] : [])],
      ...(explained?.remediation ? { remediationRef: explained.remediation } : {}),
    }];
  },
};
