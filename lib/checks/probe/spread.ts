import { advice } from '../../remediations/advice.ts';
import { cite } from '../../evidence/source.ts';
import { SEVERITY_RANK, type Cause, type Check, type CheckResult } from '../types.ts';
import { backendCounts, probeSessions, showCounts, showMove } from '../support/probe.ts';

/** Causes that make requests carrying the cookie land on several backends right away, most direct first. */
const SPREAD_CAUSES: Cause[] = [
  'cookie-not-set', 'cookie-domain-mismatch', 'cookie-path-mismatch', 'cookie-blocked', 'no-shared-session-state',
  'group-stickiness-missing', 'backend-removed',
];

/**
 * A session's requests reached several backends although they carried its cookies (each probe
 * session is judged on its own, its first request included): stickiness is broken end to end. When a finding explains it (a config layer's, or the probe's own cookie-attribute
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
    const sessions = probeSessions(f.data.exchanges).filter((s) => s.http.length > 0);
    const moved = sessions.filter((s) => backendCounts(s.http).size >= 2);
    if (moved.length === 0) return [];
    const jar = moved[0]!.http;
    const counts = backendCounts(jar);
    const legacy = moved[0]!.id === undefined;
    const explained = findings
      .filter((x) => x.check !== 'probe.no-cookie' && x.severity !== 'info' && SPREAD_CAUSES.includes(x.cause))
      .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || SPREAD_CAUSES.indexOf(a.cause) - SPREAD_CAUSES.indexOf(b.cause))[0];
    return [{
      key: 'service', resource: f.data.url, severity: 'critical',
      ...(explained ? { cause: explained.cause } : {}),
      summary: legacy
        ? `${jar.length} requests with a cookie jar reached ${counts.size} backends (${showCounts(counts)})`
        : `${moved.length} of ${sessions.length} sessions reached several backends with their cookies (${moved.slice(0, 3).map((s) => `session ${s.id}: ${showMove(s)}`).join('; ')}${moved.length > 3 ? '; …' : ''})`,
      evidence: [cite({ file: f.file }, legacy ? `jar phase backends: ${showCounts(counts)}` : `session ${moved[0]!.id}: ${showMove(moved[0]!)}`)],
      ...(explained
        ? { attributedTo: explained.id, ...(explained.remediation ? { remediationRef: explained.remediation } : {}) }
        : { plan: advice('probe.collect-config', 'service', 'Collect the balancer configuration behind the URL', `requests with the cookie spread: ${showCounts(counts)}`, 'the layer that ignores the cookie identified', 'the cookie is sent but not honoured and no collected layer explains it: add the missing layer to the catalog (a second balancer, another controller) and run the check again') }),
    }];
  },
};
