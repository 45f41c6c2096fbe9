import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { writeLargeBundle } from '../../bench/large-bundle.ts';
import { main } from '../../lib/cli/main.ts';
import { FIXTURES, serviceYaml } from '../support/bundles.ts';
import { capture } from '../support/cli.ts';

jest.setTimeout(30_000);
const ROOT = join(FIXTURES, '..', '..');
const BIN = join(ROOT, 'bin', 'sticky.js');
const tmp = mkdtempSync(join(tmpdir(), 'sticky-cli-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the real binary; `onOut` may end the reading side early (a `| head`). */
function sticky(args: string[], o: { node?: string; nodeArgs?: string[]; env?: NodeJS.ProcessEnv; script?: string; closeAfterFirstChunk?: boolean } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(o.node ?? process.execPath, [...(o.nodeArgs ?? []), o.script ?? BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (o.closeAfterFirstChunk) child.stdout.destroy();
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** A YAML "billion laughs": 9^7 expansions from a few lines. */
const BOMB = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`)].join('\n');

describe('crashes are one line and the right exit code, never a stack trace', () => {
  it('refuses a YAML alias bomb in service.yaml, in a Kubernetes file and in the catalog, exit 2', async () => {
    // Prepare
    const inService = join(tmp, 'bomb-service');
    mkdirSync(inService);
    writeFileSync(join(inService, 'service.yaml'), `${BOMB}\n${serviceYaml()}`);
    const inKube = join(tmp, 'bomb-kube');
    mkdirSync(join(inKube, 'kubernetes'), { recursive: true });
    writeFileSync(join(inKube, 'service.yaml'), serviceYaml('kubernetes: { namespace: shop }'));
    writeFileSync(join(inKube, 'kubernetes', 'objects.yaml'), BOMB);
    const catalog = join(tmp, 'bomb-catalog.yaml');
    writeFileSync(catalog, BOMB);
    const refusal = 'refused: more YAML aliases (*name) to expand than any real file needs (an alias bomb?)';
    // Act
    const [service, kube, cat] = await Promise.all([sticky(['analyze', inService]), sticky(['analyze', inKube, '--format', 'json']), sticky(['services', '--catalog', catalog])]);
    // Assess
    expect(service).toEqual({ code: 2, out: '', err: `sticky: service.yaml:2: ${refusal}\n` });
    expect([kube.code, kube.err]).toEqual([2, `sticky: could not read kubernetes/objects.yaml:2: ${refusal}\n`]);
    expect(JSON.parse(kube.out).notCheckedReasons.kubernetes).toBe(`could not read kubernetes/objects.yaml:2: ${refusal}`);
    expect(cat).toEqual({ code: 2, out: '', err: `sticky: ${catalog}:2: ${refusal}\n` });
  });

  it('refuses --save-evidence on an existing file or a folder that is not empty before collecting anything', async () => {
    // Prepare
    const catalog = join(tmp, 'save-catalog.yaml');
    writeFileSync(catalog, '- { name: shop, hosts: [shop.example.com], sessionTimeoutSeconds: 60, probe: { url: "http://127.0.0.1:1/" } }\n');
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const full = join(tmp, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'old.json'), '{}');
    const [a, b] = [capture(), capture()];
    // Act
    const codes = [await main(['check', 'shop', '--catalog', catalog, '--save-evidence', file], a), await main(['check', 'shop', '--catalog', catalog, '--save-evidence', full], b)];
    // Assess
    expect(codes).toEqual([2, 2]);
    expect([a.out(), a.err()]).toEqual(['', `sticky: --save-evidence ${file}: a file of that name exists; name a new or empty folder for the evidence bundle\n`]);
    expect([b.out(), b.err()]).toEqual(['', `sticky: --save-evidence ${full}: the folder is not empty; name a new or empty folder (a bundle holds one collection, and older files would mix in)\n`]);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('stops writing quietly when the reader goes away (`| head`), keeping the verdict as exit code', async () => {
    // Prepare
    const big = join(tmp, 'big');
    writeLargeBundle(big);
    // Act
    const json = await sticky(['analyze', big, '--format', 'json'], { closeAfterFirstChunk: true });
    const examples = await sticky([], { script: join(ROOT, 'scripts', 'examples.ts'), closeAfterFirstChunk: true });
    // Assess
    expect([json.code, json.err]).toEqual([1, '']);
    expect(json.out.length).toBeLessThan(200_000);
    expect([examples.code, examples.err]).toEqual([0, '']);
  });

  it('says plainly that Node.js 24 is needed when an older Node runs it, exit 2', async () => {
    // Prepare
    const message = (v: string) => `sticky: needs Node.js 24 or later, and this is Node.js ${v}. In the project, \`npm ci\` installs Node 24 for its own scripts: run \`npx sticky ...\` (or \`npm exec sticky -- ...\`); elsewhere, install Node.js 24.\n`;
    const pretend = ['--import', 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.11.1"})'];
    // Act
    const old = await sticky(['check', 'checkout'], { nodeArgs: pretend });
    // Assess
    expect(old).toEqual({ code: 2, out: '', err: message('20.11.1') });
    const system = '/usr/bin/node';
    const version = existsSync(system) ? execFileSync(system, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim() : '';
    if (version && Number(version.split('.')[0]) < 24) expect(await sticky(['--version'], { node: system })).toEqual({ code: 2, out: '', err: message(version) });
  });

  it('turns an unexpected error into one line that says what to do, exit 2, and shows the stack only with --debug', async () => {
    // Prepare
    const broken = (debug: boolean) => {
      const io = capture();
      io.stdout.write = () => {
        throw new TypeError('stdout is gone');
      };
      return { io, argv: ['analyze', join(FIXTURES, 'haproxy-healthy'), ...(debug ? ['--debug'] : [])] };
    };
    const plain = broken(false);
    const debug = broken(true);
    // Act
    const codes = [await main(plain.argv, plain.io), await main(debug.argv, debug.io)];
    // Assess
    expect(codes).toEqual([2, 2]);
    expect(plain.io.err()).toBe('sticky: analyze failed: TypeError: stdout is gone. Run again with --debug for the stack trace; if it persists, it is a bug: please report it with that trace.\n');
    const lines = debug.io.err().split('\n');
    expect(lines[0]).toBe('sticky: analyze failed: TypeError: stdout is gone. If it persists, it is a bug: please report it with the trace below.');
    expect(lines[1]).toBe('TypeError: stdout is gone');
    expect(lines[2]).toMatch(/^ {4}at /);
  });

  it('exits 2 with one line for a bad option through the binary, never Node\'s raw parser message', async () => {
    // Act
    const r = await sticky(['check', '--help', '--catalog']);
    const bad = await sticky(['services', '--formt', 'json']);
    // Assess
    expect(r.code).toBe(0);
    expect(bad).toEqual({ code: 2, out: '', err: 'sticky: unknown option --formt for services; did you mean --format?\nRun "sticky services --help" for usage.\n' });
  });
});

describe('reading the report', () => {
  let ngx: string;
  beforeAll(() => {
    ngx = join(tmp, 'nginx-dump');
    mkdirSync(join(ngx, 'nginx'), { recursive: true });
    writeFileSync(join(ngx, 'service.yaml'), 'name: checkout\nhosts: [shop.example.com]\nsessionTimeoutSeconds: 3600\ntls: false\nsessionCookie: SESSION\n');
    writeFileSync(join(ngx, 'nginx', 'edge.conf'), [
      'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok',
      'nginx: configuration file /etc/nginx/nginx.conf test is successful',
      '# configuration file /etc/nginx/nginx.conf:',
      'events {}',
      'http {',
      '    include /etc/nginx/conf.d/*.conf;',
      '}',
      '',
      '# configuration file /etc/nginx/conf.d/shop.conf:',
      'upstream backend {',
      '    least_conn;',
      '    server 10.0.1.1:8080;',
      '    server 10.0.1.2:8080;',
      '}',
      'server {',
      '    listen 80;',
      '    server_name shop.example.com;',
      '    location / {',
      '        proxy_pass http://backend;',
      '    }',
      '}',
      '',
    ].join('\n'));
  });

  it('shows an insertion as added lines only, with the real line numbers of the file before and after', async () => {
    // Prepare
    const io = capture();
    // Act
    await main(['analyze', join(FIXTURES, 'haproxy-balance-source')], io);
    // Assess
    const fix = io.out().slice(io.out().indexOf('Proposed fixes'));
    expect(fix).toBe([
      'Proposed fixes',
      '  haproxy.edge.app.enable-cookie  Stick edge/app with cookie SERVERID (lifetime 2h)  (risk medium)',
      '      --- haproxy/edge.cfg',
      '      +++ haproxy/edge.cfg',
      '      @@ -14,7 +14,8 @@',
      '       ',
      '       backend app',
      '      -    balance source',
      '      +    balance roundrobin',
      '      +    cookie SERVERID insert indirect nocache httponly maxidle 2h maxlife 2h',
      '           hash-type consistent',
      '      -    server app1 10.0.1.1:8080 check inter 5s fall 3',
      '      +    server app1 10.0.1.1:8080 cookie app1 check inter 5s fall 3',
      '      -    server app2 10.0.1.2:8080 check inter 5s fall 3',
      '      +    server app2 10.0.1.2:8080 cookie app2 check inter 5s fall 3',
      '       ',
      '      apply: edit edge\'s config as shown, check the result with `haproxy -c`, write it atomically with a backup, then a graceful reload of the master process (SIGUSR2)',
      '      rollback: restore the backup of edge\'s config and reload the same way',
      '',
    ].join('\n'));
    expect(fix).not.toContain('insert after');
  });

  it('cites an nginx -T line at the file and line it came from, in the evidence, the diff and the JSON change', async () => {
    // Prepare
    const [text, json] = [capture(), capture()];
    // Act
    await main(['analyze', ngx], text);
    await main(['analyze', ngx, '--format', 'json'], json);
    // Assess
    expect(text.out()).toContain('      /etc/nginx/conf.d/shop.conf:1: upstream backend { (no ip_hash, hash or sticky)\n');
    expect(text.out()).toContain([
      '      --- /etc/nginx/conf.d/shop.conf',
      '      +++ /etc/nginx/conf.d/shop.conf',
      '      @@ -1,4 +1,8 @@',
      '      +map $cookie_route $sticky_route {',
      '      +    ""      $request_id;',
      '      +    default $cookie_route;',
      '      +}',
      '       upstream backend {',
      '      -    least_conn;',
      '      +    hash $sticky_route consistent;',
      '           server 10.0.1.1:8080;',
      '           server 10.0.1.2:8080;',
      '      @@ -9,4 +13,5 @@',
      '           location / {',
      '               proxy_pass http://backend;',
      '      +        add_header Set-Cookie "route=$sticky_route; Path=/; HttpOnly; SameSite=Lax" always;',
      '           }',
      '       }',
      '',
    ].join('\n'));
    expect(text.out()).not.toMatch(/edge\.conf:\d+/);
    const plan = JSON.parse(json.out()).remediations[0];
    expect(plan.change).toEqual({
      before: '/etc/nginx/conf.d/shop.conf:2: least_conn;',
      after: [
        '/etc/nginx/conf.d/shop.conf:1: map $cookie_route $sticky_route {', '    ""      $request_id;', '    default $cookie_route;', '}',
        '/etc/nginx/conf.d/shop.conf:6: hash $sticky_route consistent;',
        '/etc/nginx/conf.d/shop.conf:15: add_header Set-Cookie "route=$sticky_route; Path=/; HttpOnly; SameSite=Lax" always;',
      ].join('\n'),
    });
  });

  it('colours the diff red and green on a terminal, and honours --no-color, NO_COLOR and FORCE_COLOR', async () => {
    // Prepare
    const fixture = join(FIXTURES, 'haproxy-cookie-ttl');
    const cases = [
      ['tty', capture({}, true), []],
      ['tty --no-color', capture({}, true), ['--no-color']],
      ['tty NO_COLOR', capture({ NO_COLOR: '1' }, true), []],
      ['tty FORCE_COLOR=0', capture({ FORCE_COLOR: '0' }, true), []],
      ['pipe FORCE_COLOR=1', capture({ FORCE_COLOR: '1' }, false), []],
      ['pipe FORCE_COLOR over NO_COLOR', capture({ FORCE_COLOR: '1', NO_COLOR: '1' }, false), []],
      ['tty TERM=dumb', capture({ TERM: 'dumb' }, true), []],
      ['pipe', capture({}, false), []],
    ] as const;
    // Act
    const coloured: Record<string, boolean> = {};
    for (const [name, io, flags] of cases) {
      await main(['analyze', fixture, ...flags], io);
      coloured[name] = io.out().includes('\u001b[');
    }
    // Assess
    expect(coloured).toEqual({
      'tty': true, 'tty --no-color': false, 'tty NO_COLOR': false, 'tty FORCE_COLOR=0': false, 'pipe FORCE_COLOR=1': true,
      'pipe FORCE_COLOR over NO_COLOR': true, 'tty TERM=dumb': false, 'pipe': false,
    });
    const tty = capture({}, true);
    await main(['analyze', fixture], tty);
    expect(tty.out()).toContain('\u001b[31m-    cookie SERVERID insert indirect nocache maxidle 10m\u001b[0m');
    expect(tty.out()).toContain('\u001b[32m+    cookie SERVERID insert indirect nocache maxidle 2h\u001b[0m');
  });

  it('wraps prose to the terminal width at spaces with a hanging indent, and never wraps a diff or a command', async () => {
    // Prepare
    const tty = capture({ NO_COLOR: '1' }, true, 72);
    const pipe = capture();
    // Act
    await main(['analyze', join(FIXTURES, 'multi-layer-incident')], tty);
    await main(['analyze', join(FIXTURES, 'multi-layer-incident')], pipe);
    // Assess
    const wrapped = tty.out().split('\n');
    const long = wrapped.filter((l) => l.length > 72);
    expect(long.length).toBeGreaterThan(0);
    for (const l of long) expect(l).toMatch(/^ {6}(apply: |rollback: |[-+ @])/);
    const words = (s: string) => s.split(/\s+/).filter(Boolean);
    expect(words(tty.out())).toEqual(words(pipe.out()));
    expect(pipe.out().split('\n').some((l) => l.length > 72 && !/^ {6}(apply: |rollback: |[-+ @])/.test(l))).toBe(true);
    const bullet = wrapped.findIndex((l) => l.startsWith('  ● [affinity-ttl-short]'));
    expect(wrapped[bullet + 1]!.startsWith('    ')).toBe(true);
  });

  it('prints AWS commands that can be pasted: the real JSON actions, and an ARN lookup where the ARN is unknown', async () => {
    // Prepare
    const noArn = join(tmp, 'no-arn');
    cpSync(join(FIXTURES, 'aws-stickiness-disabled'), noArn, { recursive: true });
    rmSync(join(noArn, 'aws', 'describe-target-groups.json'));
    const [weighted, unknown] = [capture(), capture()];
    // Act
    await main(['analyze', join(FIXTURES, 'aws-weighted-no-group-stickiness'), '--format', 'json'], weighted);
    await main(['analyze', noArn, '--format', 'json'], unknown);
    // Assess
    const plan = JSON.parse(weighted.out()).remediations.find((p: { action: string }) => p.action === 'elbv2.enable-group-stickiness');
    const actions = JSON.parse(/--default-actions '(.*)'$/.exec(plan.apply)![1]!);
    expect(actions).toEqual(plan.target.actions);
    expect(plan.apply + plan.rollback).not.toMatch(/<|unknown/);
    const advice = JSON.parse(unknown.out()).remediations.find((p: { action: string }) => p.action === 'elbv2.enable-stickiness');
    expect(advice.apply).toBe(`aws elbv2 modify-target-group-attributes --target-group-arn "$(aws elbv2 describe-target-groups --names checkout-tg --query 'TargetGroups[0].TargetGroupArn' --output text)" --attributes Key=stickiness.enabled,Value=true Key=stickiness.type,Value=lb_cookie Key=stickiness.lb_cookie.duration_seconds,Value=7200  # the evidence has no ARN for checkout-tg (describe-target-groups was not collected): the command looks it up by name`);
  });

  it('names only the cookies a HAProxy or NGINX service could set when the probe saw none', async () => {
    // Prepare
    const io = capture();
    // Act
    await main(['analyze', join(FIXTURES, 'probe-spread-haproxy'), '--format', 'json'], io);
    // Assess
    const evidence = JSON.parse(io.out()).findings.flatMap((f: { evidence: string[] }) => f.evidence).filter((e: string) => e.startsWith('probe/exchanges.json: no '));
    expect(evidence).toEqual(['probe/exchanges.json: no Set-Cookie of ROUTEID; backends app1 ×3, app2 ×3']);
    expect(io.out()).not.toContain('AWSALB');
  });

  it('reports a corrupt AWS file as unreadable, not as a missing catalog section, and never as healthy', async () => {
    // Prepare
    const dir = join(tmp, 'corrupt-aws');
    cpSync(join(FIXTURES, 'haproxy-healthy'), dir, { recursive: true });
    mkdirSync(join(dir, 'aws'));
    writeFileSync(join(dir, 'aws', 'describe-target-groups.json'), '{"TargetGroups": [');
    const [text, json] = [capture(), capture()];
    // Act
    const codes = [await main(['analyze', dir], text), await main(['analyze', dir, '--format', 'json'], json)];
    // Assess
    expect(codes).toEqual([2, 2]);
    expect(text.out()).toContain('Some evidence could not be read (aws/describe-target-groups.json).\n');
    expect(text.out()).toContain('  not checked: aws (could not read aws/describe-target-groups.json: invalid JSON: Unexpected end of JSON input)\n');
    expect(text.out()).not.toMatch(/No sticky-session problem found|no aws section/);
    expect(JSON.parse(json.out()).verdict).toBe('unreadable');
  });

  it('headlines a bundle with a malformed file as unreadable and exits 2, never "no problem found"', async () => {
    // Prepare
    const io = capture();
    // Act
    const code = await main(['analyze', join(FIXTURES, 'mixed-malformed-haproxy')], io);
    // Assess
    expect(code).toBe(2);
    expect(io.out().split('\n').slice(0, 2)).toEqual(['Sticky: checkout  checked nginx', 'Some evidence could not be read (haproxy/edge.cfg).']);
    expect(io.out()).not.toContain('No sticky-session problem found');
  });

  it('says nothing of layers a service never had', async () => {
    // Prepare
    const io = capture();
    // Act
    await main(['analyze', join(FIXTURES, 'haproxy-cookie-ttl')], io);
    // Assess
    expect(io.out()).not.toMatch(/not checked|no aws section/);
  });
});
