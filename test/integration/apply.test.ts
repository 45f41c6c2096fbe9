import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { analyze } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { collect } from '../../lib/providers/collect.ts';
import { runtimeCommand } from '../../lib/providers/haproxy/runtime-api.ts';
import { applyConfigChange, prepareConfigChange } from '../../lib/remediations/apply/config-files.ts';
import { applyPlan } from '../../lib/remediations/apply/engine.ts';
import { ValidationError } from '../../lib/remediations/apply/errors.ts';
import type { Plan } from '../../lib/remediations/types.ts';
import { startLab, type Lab } from '../../infra/lab/lab.ts';

jest.setTimeout(30_000);
let lab: Lab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

const backups = (l: Lab) => readdirSync(l.run).filter((f) => f.includes('.sticky-') && f.endsWith('.bak'));

describe('apply, verify, roll back on real HAProxy', () => {
  it('raises the cookie lifetime, reloads gracefully and verifies the finding is gone', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const evidence = await collect(lab.service);
    const config = lab.service.haproxy![0]!.config;
    const pidBefore = (await runtimeCommand(lab.service.haproxy![0]!.runtime!, 'show info')).match(/^Pid: (\d+)/m)![1];
    // Act
    const result = await applyPlan({ evidence, planId: 'haproxy.edge1.app.raise-cookie-lifetime' });
    // Assess
    expect([result.status, result.reason, result.remaining]).toEqual(['verified', undefined, []]);
    expect(result.steps[2]).toBe('verified: haproxy.edge1.app.cookie-ttl gone');
    expect(readFileSync(config, 'utf8').split('\n')[18]).toBe('    cookie SERVERID insert indirect nocache maxidle 2h');
    expect(backups(lab)).toHaveLength(1);
    const pidAfter = (await runtimeCommand(lab.service.haproxy![0]!.runtime!, 'show info')).match(/^Pid: (\d+)/m)![1];
    expect(pidAfter).not.toBe(pidBefore);
  });

  it('applies at most once: the same plan on the same evidence is refused as drift', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const evidence = await collect(lab.service);
    await applyPlan({ evidence, planId: 'haproxy.edge1.app.raise-cookie-lifetime' });
    // Act
    const again = await applyPlan({ evidence, planId: 'haproxy.edge1.app.raise-cookie-lifetime' });
    // Assess
    expect(again).toMatchObject({ status: 'refused', reason: `drift: ${lab.service.haproxy![0]!.config} changed since the evidence was collected; collect again before applying` });
    expect(backups(lab)).toHaveLength(1);
  });

  it('rolls the change back by itself when verification fails', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const evidence = await collect(lab.service);
    const config = lab.service.haproxy![0]!.config;
    const original = readFileSync(config, 'utf8');
    const stale = analyze(parseBundle(evidence));
    // Act
    const result = await applyPlan({ evidence, planId: 'haproxy.edge1.app.raise-cookie-lifetime', verify: async () => stale });
    // Assess
    expect([result.status, result.remaining]).toEqual(['rolled-back', ['haproxy.edge1.app.cookie-ttl']]);
    expect(result.steps.slice(-2)).toEqual(['verification failed: haproxy.edge1.app.cookie-ttl still present', 'rolled back to the state before the change']);
    expect(readFileSync(config, 'utf8')).toBe(original);
    const live = analyze(parseBundle(await collect(lab.service)));
    expect(live.findings.map((f) => f.id)).toEqual(['haproxy.edge1.app.cookie-ttl']);
  });

  it('writes nothing when haproxy -c rejects the change', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const evidence = await collect(lab.service);
    const config = lab.service.haproxy![0]!.config;
    const original = readFileSync(config, 'utf8');
    const plan = analyze(parseBundle(evidence)).remediations[0]!;
    const broken = { ...plan, target: { ...plan.target, edits: [{ file: 'haproxy/edge1.cfg', line: 19, before: 'cookie SERVERID insert indirect nocache maxidle 10m', after: 'cookie SERVERID insert maxidle banana' }] } };
    // Act
    const changes = await prepareConfigChange(broken, lab.service, evidence);
    const act = applyConfigChange(broken, lab.service, changes, 'test');
    // Assess
    await expect(act).rejects.toThrow(ValidationError);
    await expect(act).rejects.toThrow(/^haproxy -c rejected the change: /);
    expect(readFileSync(config, 'utf8')).toBe(original);
    expect(backups(lab)).toEqual([]);
    expect(readdirSync(lab.run).filter((f) => f.includes('candidate'))).toEqual([]);
  });

  it('puts a server back in rotation through the Runtime API, refusing if its state drifted', async () => {
    // Prepare
    lab = await startLab('haproxy-server-maint');
    const evidence = await collect(lab.service);
    const sock = lab.service.haproxy![0]!.runtime!;
    await runtimeCommand(sock, 'set server app/app2 state drain');
    // Act
    const refused = await applyPlan({ evidence, planId: 'haproxy.edge1.app.app2.ready-server' });
    await runtimeCommand(sock, 'set server app/app2 state maint');
    const applied = await applyPlan({ evidence, planId: 'haproxy.edge1.app.app2.ready-server' });
    // Assess
    expect(refused).toMatchObject({ status: 'refused', reason: 'drift: app/app2 changed since the evidence was collected (op_state 2, admin_state 8); collect again before applying' });
    expect(applied.status).toBe('verified');
    expect(await runtimeCommand(sock, 'show servers state app')).toMatch(/ app2 127\.0\.0\.1 2 0 /);
  });

  it('refuses an advice plan: a person must act', async () => {
    // Prepare
    lab = await startLab('nginx-two-instances');
    const evidence = await collect(lab.service);
    // Act
    const result = await applyPlan({ evidence, planId: 'nginx.app.align-upstream-servers' });
    // Assess
    expect(result.status).toBe('refused');
    expect(result.reason).toMatch(/^nginx\.app\.align-upstream-servers is advice: not a button, because which list is right is a decision Sticky cannot make/);
    expect(result.steps).toEqual([]);
  });

  it('refuses an unknown plan without touching anything', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    const evidence = await collect(lab.service);
    // Act
    const unknown = await applyPlan({ evidence, planId: 'haproxy.edge1.app.nope' });
    // Assess
    expect(unknown).toEqual({ planId: 'haproxy.edge1.app.nope', status: 'refused', reason: 'no plan haproxy.edge1.app.nope in this evidence (plans: haproxy.edge1.app.raise-cookie-lifetime)', steps: [], remaining: [] });
  });
});

describe('a plan that edits several HAProxy instances', () => {
  /** A plan changing one line on each instance of haproxy-two-instances (the same shape shared-state plans have). */
  const acrossBoth = (l: Lab, after: (instance: string) => string): Plan => {
    const edits = ['edge1', 'edge2'].map((i) => {
      const lines = readFileSync(l.service.haproxy!.find((h) => h.name === i)!.config, 'utf8').split('\n');
      const line = lines.findIndex((t) => t.trim() === 'timeout client 30s') + 1;
      return { file: `haproxy/${i}.cfg`, line, before: 'timeout client 30s', after: after(i) };
    });
    return { id: 'haproxy.test.across', action: 'haproxy.test', layer: 'haproxy', title: 't', risk: 'low', change: { before: '', after: '' }, apply: 'a', rollback: 'r', advice: false, permissions: [], target: { instance: 'edge1, edge2', edits } };
  };

  it('writes and reloads every instance', async () => {
    // Prepare
    lab = await startLab('haproxy-two-instances');
    const evidence = await collect(lab.service);
    const plan = acrossBoth(lab, () => 'timeout client 40s');
    // Act
    const done = await applyConfigChange(plan, lab.service, await prepareConfigChange(plan, lab.service, evidence), 'test');
    // Assess
    expect(done.files.map((f) => [f.instance, f.path])).toEqual(lab.service.haproxy!.map((h) => [h.name, h.config]));
    for (const h of lab.service.haproxy!) expect(readFileSync(h.config, 'utf8')).toContain('    timeout client 40s\n');
  });

  it('writes none when one instance fails validation', async () => {
    // Prepare
    lab = await startLab('haproxy-two-instances');
    const evidence = await collect(lab.service);
    const originals = lab.service.haproxy!.map((h) => readFileSync(h.config, 'utf8'));
    const plan = acrossBoth(lab, (i) => (i === 'edge2' ? 'timeout client banana' : 'timeout client 40s'));
    // Act
    const act = applyConfigChange(plan, lab.service, await prepareConfigChange(plan, lab.service, evidence), 'test');
    // Assess
    await expect(act).rejects.toThrow(/^haproxy -c rejected the change: /);
    expect(lab.service.haproxy!.map((h) => readFileSync(h.config, 'utf8'))).toEqual(originals);
    expect(backups(lab)).toEqual([]);
  });

  it('puts the first instance back when the second cannot be reloaded: all or nothing', async () => {
    // Prepare
    lab = await startLab('haproxy-two-instances');
    const evidence = await collect(lab.service);
    const originals = lab.service.haproxy!.map((h) => readFileSync(h.config, 'utf8'));
    const first = lab.service.haproxy![0]!;
    const pidBefore = (await runtimeCommand(first.runtime!, 'show info')).match(/^Pid: (\d+)/m)![1];
    const service = { ...lab.service, haproxy: lab.service.haproxy!.map((h) => (h.name === 'edge2' ? { ...h, pidFile: undefined } : h)) };
    const plan = acrossBoth(lab, () => 'timeout client 40s');
    // Act
    const act = applyConfigChange(plan, service, await prepareConfigChange(plan, service, evidence), 'test');
    // Assess
    await expect(act).rejects.toThrow('no pidFile for HAProxy edge2 in the catalog: cannot reload it');
    expect(lab.service.haproxy!.map((h) => readFileSync(h.config, 'utf8'))).toEqual(originals);
    const pidAfter = (await runtimeCommand(first.runtime!, 'show info')).match(/^Pid: (\d+)/m)![1];
    expect(pidAfter).not.toBe(pidBefore);
  });
});

describe('apply, verify, roll back on real NGINX', () => {
  it('returns a server marked down to the upstream and verifies', async () => {
    // Prepare
    lab = await startLab('nginx-server-down');
    const evidence = await collect(lab.service);
    const config = lab.service.nginx![0]!.config;
    // Act
    const result = await applyPlan({ evidence, planId: 'nginx.edge.app.restore-server' });
    // Assess
    expect(result.status).toBe('verified');
    expect(readFileSync(config, 'utf8')).not.toMatch(/ down;/);
    expect(backups(lab)).toHaveLength(1);
  });

  it('rolls back when verification fails and NGINX keeps serving the old config', async () => {
    // Prepare
    lab = await startLab('nginx-server-down');
    const evidence = await collect(lab.service);
    const config = lab.service.nginx![0]!.config;
    const original = readFileSync(config, 'utf8');
    const stale = analyze(parseBundle(evidence));
    // Act
    const result = await applyPlan({ evidence, planId: 'nginx.edge.app.restore-server', verify: async () => stale });
    // Assess
    expect(result.status).toBe('rolled-back');
    expect(readFileSync(config, 'utf8')).toBe(original);
    const res = await fetch(lab.service.probe!.url);
    expect(res.status).toBe(200);
  });

  it('writes nothing when nginx -t rejects the change', async () => {
    // Prepare
    lab = await startLab('nginx-server-down');
    const evidence = await collect(lab.service);
    const config = lab.service.nginx![0]!.config;
    const original = readFileSync(config, 'utf8');
    const plan = analyze(parseBundle(evidence)).remediations[0]!;
    const edits = plan.target.edits as { file: string; line: number; before: string; after: string; origin?: string }[];
    const broken = { ...plan, target: { ...plan.target, edits: edits.map((e) => ({ ...e, after: 'server nowhere:notaport;' })) } };
    // Act
    const act = applyConfigChange(broken, lab.service, await prepareConfigChange(broken, lab.service, evidence), 'test');
    // Assess
    await expect(act).rejects.toThrow(/^nginx -t rejected the change: /);
    expect(readFileSync(config, 'utf8')).toBe(original);
    expect(backups(lab)).toEqual([]);
  });

  it('refuses when the config changed since collection', async () => {
    // Prepare
    lab = await startLab('nginx-server-down');
    const evidence = await collect(lab.service);
    const config = lab.service.nginx![0]!.config;
    writeFileSync(config, `${readFileSync(config, 'utf8')}\n# edited by hand\n`);
    // Act
    const result = await applyPlan({ evidence, planId: 'nginx.edge.app.restore-server' });
    // Assess
    expect(result).toMatchObject({ status: 'refused', reason: `drift: ${config} changed since the evidence was collected; collect again before applying` });
    expect(existsSync(`${config}.sticky-test.bak`)).toBe(false);
  });
});
