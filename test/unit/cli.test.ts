import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { main } from '../../lib/cli/main.ts';
import { FIXTURES, serviceYaml } from '../support/bundles.ts';
import { capture } from '../support/cli.ts';

const BIN = join(FIXTURES, '..', '..', 'bin', 'sticky.js');

const tmp = mkdtempSync(join(tmpdir(), 'sticky-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sticky analyze', () => {
  it('exits 1 and prints the finding line with its evidence for a faulty bundle', async () => {
    // Prepare
    const io = capture();
    // Act
    const code = await main(['analyze', join(FIXTURES, 'haproxy-cookie-ttl')], io);
    // Assess
    expect(code).toBe(1);
    expect(io.out()).toContain('  ● [affinity-ttl-short] edge1/backend app: cookie SERVERID expires after 10 min idle; sessions last 1 h\n      haproxy/edge1.cfg:23: cookie SERVERID insert indirect nocache maxidle 10m\n');
    expect(io.out()).toContain([
      '      --- haproxy/edge1.cfg',
      '      +++ haproxy/edge1.cfg',
      '      @@ -21,5 +21,5 @@',
      '           option httpchk GET /health',
      '           # idle timeout on the persistence cookie',
      '      -    cookie SERVERID insert indirect nocache maxidle 10m',
      '      +    cookie SERVERID insert indirect nocache maxidle 2h',
      '           server app1 10.0.1.11:8080 cookie a1 check inter 5s fall 3 rise 2',
      '           server app2 10.0.1.12:8080 cookie a2 check inter 5s fall 3 rise 2',
      '',
    ].join('\n'));
    expect(io.out()).not.toContain('\u001b[');
  });

  it('exits 0 for a healthy bundle', async () => {
    // Act
    const io = capture();
    const code = await main(['analyze', join(FIXTURES, 'nginx-healthy')], io);
    // Assess
    expect(code).toBe(0);
    expect(io.out()).toContain('No sticky-session problem found.');
  });

  it('colours only on a TTY and not when NO_COLOR is set', async () => {
    // Act
    const tty = capture({}, true);
    const noColor = capture({ NO_COLOR: '' }, true);
    await main(['analyze', join(FIXTURES, 'haproxy-cookie-ttl')], tty);
    await main(['analyze', join(FIXTURES, 'haproxy-cookie-ttl')], noColor);
    // Assess
    expect(tty.out()).toContain('\u001b[1;31m');
    expect(noColor.out()).not.toContain('\u001b[');
  });

  it('prints the contract JSON with --format json', async () => {
    // Act
    const io = capture();
    const code = await main(['analyze', join(FIXTURES, 'haproxy-cookie-ttl'), '--format', 'json'], io);
    const json = JSON.parse(io.out());
    // Assess
    expect(code).toBe(1);
    expect(json.findings).toEqual([
      {
        id: 'haproxy.edge1.app.cookie-ttl', cause: 'affinity-ttl-short', severity: 'critical', layer: 'haproxy', resource: 'edge1/backend app',
        summary: 'cookie SERVERID expires after 10 min idle; sessions last 1 h',
        evidence: ['haproxy/edge1.cfg:23: cookie SERVERID insert indirect nocache maxidle 10m'],
        remediation: 'haproxy.edge1.app.raise-cookie-lifetime', check: 'haproxy.cookie-ttl',
      },
    ]);
    expect([json.checked, json.notChecked]).toEqual([['haproxy'], ['aws', 'kubernetes', 'nginx', 'probe']]);
  });

  it('exits 2 with a one-line message for a missing folder, a bad service.yaml or a bad format', async () => {
    // Prepare
    const bad = join(tmp, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'service.yaml'), 'name: checkout\nhosts: []\nsessionTimeoutSeconds: 60\n');
    const cases = [
      [['analyze', join(tmp, 'nope')], `sticky: ${join(tmp, 'nope')}: no such folder\n`],
      [['analyze', bad], 'sticky: service.yaml:2: hosts: Too small: expected array to have >=1 items\n'],
      [['analyze', bad, '--format', 'xml'], 'sticky: --format must be one of text, json, blocks, not "xml"\nRun "sticky analyze --help" for usage.\n'],
      [['analyze'], 'sticky: analyze needs <bundle>\nRun "sticky analyze --help" for usage.\n'],
      [['analyze', 'a', 'b'], 'sticky: analyze takes one <bundle>, not 2: "a" "b"\nRun "sticky analyze --help" for usage.\n'],
      [['frobnicate'], 'sticky: unknown command "frobnicate"\nRun "sticky help" for usage.\n'],
    ] as const;
    for (const [argv, message] of cases) {
      const io = capture();
      // Act
      const code = await main([...argv], io);
      // Assess
      expect([code, io.err(), io.out()]).toEqual([2, message, '']);
    }
  });

  it('still reports the readable layers of a bundle with a malformed file, and exits 2', async () => {
    // Act
    const io = capture();
    const code = await main(['analyze', join(FIXTURES, 'mixed-malformed-haproxy'), '--format', 'json'], io);
    const json = JSON.parse(io.out());
    // Assess
    expect(code).toBe(2);
    expect(json.checked).toEqual(['nginx']);
    expect(json.notCheckedReasons.haproxy).toBe('could not read haproxy/edge.cfg:6: unterminated double quote');
    expect(json.notes).toEqual(['ignored NOTES.txt: not a file of the evidence bundle layout']);
    expect(io.err()).toBe('sticky: could not read haproxy/edge.cfg:6: unterminated double quote\n');
  });

  it('never prints a cookie value, even one recorded by mistake', async () => {
    // Prepare
    const dir = join(tmp, 'leak');
    mkdirSync(join(dir, 'probe'), { recursive: true });
    writeFileSync(join(dir, 'service.yaml'), serviceYaml());
    writeFileSync(join(dir, 'probe', 'exchanges.json'), JSON.stringify({ url: 'https://shop.example.com/', exchanges: [{ phase: 'jar', request: { url: 'https://shop.example.com/' }, response: { status: 200, setCookies: [{ name: 'AWSALB', value: 's3cr3t-cookie-value', size: 30 }] } }] }));
    const io = capture();
    // Act
    const code = await main(['analyze', dir, '--format', 'json'], io);
    // Assess
    expect(code).toBe(2);
    expect(io.out() + io.err()).not.toContain('s3cr3t');
    expect(JSON.parse(io.out()).problems[0].file).toBe('probe/exchanges.json');
  });
});

describe('the sticky binary', () => {
  const run = promisify(execFile);
  it('exits 2 with no stack trace for a missing bundle', async () => {
    // Act
    const result = await run(process.execPath, [BIN, 'analyze', join(tmp, 'missing')]).catch((e: { code: number; stderr: string; stdout: string }) => e);
    // Assess
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: `sticky: ${join(tmp, 'missing')}: no such folder\n` });
  });

  it('prints Block Kit with at most 50 blocks and buttons that carry only a plan id', async () => {
    // Act
    const result = await run(process.execPath, [BIN, 'analyze', join(FIXTURES, 'multi-layer-incident'), '--format', 'blocks']).catch((e: { code: number; stdout: string }) => e);
    const message = JSON.parse(result.stdout);
    const json = JSON.parse((await run(process.execPath, [BIN, 'analyze', join(FIXTURES, 'multi-layer-incident'), '--format', 'json']).catch((e: { stdout: string }) => e)).stdout);
    // Assess
    expect((result as { code?: number }).code).toBe(1);
    expect(message.text).toBe('Sticky checkout: 1 critical, 2 warnings (affinity-ttl-short, draining-missing, rolling-deploy-termination)');
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    const buttons = message.blocks.flatMap((b: { elements?: { type: string; value?: string }[] }) => b.elements ?? []).filter((e: { type: string }) => e.type === 'button');
    expect(buttons.map((b: { value: string }) => b.value).sort()).toEqual(
      json.remediations.filter((p: { advice: boolean }) => !p.advice).flatMap((p: { id: string }) => [p.id, p.id]).sort(),
    );
  });

  it.each([
    ['haproxy.edge1.app.raise-cookie-lifetime', 'HAProxy instance "edge1" is not in the service\'s catalog entry; nothing was changed'],
    ['kubernetes.checkout.safe-rollout', 'the service has no kubernetes section in its catalog entry; nothing was changed'],
  ])('refuses %s with exit 4 when the bundle\'s entry does not say where that layer is: nothing was changed', async (planId, reason) => {
    // Prepare
    const io = capture();
    // Act
    const code = await main(['apply', planId, '--evidence', join(FIXTURES, '..', '..', 'examples', 'checkout-incident'), '--yes', '--format', 'json'], io);
    // Assess
    expect([code, JSON.parse(io.out()).status, JSON.parse(io.out()).reason]).toEqual([4, 'refused', reason]);
  });

  it('refuses an advice plan with exit 4 before touching anything, and suggests the closest plan id for a typo', async () => {
    // Prepare
    const dir = join(FIXTURES, 'nginx-instances-differ');
    const id = 'nginx.backend.align-upstream-servers';
    const [advice, json, typo] = [capture(), capture(), capture()];
    // Act
    const codes = [
      await main(['apply', id, '--evidence', dir, '--yes'], advice),
      await main(['apply', id, '--evidence', dir, '--yes', '--format', 'json'], json),
      await main(['apply', 'nginx.backend.align-upstream-server', '--evidence', dir], typo),
    ];
    // Assess
    expect(codes).toEqual([4, 4, 2]);
    expect(advice.out().split('\n').slice(-2)).toEqual([
      `refused: ${id} is advice, to be done by hand: not a button, because which list is right is a decision Sticky cannot make: a server on one list only may be joining or leaving the pool. Pick the list, deploy the same upstream block to every instance from one source (config management), \`nginx -t\`, \`nginx -s reload\``, '',
    ]);
    expect(JSON.parse(json.out())).toEqual({
      planId: id, status: 'refused', exitCode: 4, reason: expect.stringMatching(/^nginx\.backend\.align-upstream-servers is advice/), steps: [], remaining: [], after: null,
    });
    expect(typo.err()).toBe(`sticky: no plan nginx.backend.align-upstream-server in ${dir}; did you mean ${id}? (its plans: ${id})\nRun "sticky apply --help" for usage.\n`);
  });

  it('says there is nothing to check for a service that names no layer, exit 3, never healthy', async () => {
    // Prepare
    const dir = join(tmp, 'no-layers');
    mkdirSync(dir);
    writeFileSync(join(dir, 'service.yaml'), serviceYaml());
    const [text, blocks] = [capture(), capture()];
    // Act
    const codes = [await main(['analyze', dir], text), await main(['analyze', dir, '--format', 'blocks'], blocks)];
    // Assess
    expect(codes).toEqual([3, 3]);
    expect(text.out()).toBe('Sticky: checkout  checked nothing\nNothing to check: the service names no layer (aws, kubernetes, haproxy, nginx or probe) and the bundle holds no evidence.\n');
    expect(JSON.parse(blocks.out()).text).toBe('Sticky checkout: nothing to check: the service names no layer');
  });
});
