import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { analyze, exitCode } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { ServiceSchema, type Service } from '../../lib/evidence/service.ts';
import { collect } from '../../lib/providers/collect.ts';
import { runtimeCommand } from '../../lib/providers/haproxy/runtime-api.ts';
import { applyPlan } from '../../lib/remediations/apply/engine.ts';
import { startLab, stopPid, type Lab } from '../../infra/lab/lab.ts';
import { SsmDouble } from '../support/ssm-double.ts';

jest.setTimeout(60_000);
const ID = 'i-0a1b2c3d4e5f60718';
const OTHER = 'i-0fedcba9876543210';
let lab: Lab | undefined;
let ssm: SsmDouble | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await ssm?.restore();
  ssm = undefined;
  await lab?.stop();
  lab = undefined;
  for (const c of cleanups.splice(0)) await c();
});

/** The lab's catalog entry as if the lab were an EC2 instance: every HAProxy and NGINX entry reached through SSM. */
function viaSsm(l: Lab, ssmOf: (name: string) => Record<string, unknown> = () => ({ instanceIds: [ID] })): Service {
  return ServiceSchema.parse({
    ...l.service,
    ...(l.service.haproxy ? { haproxy: l.service.haproxy.map((h) => ({ ...h, ssm: { region: 'eu-west-1', reload: `kill -USR2 "$(cat ${h.pidFile})"`, ...ssmOf(h.name) } })) } : {}),
    ...(l.service.nginx ? { nginx: l.service.nginx.map((n) => ({ ...n, ssm: { region: 'eu-west-1', reload: `nginx -s reload -c ${n.config}`, ...ssmOf(n.name) } })) } : {}),
  });
}

const instance = (tags: Record<string, string> = {}) => ({ instanceId: ID, tags: { 'sticky:service': 'checkout', ...tags } });
const backups = (dir: string) => readdirSync(dir).filter((f) => f.includes('.sticky-') && f.endsWith('.bak'));
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.includes('.sticky-tmp') || f.includes('candidate'));
const workerPid = async (sock: string) => /^Pid: (\d+)/m.exec(await runtimeCommand(sock, 'show info'))![1];
const scripts = () => ssm!.sent().map((s) => s.comment);

describe('HAProxy on an EC2 instance through SSM Run Command (the lab as the instance)', () => {
  it('collects, analyzes, applies, reloads and verifies: the whole loop through the double', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    ssm = new SsmDouble([instance()]);
    const service = viaSsm(lab);
    const h = lab.service.haproxy![0]!;
    const before = await workerPid(h.runtime!);
    // Act
    const evidence = await collect(service, { layers: ['haproxy'] });
    const report = analyze(parseBundle(evidence));
    const result = await applyPlan({ evidence, planId: `haproxy.edge1-${ID}.app.raise-cookie-lifetime`, collect: { layers: ['haproxy'] } });
    // Assess
    expect([...evidence.files.keys()].filter((k) => k.startsWith('haproxy/')).sort()).toEqual([`haproxy/edge1@${ID}.cfg`, `haproxy/edge1@${ID}.servers-state`, `haproxy/edge1@${ID}.stat`, `haproxy/edge1@${ID}.version`]);
    expect(evidence.files.get(`haproxy/edge1@${ID}.cfg`)).toBe(readFileSync(h.config, 'utf8').replace('maxidle 2h', 'maxidle 10m'));
    expect(report.findings.map((f) => [f.id, f.cause, f.evidence[0]])).toEqual([[`haproxy.edge1-${ID}.app.cookie-ttl`, 'affinity-ttl-short', `haproxy/edge1@${ID}.cfg:19: cookie SERVERID insert indirect nocache maxidle 10m`]]);
    expect([result.status, result.reason]).toEqual(['verified', undefined]);
    expect(result.steps).toEqual([
      `no drift: ${h.config} unchanged since collection (checked on ${ID})`,
      `validated and written (backup ${h.config}.sticky-${backups(lab.run)[0]!.split('.sticky-')[1]}), haproxy reloaded on ${ID}`,
      `verified: haproxy.edge1-${ID}.app.cookie-ttl gone`,
    ]);
    expect(readFileSync(h.config, 'utf8').split('\n')[18]).toBe('    cookie SERVERID insert indirect nocache maxidle 2h');
    expect(await workerPid(h.runtime!)).not.toBe(before);
    expect(scripts()).toEqual(['sticky: collect haproxy edge1', `sticky: apply haproxy.edge1-${ID}.app.raise-cookie-lifetime`, 'sticky: collect haproxy edge1']);
    expect(leftovers(lab.run)).toEqual([]);
  });

  it('rolls back through SSM when verification fails: the file and the running configuration are the old ones again', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    ssm = new SsmDouble([instance()]);
    const service = viaSsm(lab);
    const h = lab.service.haproxy![0]!;
    const original = readFileSync(h.config, 'utf8');
    const evidence = await collect(service, { layers: ['haproxy'] });
    const stale = analyze(parseBundle(evidence));
    // Act
    const result = await applyPlan({ evidence, planId: `haproxy.edge1-${ID}.app.raise-cookie-lifetime`, verify: async () => stale });
    const live = analyze(parseBundle(await collect(service, { layers: ['haproxy'] })));
    // Assess
    expect([result.status, result.remaining, result.steps.slice(-2)]).toEqual(['rolled-back', [`haproxy.edge1-${ID}.app.cookie-ttl`], [`verification failed: haproxy.edge1-${ID}.app.cookie-ttl still present`, 'rolled back to the state before the change']]);
    expect(readFileSync(h.config, 'utf8')).toBe(original);
    expect(live.findings.map((f) => f.id)).toEqual([`haproxy.edge1-${ID}.app.cookie-ttl`]);
    expect(scripts()).toEqual(['sticky: collect haproxy edge1', `sticky: apply haproxy.edge1-${ID}.app.raise-cookie-lifetime`, `sticky: rollback haproxy.edge1-${ID}.app.raise-cookie-lifetime`, 'sticky: collect haproxy edge1']);
  });

  it('refuses on drift checked on the host, and writes nothing when haproxy -c rejects the change', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    ssm = new SsmDouble([instance()]);
    const service = viaSsm(lab);
    const h = lab.service.haproxy![0]!;
    const evidence = await collect(service, { layers: ['haproxy'] });
    const planId = `haproxy.edge1-${ID}.app.raise-cookie-lifetime`;
    const plan = analyze(parseBundle(evidence)).remediations[0]!;
    const broken = { ...evidence, files: new Map(evidence.files) };
    // Act
    appendFileSync(h.config, '# edited by hand\n');
    const drifted = await applyPlan({ evidence, planId });
    writeFileSync(h.config, readFileSync(h.config, 'utf8').replace('# edited by hand\n', ''));
    const { applyChange } = await import('../../lib/remediations/apply/engine.ts');
    const rejected = await applyChange({ ...plan, target: { ...plan.target, edits: [{ file: `haproxy/edge1@${ID}.cfg`, line: 19, before: 'cookie SERVERID insert indirect nocache maxidle 10m', after: 'cookie SERVERID insert maxidle banana' }] } }, service, broken, new Date());
    // Assess
    expect(drifted).toMatchObject({ status: 'refused', reason: `drift: ${h.config} changed since the evidence was collected; collect again before applying` });
    expect(rejected.status).toBe('refused');
    expect((rejected as { reason: string }).reason).toBe(`haproxy -c rejected the change: config : parsing [${h.config}:19]: unexpected character 'b' in argument to <maxidle>. config : Error(s) found in configuration file : ${h.config}; nothing was written`);
    expect(readFileSync(h.config, 'utf8')).toContain('maxidle 10m');
    expect([backups(lab.run), leftovers(lab.run)]).toEqual([[], []]);
  });

  it('leaves the old configuration in place and running when the reload fails half way', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    ssm = new SsmDouble([instance()]);
    const service = viaSsm(lab, () => ({ instanceIds: [ID], reload: 'echo "Job for haproxy.service failed" >&2; exit 1' }));
    const h = lab.service.haproxy![0]!;
    const original = readFileSync(h.config, 'utf8');
    const pid = await workerPid(h.runtime!);
    const evidence = await collect(service, { layers: ['haproxy'] });
    // Act
    const result = await applyPlan({ evidence, planId: `haproxy.edge1-${ID}.app.raise-cookie-lifetime` });
    // Assess
    expect([result.status, result.reason]).toEqual(['failed', `edge1@${ID}: the reload (echo "Job for haproxy.service failed" >&2; exit 1) failed: Job for haproxy.service failed; the previous configuration was restored (no drift: ${h.config} unchanged since collection; restored the previous configuration)`]);
    expect(readFileSync(h.config, 'utf8')).toBe(original);
    expect(await workerPid(h.runtime!)).toBe(pid);
    expect(leftovers(lab.run)).toEqual([]);
  });

  it('puts a server back in rotation through the Runtime API on the instance, refusing if its state drifted', async () => {
    // Prepare
    lab = await startLab('haproxy-server-maint');
    ssm = new SsmDouble([instance()]);
    const service = viaSsm(lab);
    const sock = lab.service.haproxy![0]!.runtime!;
    const evidence = await collect(service, { layers: ['haproxy'] });
    const planId = `haproxy.edge1-${ID}.app.app2.ready-server`;
    // Act
    await runtimeCommand(sock, 'set server app/app2 state drain');
    const refused = await applyPlan({ evidence, planId, collect: { layers: ['haproxy'] } });
    await runtimeCommand(sock, 'set server app/app2 state maint');
    const applied = await applyPlan({ evidence, planId, collect: { layers: ['haproxy'] } });
    // Assess
    expect(refused).toMatchObject({ status: 'refused', reason: 'drift: app/app2 changed since the evidence was collected (op_state 2, admin_state 8); collect again before applying' });
    expect([applied.status, applied.steps[0]]).toEqual(['verified', `no drift; Runtime API: set server app/app2 state ready (on ${ID})`]);
    expect(await runtimeCommand(sock, 'show servers state app')).toMatch(/ app2 127\.0\.0\.1 2 0 /);
  });

  it('collects the files of a -f folder in load order, cites the original file and applies the fix to it', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    ssm = new SsmDouble([instance()]);
    const dir = mkdtempSync(join(tmpdir(), 'sticky-ssm-cfgdir-'));
    mkdirSync(join(dir, 'conf.d'));
    const port = lab.ports.edge1! + 1000 > 65000 ? lab.ports.edge1! - 1000 : lab.ports.edge1! + 1000;
    const main = readFileSync(lab.service.haproxy![0]!.config, 'utf8').split('\nfrontend')[0]!.replaceAll(lab.run, dir);
    writeFileSync(join(dir, 'haproxy.cfg'), main);
    writeFileSync(join(dir, 'conf.d', '10-app.cfg'), `frontend web\n    bind 127.0.0.1:${port}\n    default_backend app\n\nbackend app\n    cookie SERVERID insert indirect nocache maxidle 10m\n    server app1 127.0.0.1:${lab.ports.app1} cookie app1 check\n    server app2 127.0.0.1:${lab.ports.app2} cookie app2 check\n`);
    writeFileSync(join(dir, 'conf.d', 'README'), 'not loaded: no .cfg extension\n');
    const child: ChildProcess = spawn('haproxy', ['-W', '-f', join(dir, 'haproxy.cfg'), '-f', join(dir, 'conf.d'), '-p', join(dir, 'edge1.pid')], { stdio: 'ignore' });
    cleanups.push(async () => {
      await stopPid(child.pid!);
      rmSync(dir, { recursive: true, force: true });
    });
    const sock = join(dir, 'edge1.sock');
    for (let i = 0; i < 200 && !(existsSync(sock) && existsSync(join(dir, 'edge1.pid'))); i++) await new Promise((r) => setTimeout(r, 25));
    const service = ServiceSchema.parse({
      name: 'checkout', hosts: ['127.0.0.1'], sessionTimeoutSeconds: 3600, tls: false,
      haproxy: [{ name: 'edge1', config: join(dir, 'haproxy.cfg'), runtime: sock, pidFile: join(dir, 'edge1.pid'), ssm: { region: 'eu-west-1', instanceIds: [ID], reload: `kill -USR2 "$(cat ${join(dir, 'edge1.pid')})"` } }],
    });
    // Act
    const evidence = await collect(service, { layers: ['haproxy'] });
    const report = analyze(parseBundle(evidence));
    const result = await applyPlan({ evidence, planId: `haproxy.edge1-${ID}.app.raise-cookie-lifetime`, collect: { layers: ['haproxy'] } });
    // Assess
    const text = evidence.files.get(`haproxy/edge1@${ID}.cfg`)!;
    expect(text.split('\n').filter((l) => l.startsWith('# configuration file '))).toEqual([`# configuration file ${join(dir, 'haproxy.cfg')}:`, `# configuration file ${join(dir, 'conf.d', '10-app.cfg')}:`]);
    expect(report.findings.map((f) => f.evidence[0])).toEqual([`${join(dir, 'conf.d', '10-app.cfg')}:6: cookie SERVERID insert indirect nocache maxidle 10m`]);
    expect(result.status).toBe('verified');
    expect(readFileSync(join(dir, 'conf.d', '10-app.cfg'), 'utf8').split('\n')[5]).toBe('    cookie SERVERID insert indirect nocache maxidle 2h');
    expect(readFileSync(join(dir, 'haproxy.cfg'), 'utf8')).toBe(main);
    expect(readdirSync(join(dir, 'conf.d')).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
  });

  it('fetches a configuration longer than one command output in chunks, with the same result as reading the file', async () => {
    // Prepare
    lab = await startLab('haproxy-cookie-ttl');
    ssm = new SsmDouble([instance()]);
    const h = lab.service.haproxy![0]!;
    const { randomBytes } = await import('node:crypto');
    appendFileSync(h.config, Array.from({ length: 1500 }, (_, i) => `    # ${i} ${randomBytes(24).toString('hex')}`).join('\n') + '\n');
    // Act
    const evidence = await collect(viaSsm(lab), { layers: ['haproxy'] });
    // Assess
    expect(evidence.files.get(`haproxy/edge1@${ID}.cfg`)).toBe(readFileSync(h.config, 'utf8'));
    expect(scripts()).toEqual(['sticky: collect haproxy edge1', 'sticky: fetch 2/4 of haproxy edge1', 'sticky: fetch 3/4 of haproxy edge1', 'sticky: fetch 4/4 of haproxy edge1']);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('sticky-spool-') && ssm!.sent().some((s) => s.script.includes(f.slice('sticky-spool-'.length))))).toEqual([]);
  });
});

describe('NGINX on an EC2 instance through SSM Run Command', () => {
  it('returns a server to the upstream with nginx -t first, reloads, verifies, and writes nothing on a rejected change', async () => {
    // Prepare
    lab = await startLab('nginx-server-down');
    ssm = new SsmDouble([instance({ Role: 'edge' })]);
    const service = viaSsm(lab, () => ({ tags: { Role: 'edge' } }));
    const config = lab.service.nginx![0]!.config;
    const evidence = await collect(service, { layers: ['nginx'] });
    const plan = analyze(parseBundle(evidence)).remediations.find((p) => p.id === `nginx.edge-${ID}.app.restore-server`)!;
    const edit = (plan.target.edits as { file: string; line: number; before: string; after: string; origin?: string }[])[0]!;
    const { applyChange } = await import('../../lib/remediations/apply/engine.ts');
    // Act
    const rejected = await applyChange({ ...plan, target: { ...plan.target, edits: [{ ...edit, after: 'server 127.0.0.1:1 banana;' }] } }, service, evidence, new Date());
    const result = await applyPlan({ evidence, planId: plan.id, collect: { layers: ['nginx'] } });
    // Assess
    expect(rejected.status).toBe('refused');
    expect((rejected as { reason: string }).reason).toBe(`nginx -t rejected the change: nginx: [emerg] invalid parameter "banana" in ${config}:${edit.origin!.split(":").pop()}; nothing was written`);
    expect([result.status, result.steps[2]]).toEqual(['verified', `verified: nginx.edge-${ID}.app.server-down gone`]);
    expect(readFileSync(config, 'utf8')).not.toMatch(/ down;/);
    expect(backups(lab.run)).toHaveLength(1);
    expect(ssm.calls.find((c) => c.op === 'DescribeInstanceInformation')!.input).toEqual({ Filters: [{ Key: 'tag:Role', Values: ['edge'] }], MaxResults: 50 });
  });
});

describe('instances that cannot be checked', () => {
  it('reports each one as not checked with its reason while the other instances and layers are still checked', async () => {
    // Prepare
    lab = await startLab('mixed-healthy');
    ssm = new SsmDouble([instance({ Role: 'edge' }), { instanceId: OTHER, tags: { 'sticky:service': 'checkout', Role: 'edge' }, ping: 'ConnectionLost' }, { instanceId: 'i-0000000000000000a', tags: { Name: 'bastion' } }]);
    const service = viaSsm(lab, (name) => (name === 'edge1' ? { instanceIds: [ID, 'i-0123456789abcdef9', 'i-0000000000000000a'] } : { tags: { Role: 'edge' } }));
    // Act
    const raw = await collect(service, { layers: ['haproxy', 'nginx', 'probe'] });
    const report = analyze(parseBundle(raw));
    // Assess
    expect(report.checked).toEqual(['haproxy', 'nginx', 'probe']);
    expect(report.findings).toEqual([]);
    expect(Object.fromEntries(Object.entries(report.notCheckedReasons).filter(([k]) => k.includes('/')))).toEqual({
      'haproxy/edge1@i-0123456789abcdef9': 'edge1@i-0123456789abcdef9: not a managed instance in eu-west-1 (InvalidInstanceId): Systems Manager has no agent registered for it',
      'haproxy/edge1@i-0000000000000000a': 'edge1@i-0000000000000000a: access denied to ssm:SendCommand (the bot may run AWS-RunShellScript only on instances tagged sticky:service)',
      [`nginx/edge@${OTHER}`]: expect.stringMatching(new RegExp(`^edge@${OTHER}: the SSM agent is offline \\(ConnectionLost, last seen \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)$`)),
    });
    expect(exitCode(report)).toBe(3);
  });
});

describe('the Slack flow with HAProxy on an EC2 instance', () => {
  it('checks through SSM, applies on approval through SSM, verifies, and rolls back from the thread', async () => {
    // Prepare
    const { WebClient } = await import('@slack/web-api');
    const { stringify } = await import('yaml');
    const { loadCatalog, findService } = await import('../../lib/catalog/catalog.ts');
    const { setRuntime } = await import('../../lib/runtime.ts');
    const { localStore } = await import('../../lib/store/store.ts');
    const { LocalEngine } = await import('../../lib/workflow/engine-local.ts');
    const { handler } = await import('../../functions/slack.ts');
    const { SlackApiDouble, signedEvent, slashBody, clickBody } = await import('../support/slack-api-double.ts');
    lab = await startLab('haproxy-cookie-ttl');
    ssm = new SsmDouble([instance()]);
    const slack = new SlackApiDouble();
    const { store, stop } = await localStore();
    const dir = mkdtempSync(join(tmpdir(), 'sticky-ssm-slack-'));
    const saved = { ...process.env };
    cleanups.push(async () => {
      setRuntime(undefined);
      process.env = saved;
      await slack.stop();
      await stop();
      rmSync(dir, { recursive: true, force: true });
    });
    Object.assign(process.env, { SLACK_SIGNING_SECRET: 'ssm-secret', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: await slack.start() });
    const file = join(dir, 'catalog.yaml');
    writeFileSync(file, stringify([{ ...viaSsm(lab), approvers: ['U2'], slackChannel: 'C1' }]));
    const catalog = () => loadCatalog(file);
    const web = new WebClient('xoxb-test', { slackApiUrl: process.env.SLACK_API_URL!, retryConfig: { retries: 0 } });
    const engine = new LocalEngine({ store, slack: web as never, catalog, now: () => new Date() }, { approvalTimeoutMs: 30_000 });
    setRuntime({ store, engine, catalog, service: async (n) => findService(await catalog(), n), slack: web as never, now: () => new Date(), alarmChannel: 'C1', dedupeWindowMs: 15 * 60_000 });
    const start = jest.spyOn(engine, 'start');
    const until = async <T>(what: string, f: () => T | undefined): Promise<T> => {
      for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) {
        const v = f();
        if (v) return v;
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    const config = lab.service.haproxy![0]!.config;
    // Act
    await handler(signedEvent(slashBody(`check ${lab.service.name}`, 'U1'), 'ssm-secret') as never, {} as never);
    const report = await until('the report', () => slack.of('chat.postMessage').find((m) => Array.isArray(m.blocks)));
    const button = report.blocks.find((b: { type: string }) => b.type === 'actions').elements.find((e: { action_id: string }) => e.action_id.startsWith('approve:'));
    await until('the execution to wait', () => engine.pending()[0]);
    await handler(signedEvent(clickBody(button.action_id, button.value, 'U2'), 'ssm-secret') as never, {} as never);
    await engine.settled(await start.mock.results[0]!.value as string);
    const applied = readFileSync(config, 'utf8');
    const verified = slack.of('chat.update').pop()!.blocks;
    const rollback = verified.find((b: { block_id?: string }) => b.block_id?.startsWith('rollback:')).elements[0];
    await handler(signedEvent(clickBody(rollback.action_id, rollback.value, 'U2'), 'ssm-secret') as never, {} as never);
    // Assess
    expect(JSON.stringify(report.blocks)).toContain(`haproxy/edge1@${ID}.cfg:19: cookie SERVERID insert indirect nocache maxidle 10m`);
    expect(button.action_id).toBe('approve:haproxy.raise-cookie-lifetime');
    expect(applied).toContain('cookie SERVERID insert indirect nocache maxidle 2h');
    expect(JSON.stringify(verified)).toMatch(/:white_check_mark: approved by <@U2> at \d\d:\d\d UTC: verified: haproxy.edge1-i-0a1b2c3d4e5f60718.app.cookie-ttl gone/);
    expect(readFileSync(config, 'utf8')).toContain('cookie SERVERID insert indirect nocache maxidle 10m');
    expect(JSON.stringify(slack.of('chat.update').pop()!.blocks)).toContain(':leftwards_arrow_with_hook: approved by <@U2>');
    expect(scripts()).toEqual(['sticky: collect haproxy edge1', `sticky: apply haproxy.edge1-${ID}.app.raise-cookie-lifetime`, 'sticky: collect haproxy edge1', `sticky: rollback haproxy.edge1-${ID}.app.raise-cookie-lifetime`]);
  });
});
