import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { analyze, type Report } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { collect } from '../../lib/providers/collect.ts';
import { alive, listScenarios, startLab, type Lab } from '../../infra/lab/lab.ts';

jest.setTimeout(30_000);
/** Checks per scenario: the same live state must give the same verdict every time. */
const STABILITY_RUNS = 20;
const scenarios = await listScenarios();
let lab: Lab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

describe('live check against the lab', () => {
  it('has a healthy scenario per load balancer and a faulty one per cause they can show', () => {
    // Assess
    expect(scenarios.filter((s) => s.expect.length === 0).map((s) => s.name)).toEqual(['haproxy-healthy', 'mixed-healthy', 'nginx-healthy']);
    expect([...new Set(scenarios.flatMap((s) => s.expect))].sort()).toEqual([
      'affinity-ttl-short', 'backend-removed', 'cookie-blocked', 'cookie-domain-mismatch', 'cookie-not-set', 'draining-missing',
      'health-check-flapping', 'ip-affinity-unstable', 'no-shared-session-state', 'tls-termination-cookie', 'websocket-not-sticky',
    ]);
  });

  it.each(scenarios.map((s) => [s.name, s.expect] as const))('%s: detects exactly %j, with the same findings and severities in 20 checks', async (name, causes) => {
    // Prepare
    lab = await startLab(name);
    // Act
    const runs = [];
    for (let i = 0; i < STABILITY_RUNS; i++) {
      const raw = await collect(lab.service, { timeoutMs: 5000 });
      runs.push({ raw, report: analyze(parseBundle(raw)) });
    }
    // Assess
    const { raw, report } = runs[0]!;
    expect([report.incomplete, report.notCheckedReasons]).toEqual([[], {
      aws: 'not part of this service', kubernetes: 'not part of this service',
      ...(lab.scenario.haproxy.length ? {} : { haproxy: 'not part of this service' }), ...(lab.scenario.nginx.length ? {} : { nginx: 'not part of this service' }),
    }]);
    expect([...new Set(report.findings.map((f) => f.cause))].sort()).toEqual([...causes].sort());
    expect(raw.files.get('probe/exchanges.json')).not.toMatch(/sid=|"value": "(?!<redacted>)/);
    const verdict = (r: Report) => [r.verdict, ...r.findings.map((f) => `${f.id} ${f.cause} ${f.severity}`)];
    expect(runs.map((r) => verdict(r.report))).toEqual(runs.map(() => verdict(report)));
  });

  it('stops every process it started, by pid', async () => {
    // Prepare
    const started = await startLab('haproxy-two-instances');
    expect(started.pids).toHaveLength(2);
    expect(started.pids.every(alive)).toBe(true);
    // Act
    await started.stop();
    // Assess
    expect(started.pids.filter(alive)).toEqual([]);
  });

  it('reports an unreachable layer as not checked and still analyzes the others', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const service = { ...lab.service, probe: { ...lab.service.probe!, url: 'http://127.0.0.1:1/' }, haproxy: lab.service.haproxy!.map((h) => ({ ...h, runtime: `${lab!.run}/missing.sock` })) };
    // Act
    const report = analyze(parseBundle(await collect(service, { timeoutMs: 3000 })));
    // Assess
    expect(report.checked).toEqual(['haproxy']);
    expect(report.notCheckedReasons.probe).toBe('http://127.0.0.1:1/: ECONNREFUSED');
    expect(report.notes).toEqual([`haproxy edge1: server states not collected: HAProxy Runtime API ${lab.run}/missing.sock: ENOENT`]);
    expect(report.findings.map((f) => f.id)).toEqual(['haproxy.edge1.app.cookie-ttl']);
  });
});
