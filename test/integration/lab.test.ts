import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { analyze, type Report } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { collect } from '../../lib/providers/collect.ts';
import { runtimeCommand } from '../../lib/providers/haproxy/runtime-api.ts';
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
    expect(scenarios.filter((s) => s.expect.length === 0).map((s) => s.name)).toEqual(['haproxy-healthy', 'mixed-healthy', 'nginx-healthy', 'nginx-route-cookie']);
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

  it('sees flapping HAProxy counted: show stat is collected and a server marked down 3 times is a finding', async () => {
    // Prepare
    lab = await startLab('haproxy-healthy');
    const sock = lab.service.haproxy![0]!.runtime!;
    for (let i = 0; i < 3; i++) {
      await runtimeCommand(sock, 'set server app/app1 health down');
      await runtimeCommand(sock, 'set server app/app1 health up');
    }
    // Act
    const raw = await collect(lab.service, { timeoutMs: 5000 });
    const report = analyze(parseBundle(raw));
    // Assess
    expect(raw.files.get('haproxy/edge1.stat')).toMatch(/^# pxname,svname,/);
    expect(report.findings.map((f) => [f.id, f.severity, f.summary])).toEqual([
      ['haproxy.edge1.app.health-check', 'warning', expect.stringMatching(/^app1 was marked down 3 times since HAProxy started, the last change \d+ s before the check$/)],
    ]);
    expect(report.findings[0]!.evidence).toEqual([expect.stringMatching(/^haproxy\/edge1\.stat:\d+: app\/app1 status UP, chkdown 3, lastchg \d+ s, chkfail 0, last check /)]);
    expect(report.remediations.map((p) => [p.id, p.advice])).toEqual([['haproxy.edge1.app.investigate-health-checks', true]]);
  });

  it('open-source NGINX route cookie: set on the first response, and every request carrying it reaches one backend', async () => {
    // Prepare
    lab = await startLab('nginx-route-cookie');
    // Act
    const raw = await collect(lab.service, { timeoutMs: 5000 });
    // Assess
    const exchanges = (JSON.parse(raw.files.get('probe/exchanges.json')!) as { exchanges: { phase: string; session: number; response: { backend: string; setCookies: { name: string }[] } }[] }).exchanges;
    const first = exchanges.filter((x) => x.phase === 'no-jar');
    const backendsOf = (session: number) => new Set(exchanges.filter((x) => x.session === session && x.phase !== 'websocket').map((x) => x.response.backend));
    expect(first.every((x) => x.response.setCookies.some((c) => c.name === 'route'))).toBe(true);
    expect(first.map((x) => backendsOf(x.session).size)).toEqual(first.map(() => 1));
    expect(new Set(first.map((x) => x.response.backend)).size).toBeGreaterThan(1);
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
