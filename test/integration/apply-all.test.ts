import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { analyze } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { collect } from '../../lib/providers/collect.ts';
import { applyPlan } from '../../lib/remediations/apply/engine.ts';
import { listScenarios, startLab, type Lab } from '../../infra/lab/lab.ts';

jest.setTimeout(90_000);
const scenarios = await listScenarios();
let lab: Lab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

/**
 * Every fix each lab scenario offers as a button, and the ones it offers as advice. A plan that
 * turns into advice (or a new one) changes this table on purpose.
 */
const OFFERED: Record<string, { apply: string[]; advice: string[] }> = {
  'haproxy-balance-source': { apply: ['haproxy.edge1.app.enable-cookie'], advice: [] },
  'haproxy-cookie-domain': { apply: ['haproxy.edge1.app.set-cookie-attributes'], advice: [] },
  'haproxy-cookie-ttl': { apply: ['haproxy.edge1.app.raise-cookie-lifetime'], advice: [] },
  'haproxy-fast-checks': { apply: ['haproxy.edge1.app.slow-health-checks'], advice: [] },
  'haproxy-healthy': { apply: [], advice: [] },
  'haproxy-no-cookie': { apply: ['haproxy.edge1.app.enable-cookie'], advice: [] },
  'haproxy-no-forwarded-proto': { apply: ['haproxy.edge1.web.forward-proto'], advice: [] },
  'haproxy-persist-no-redispatch': { apply: ['haproxy.edge1.app.enable-redispatch'], advice: [] },
  'haproxy-samesite-insecure': { apply: ['haproxy.edge1.app.set-cookie-attributes'], advice: [] },
  'haproxy-server-cookie-missing': { apply: ['haproxy.edge1.app.enable-cookie'], advice: [] },
  'haproxy-server-maint': { apply: ['haproxy.edge1.app.app2.ready-server'], advice: [] },
  'haproxy-shutdown-sessions': { apply: ['haproxy.edge1.app.keep-sessions-on-down'], advice: [] },
  'haproxy-stick-expire': { apply: ['haproxy.edge1.app.raise-stick-expire'], advice: [] },
  'haproxy-tcp-mode': { apply: ['haproxy.edge1.app.enable-cookie'], advice: [] },
  'haproxy-two-instances': { apply: ['haproxy.app.cookie-values.align-cookie-values'], advice: [] },
  'haproxy-websocket': { apply: ['haproxy.edge1.ws.route-websocket-sticky'], advice: [] },
  'mixed-healthy': { apply: [], advice: [] },
  'nginx-compact': { apply: ['nginx.edge.app.route-cookie'], advice: [] },
  'nginx-hash-not-consistent': { apply: ['nginx.edge.app.make-hash-consistent', 'nginx.edge.app.route-cookie'], advice: [] },
  'nginx-healthy': { apply: [], advice: [] },
  'nginx-ip-hash': { apply: ['nginx.edge.app.route-cookie'], advice: [] },
  'nginx-no-forwarded-proto': { apply: ['nginx.edge._.forward-proto'], advice: [] },
  'nginx-route-cookie': { apply: [], advice: [] },
  'nginx-round-robin': { apply: ['nginx.edge.app.route-cookie'], advice: [] },
  'nginx-server-down': { apply: ['nginx.edge.app.restore-server'], advice: [] },
  'nginx-two-instances': { apply: [], advice: ['nginx.app.align-upstream-servers'] },
  'nginx-websocket': { apply: ['nginx.edge.ws.route-websocket-sticky'], advice: [] },
};

describe('every fix the lab scenarios offer works', () => {
  it('covers every scenario', () => {
    // Assess
    expect(scenarios.map((s) => s.name).sort()).toEqual(Object.keys(OFFERED).sort());
  });

  it.each(scenarios.map((s) => s.name))('%s: each button is applied by the real engine, verified, and sets off no other finding', async (name) => {
    // Prepare
    lab = await startLab(name);
    const offered = analyze(parseBundle(await collect(lab.service, { timeoutMs: 5000 }))).remediations;
    await lab.stop();
    lab = undefined;
    const results: { plan: string; status: string; reason?: string; new: string[] }[] = [];
    // Act
    for (const plan of offered.filter((p) => !p.advice)) {
      lab = await startLab(name);
      const evidence = await collect(lab.service, { timeoutMs: 5000 });
      const before = analyze(parseBundle(evidence));
      const known = new Set(before.findings.flatMap((f) => [f.id, ...(f.merged ?? [])]));
      const r = await applyPlan({ evidence, planId: plan.id, collect: { timeoutMs: 5000 } });
      results.push({ plan: plan.id, status: r.status, ...(r.reason ? { reason: r.reason } : {}), new: (r.after?.findings ?? []).filter((f) => !known.has(f.id)).map((f) => f.id) });
      await lab.stop();
      lab = undefined;
    }
    // Assess
    expect({ apply: offered.filter((p) => !p.advice).map((p) => p.id).sort(), advice: offered.filter((p) => p.advice).map((p) => p.id).sort() }).toEqual(OFFERED[name]);
    expect(results.sort((a, b) => a.plan.localeCompare(b.plan))).toEqual(OFFERED[name]!.apply.map((plan) => ({ plan, status: 'verified', new: [] })));
    for (const p of offered.filter((x) => x.advice)) expect(p.apply).toMatch(/^not a button, because /);
  });
});
