import { describe, expect, it } from '@jest/globals';
import { exitCode } from '../../lib/checks/analyze.ts';
import { CAUSES, type Cause } from '../../lib/checks/types.ts';
import { ReportJsonSchema, toJson } from '../../lib/report/json.ts';
import { FIXTURES, analyzeFixture, fixtureNames } from '../support/bundles.ts';

/** The exact set of causes each fixture bundle must produce (empty: healthy). */
const EXPECTED: Record<string, Cause[]> = {
  'aws-alarm-firing': ['backend-removed'],
  'aws-app-cookie-short': ['affinity-ttl-short'],
  'aws-app-cookie-trap': [],
  'aws-cors-http': ['cookie-blocked'],
  'aws-dereg-zero': ['draining-missing'],
  'aws-duration-short': ['affinity-ttl-short'],
  'aws-errors-while-unhealthy': ['backend-removed'],
  'aws-healthy': [],
  'aws-metrics-flap': ['backend-removed'],
  'aws-nlb-source-ip-internal': [],
  'aws-request-skew': ['health-check-flapping'],
  'aws-nlb-source-ip-public': ['ip-affinity-unstable'],
  'aws-stickiness-disabled': ['cookie-not-set'],
  'aws-unhealthy-targets': ['backend-removed'],
  'aws-weighted-no-group-stickiness': ['group-stickiness-missing'],
  'haproxy-balance-source': ['ip-affinity-unstable'],
  'haproxy-cookie-domain': ['cookie-domain-mismatch'],
  'haproxy-cookie-ttl': ['affinity-ttl-short'],
  'haproxy-cookie-values-differ': ['no-shared-session-state'],
  'haproxy-duplicate-cookie-values': ['cookie-not-set'],
  'haproxy-fast-checks': ['health-check-flapping'],
  'haproxy-healthy': [],
  'haproxy-listen-quoted': [],
  'haproxy-no-cookie': ['cookie-not-set'],
  'haproxy-no-forwarded-proto': ['tls-termination-cookie'],
  'haproxy-peers-missing-section': ['no-shared-session-state'],
  'haproxy-peers-shared': [],
  'haproxy-persist-no-redispatch': ['backend-removed'],
  'haproxy-samesite-insecure': ['cookie-blocked'],
  'haproxy-server-cookie-missing': ['cookie-not-set'],
  'haproxy-server-drain': [],
  'haproxy-server-maint': ['backend-removed'],
  'haproxy-shutdown-sessions': ['draining-missing'],
  'haproxy-source-internal': [],
  'haproxy-stick-expire': ['affinity-ttl-short'],
  'haproxy-stick-table-no-peers': ['no-shared-session-state'],
  'haproxy-websocket-backend': ['websocket-not-sticky'],
  'k8s-affinity-balanced-hpa': ['backend-removed'],
  'k8s-canary-legacy': ['group-stickiness-missing'],
  'k8s-canary-sticky': [],
  'k8s-client-ip-behind-ingress': ['ip-affinity-unstable'],
  'k8s-client-ip-cluster-policy': ['ip-affinity-unstable'],
  'k8s-client-ip-timeout': ['affinity-ttl-short'],
  'k8s-configmap-global-hash': [],
  'k8s-cookie-domain': ['cookie-domain-mismatch'],
  'k8s-cookie-max-age-short': ['affinity-ttl-short'],
  'k8s-cross-site-lax': ['cookie-blocked'],
  'k8s-endpoints-terminating': ['backend-removed'],
  'k8s-healthy': [],
  'k8s-ingress-classes': ['no-shared-session-state'],
  'k8s-no-affinity': ['cookie-not-set'],
  'k8s-pod-kills': ['rolling-deploy-termination'],
  'k8s-probes-same': ['health-check-flapping'],
  'k8s-regex-no-cookie-path': ['cookie-path-mismatch'],
  'k8s-rolling-no-prestop': ['rolling-deploy-termination'],
  'k8s-single-replica': [],
  'k8s-split-ingresses': ['cookie-not-set'],
  'k8s-unavailable': ['backend-removed'],
  'k8s-websocket-ingress': ['websocket-not-sticky'],
  'mixed-malformed-haproxy': [],
  'multi-layer-incident': ['affinity-ttl-short', 'draining-missing', 'rolling-deploy-termination'],
  'nginx-hash-not-consistent': ['backend-removed', 'cookie-not-set'],
  'nginx-hash-request-uri': ['cookie-not-set'],
  'nginx-healthy': [],
  'nginx-instances-differ': ['no-shared-session-state'],
  'nginx-map-cookie-key': ['cookie-not-set'],
  'nginx-ip-hash-internal': [],
  'nginx-ip-hash-public': ['ip-affinity-unstable'],
  'nginx-no-forwarded-proto': ['tls-termination-cookie'],
  'nginx-plus-health-fast': ['health-check-flapping'],
  'nginx-plus-sticky-domain': ['cookie-domain-mismatch'],
  'nginx-plus-sticky-expires': ['affinity-ttl-short'],
  'nginx-plus-sticky-learn': ['affinity-ttl-short'],
  'nginx-plus-sticky-path': ['cookie-path-mismatch'],
  'nginx-plus-sticky-samesite': ['cookie-blocked'],
  'nginx-round-robin': ['cookie-not-set'],
  'nginx-server-down': ['backend-removed'],
  'nginx-websocket-upstream': ['websocket-not-sticky'],
  'probe-cookie-domain': ['cookie-domain-mismatch'],
  'probe-cookie-path': ['cookie-path-mismatch'],
  'probe-cookie-ttl': ['affinity-ttl-short'],
  'probe-healthy': [],
  'probe-no-cookie': ['cookie-not-set'],
  'probe-samesite-insecure': ['cookie-blocked'],
  'probe-spread-haproxy': ['cookie-not-set'],
  'probe-websocket': ['websocket-not-sticky'],
};

describe('fixture bundles', () => {
  it('has an expectation for every fixture folder and at least 40 of them', () => {
    // Prepare / Act
    const names = fixtureNames();
    // Assess
    expect(names).toEqual(Object.keys(EXPECTED).sort());
    expect(names.length).toBeGreaterThanOrEqual(40);
  });

  it.each(Object.entries(EXPECTED))('%s yields exactly its causes', async (name, causes) => {
    // Act
    const report = await analyzeFixture(name);
    // Assess
    expect([...new Set(report.findings.map((f) => f.cause))].sort()).toEqual([...causes].sort());
  });

  it.each(Object.keys(EXPECTED))('%s renders JSON that matches the contract schema', async (name) => {
    // Act
    const json = toJson(await analyzeFixture(name));
    // Assess
    const parsed = ReportJsonSchema.safeParse(JSON.parse(JSON.stringify(json)));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    for (const f of json.findings) if (f.remediation) expect(json.remediations.map((r) => r.id)).toContain(f.remediation);
    expect(new Set(json.findings.map((f) => f.id)).size).toBe(json.findings.length);
  });

  it('produces every cause code of CAUSES.md from some fixture', () => {
    // Prepare
    const produced = new Set(Object.values(EXPECTED).flat());
    // Assess
    expect([...CAUSES].filter((c) => !produced.has(c))).toEqual([]);
  });

  it.each(Object.entries(EXPECTED).filter(([n, c]) => c.length === 0 && !n.startsWith('mixed')).map(([n]) => n))('%s exits 0 with no warning or critical finding', async (name) => {
    // Act
    const report = await analyzeFixture(name);
    // Assess
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(exitCode(report)).toBe(0);
  });
});

describe('plans', () => {
  it.each(Object.keys(EXPECTED))('%s: every finding points at a plan of the report', async (name) => {
    // Act
    const report = await analyzeFixture(name);
    // Assess
    const ids = new Set(report.remediations.map((p) => p.id));
    expect(report.findings.filter((f) => !f.remediation || !ids.has(f.remediation)).map((f) => f.id)).toEqual([]);
    expect(report.remediations.every((p) => report.findings.some((f) => f.remediation === p.id))).toBe(true);
  });
});

describe('example incidents (npm start)', () => {
  it.each([
    ['blue-green-alb', ['group-stickiness-missing']],
    ['cart-logouts-kubernetes', ['cookie-not-set']],
    ['checkout-incident', ['affinity-ttl-short', 'draining-missing', 'rolling-deploy-termination']],
    ['healthy-nginx', []],
  ])('examples/%s shows %j', async (name, causes) => {
    // Act
    const { analyze } = await import('../../lib/checks/analyze.ts');
    const { parseBundle } = await import('../../lib/evidence/bundle.ts');
    const { readBundle } = await import('../../lib/evidence/read-bundle.ts');
    const { join } = await import('node:path');
    const report = analyze(parseBundle(await readBundle(join(FIXTURES, '..', '..', 'examples', name))));
    // Assess
    expect([...new Set(report.findings.map((f) => f.cause))].sort()).toEqual(causes);
  });
});
