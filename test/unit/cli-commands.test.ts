import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadCatalog } from '../../lib/catalog/catalog.ts';
import { COMMANDS, commandHelp, VERSION } from '../../lib/cli/commands.ts';
import { EXIT } from '../../lib/cli/exit-codes.ts';
import { main } from '../../lib/cli/main.ts';
import { FIXTURES } from '../support/bundles.ts';
import { capture } from '../support/cli.ts';

const ROOT = join(FIXTURES, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'sticky-cli-commands-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(argv: string[], io = capture()): Promise<{ code: number; out: string; err: string }> {
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('help', () => {
  it.each(COMMANDS.map((c) => [c.name]))('sticky %s: --help, -h and `sticky help <command>` print its usage, options and an example', async (name) => {
    // Prepare
    const spec = COMMANDS.find((c) => c.name === name)!;
    // Act
    const results = [await run([name, '--help']), await run([name, '-h']), await run(['help', name])];
    // Assess
    for (const r of results) expect(r).toEqual({ code: 0, out: commandHelp(spec), err: '' });
    const help = results[0]!.out;
    expect(help.startsWith(`sticky ${name}: ${spec.summary}\n\nUsage: sticky ${name}`)).toBe(true);
    for (const o of spec.options) expect(help).toContain(`--${o.name}`);
    expect(help).toContain('  -h, --help');
    expect(help).toMatch(/\nExamples:\n {2}sticky /);
    expect(help).toContain('\nExit codes: ');
  });

  it('prints check --help exactly, options aligned and wrapped', async () => {
    // Act
    const r = await run(['check', '--help']);
    // Assess
    expect(r.out).toBe(`sticky check: collect a service's layers live and say what breaks its sticky sessions

Usage: sticky check <service> [options]

  Collects every layer the catalog entry names, concurrently (AWS ALB/NLB and CloudWatch,
  Kubernetes, HAProxy, NGINX, a live probe of the URL), analyzes what it got and prints the
  findings and the proposed fixes. A layer that cannot be reached is reported as not checked,
  never as healthy.

Options:
  -c, --catalog PATH       the catalog: a YAML list of services, a folder of one file each,
                           s3://bucket/key or ssm:/parameter (default: $STICKY_CATALOG, else
                           ./sticky.config.yaml)
      --save-evidence DIR  keep the evidence bundle in DIR, a new or empty folder (for \`sticky
                           apply\` and \`sticky analyze\`)
  -f, --format FORMAT      text (default: for a person), json (one object, docs/report.md) or blocks
                           (the Slack message the bot posts)
      --timeout MS         one deadline for the whole command, in milliseconds (default 20000, at
                           least 500)
      --no-color           no colour, even on a terminal (NO_COLOR and FORCE_COLOR are honoured too)
      --debug              print the stack trace of an unexpected error
  -h, --help               this help

Examples:
  sticky check checkout
  sticky check checkout --save-evidence ./incident-42
  sticky check checkout --format json --timeout 10000

Exit codes: 0 healthy, 1 findings, 2 bad input or usage, 3 a named layer could not be checked (docs/cli.md)
`);
  });

  it('lists every command and points at the documentation in the repository, never at a file it does not have', async () => {
    // Act
    const results = [await run(['help']), await run(['--help']), await run(['-h'])];
    // Assess
    for (const r of results) expect([r.code, r.err]).toEqual([0, '']);
    const help = results[0]!.out;
    for (const c of COMMANDS) expect(help).toContain(`\n  ${c.name} `);
    for (const doc of help.match(/docs\/[\w-]+\.md/g)!) expect(readFileSync(join(ROOT, doc), 'utf8').length).toBeGreaterThan(0);
    expect(help).not.toContain('EVIDENCE.md');
    expect(results[1]!.out).toBe(help);
  });

  it('prints the general help on stderr and exits 2 when no command is given', async () => {
    // Act
    const r = await run([]);
    // Assess
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err.startsWith('sticky: diagnose and fix load-balancer sticky-session failures\n')).toBe(true);
  });

  it('prints the version of package.json with --version, -V and version', async () => {
    // Prepare
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    // Act
    const results = [await run(['--version']), await run(['-V']), await run(['version'])];
    // Assess
    expect(VERSION).toBe(pkg.version);
    for (const r of results) expect(r).toEqual({ code: 0, out: `sticky ${pkg.version}\n`, err: '' });
  });
});

describe('mistyped names get a suggestion and exit 2', () => {
  it.each([
    [['chek', 'checkout'], 'sticky: unknown command "chek"; did you mean check?\nRun "sticky help" for usage.\n'],
    [['anaylze', 'x'], 'sticky: unknown command "anaylze"; did you mean analyze?\nRun "sticky help" for usage.\n'],
    [['help', 'aply'], 'sticky: no command "aply"; did you mean apply?\nRun "sticky help" for usage.\n'],
    [['analyze', 'x', '--formt', 'json'], 'sticky: unknown option --formt for analyze; did you mean --format?\nRun "sticky analyze --help" for usage.\n'],
    [['check', 'checkout', '--time-out', '900'], 'sticky: unknown option --time-out for check; did you mean --timeout?\nRun "sticky check --help" for usage.\n'],
    [['analyze', 'x', '--format', 'jsn'], 'sticky: --format must be one of text, json, blocks, not "jsn"; did you mean json?\nRun "sticky analyze --help" for usage.\n'],
    [['analyze', 'x', '--format'], 'sticky: --format needs a value: text, json, blocks\nRun "sticky analyze --help" for usage.\n'],
    [['apply', 'p', '--yes=1'], 'sticky: --yes is a flag and takes no value\nRun "sticky apply --help" for usage.\n'],
    [['completion', 'fish'], 'sticky: completion is for bash or zsh, not "fish"\nRun "sticky completion --help" for usage.\n'],
    [['--catalog', 'x.yaml'], 'sticky: --catalog is not a command; options go after it: sticky <command> --catalog\nRun "sticky help" for usage.\n'],
    [['-v'], 'sticky: unknown option -v; did you mean --version?\nRun "sticky help" for usage.\n'],
    [['--verison'], 'sticky: unknown option --verison; did you mean --version?\nRun "sticky help" for usage.\n'],
  ])('sticky %j', async (argv, message) => {
    // Act
    const r = await run(argv as string[]);
    // Assess
    expect(r).toEqual({ code: 2, out: '', err: message });
  });
});

describe('services', () => {
  it('lists services in aligned columns, says "none" for an entry without layers, and prints JSON and names', async () => {
    // Prepare
    const file = join(tmp, 'services.yaml');
    writeFileSync(file, [
      '- { name: checkout, hosts: [shop.example.com, www.shop.example.com], sessionTimeoutSeconds: 3600, probe: { url: "https://shop.example.com/" }, haproxy: [{ name: edge1, config: /etc/haproxy/haproxy.cfg }] }',
      '- { name: a-much-longer-service-name, hosts: [long.example.com], sessionTimeoutSeconds: 60 }',
    ].join('\n'));
    // Act
    const text = await run(['services', '--catalog', file]);
    const json = await run(['services', '--catalog', file, '--format', 'json']);
    const names = await run(['services', '--catalog', file, '--format', 'names']);
    // Assess
    expect(text).toEqual({
      code: 0,
      err: '',
      out: [
        'SERVICE                     LAYERS          HOSTS',
        'checkout                    haproxy, probe  shop.example.com, www.shop.example.com',
        'a-much-longer-service-name  none            long.example.com',
        '(a service with no layers names nothing to collect: add aws, kubernetes, haproxy, nginx or probe to its entry)',
        '',
      ].join('\n'),
    });
    const parsed = JSON.parse(json.out) as { catalog: string; services: { name: string; layers: string[]; hosts: string[]; sessionTimeoutSeconds: number }[] };
    expect([json.code, parsed.catalog, parsed.services.map((s) => [s.name, s.layers, s.hosts, s.sessionTimeoutSeconds])]).toEqual([
      0, file, [['checkout', ['haproxy', 'probe'], ['shop.example.com', 'www.shop.example.com'], 3600], ['a-much-longer-service-name', [], ['long.example.com'], 60]],
    ]);
    expect(names).toEqual({ code: 0, out: 'checkout\na-much-longer-service-name\n', err: '' });
  });

  it('says how to start when there is no catalog', async () => {
    // Act
    const r = await run(['services', '--catalog', join(tmp, 'none.yaml')]);
    // Assess
    expect(r).toEqual({ code: 2, out: '', err: `sticky: ${join(tmp, 'none.yaml')}: no catalog here: \`sticky init <service>\` writes one (sticky.config.example.yaml shows complete entries), or pass --catalog PATH or set STICKY_CATALOG\n` });
  });

  it('ships an example catalog that loads', async () => {
    // Act
    const catalog = await loadCatalog(join(ROOT, 'sticky.config.example.yaml'));
    // Assess
    expect(catalog.services.map((s) => s.name)).toEqual(['checkout', 'cart', 'search']);
  });
});

describe('init', () => {
  it('creates a catalog with a commented entry that loads, appends the next one, and refuses a name it has', async () => {
    // Prepare
    const file = join(tmp, 'init', 'sticky.config.yaml');
    // Act
    const first = await run(['init', 'checkout', '--catalog', file]);
    const second = await run(['init', 'cart', '--host', 'cart.shop.example', '--catalog', file]);
    const again = await run(['init', 'checkout', '--catalog', file]);
    const bad = await run(['init', 'Checkout', '--catalog', file]);
    // Assess
    expect(first).toEqual({ code: 0, err: '', out: `wrote service "checkout" to ${file}\nEdit it (every field is explained there), then: sticky check checkout --catalog ${file}\n` });
    expect(second.code).toBe(0);
    expect(again).toEqual({ code: 2, out: '', err: `sticky: ${file}: service "checkout" is there already; pick another name or edit it\n` });
    expect(bad).toEqual({ code: 2, out: '', err: 'sticky: "Checkout" cannot be a service name: use lower-case letters, digits and "-" ([a-z0-9][a-z0-9-]{0,62})\n' });
    const catalog = await loadCatalog(file);
    expect(catalog.services.map((s) => [s.name, s.hosts, s.sessionTimeoutSeconds])).toEqual([['checkout', ['checkout.example.com'], 3600], ['cart', ['cart.shop.example'], 3600]]);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('  # haproxy: [{ name: edge1, config: /etc/haproxy/haproxy.cfg, runtime: /run/haproxy/admin.sock, pidFile: /run/haproxy.pid }]\n');
    expect(text).toContain('  # probe: { url: "https://cart.shop.example/", backendHeader: X-Backend-Server, requests: 20 }\n');
  });

  it('replaces an empty [] catalog and writes one file per service into a folder catalog', async () => {
    // Prepare
    const empty = join(tmp, 'empty.yaml');
    writeFileSync(empty, '# my services\n[]\n');
    const folder = join(tmp, 'folder');
    // Act
    const a = await run(['init', 'search', '--catalog', empty]);
    const b = await run(['init', 'search', '--catalog', folder]);
    const c = await run(['init', 'cart', '--catalog', folder]);
    // Assess
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    expect(readFileSync(empty, 'utf8').startsWith('# my services\n# search: written by `sticky init`')).toBe(true);
    expect((await loadCatalog(empty)).services.map((s) => s.name)).toEqual(['search']);
    expect((await loadCatalog(folder)).services.map((s) => s.name)).toEqual(['cart', 'search']);
  });
});

describe('completion', () => {
  const bin = join(tmp, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(join(ROOT, 'bin', 'sticky.js'), join(bin, 'sticky'));
  const PATH = `${bin}:${dirname(process.execPath)}:${process.env.PATH}`;

  async function script(shell: 'bash' | 'zsh'): Promise<string> {
    const io = capture();
    expect(await main(['completion', shell], io)).toBe(0);
    const file = join(tmp, `completion.${shell}`);
    writeFileSync(file, io.out());
    return file;
  }

  /** Runs bash's completion function on a command line and returns what it offers. */
  function complete(file: string, words: string[], catalog?: string): string[] {
    const line = words.map((w) => `'${w}'`).join(' ');
    const out = execFileSync('bash', ['-c', `source '${file}'; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _sticky; printf '%s\\n' "\${COMPREPLY[@]}"`], {
      env: { PATH, HOME: tmp, ...(catalog ? { STICKY_CATALOG: catalog } : {}) }, encoding: 'utf8',
    });
    return out.split('\n').filter(Boolean);
  }

  it('completes commands, options, formats and service names from the catalog in bash', async () => {
    // Prepare
    const file = await script('bash');
    const catalog = join(tmp, 'completion-catalog.yaml');
    writeFileSync(catalog, '- { name: checkout, hosts: [a.example.com], sessionTimeoutSeconds: 60 }\n- { name: cart, hosts: [b.example.com], sessionTimeoutSeconds: 60 }\n');
    // Act
    const results = {
      commands: complete(file, ['sticky', 'c']),
      options: complete(file, ['sticky', 'check', '--s']),
      formats: complete(file, ['sticky', 'analyze', 'x', '--format', '']),
      services: complete(file, ['sticky', 'check', ''], catalog),
      flagCatalog: complete(file, ['sticky', 'check', '--catalog', catalog, 'ca']),
      shells: complete(file, ['sticky', 'completion', '']),
    };
    // Assess
    expect(results).toEqual({
      commands: ['check', 'completion'],
      options: ['--save-evidence'],
      formats: ['text', 'json', 'blocks'],
      services: ['checkout', 'cart'],
      flagCatalog: ['cart'],
      shells: ['bash', 'zsh'],
    });
  });

  it('gives zsh a valid #compdef function that registers for sticky', async () => {
    // Prepare
    const file = await script('zsh');
    chmodSync(file, 0o644);
    // Act
    execFileSync('zsh', ['-n', file]);
    const registered = execFileSync('zsh', ['-f', '-c', `autoload -U compinit; compinit -u -D; source '${file}'; print -r -- $_comps[sticky]`], { encoding: 'utf8', env: { PATH } });
    // Assess
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('#compdef sticky');
    expect(registered.trim()).toBe('_sticky');
  });
});

describe('the documentation in the repository', () => {
  it('documents every exit code in docs/cli.md, and the README and docs link only files the repository has', () => {
    // Prepare
    const cli = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
    const pages = ['README.md', 'DEVELOPERS.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)];
    // Act
    const documented = [...cli.matchAll(/^\| (\d) \|/gm)].map((m) => Number(m[1]));
    const links = pages.flatMap((page) => [...readFileSync(join(ROOT, page), 'utf8').matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)]
      .map((m) => m[1]!).filter((l) => !/^https?:/.test(l)).map((l) => join(ROOT, dirname(page), l)));
    // Assess
    expect(documented).toEqual([...new Set(Object.values(EXIT))].sort());
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((l) => !existsSync(l))).toEqual([]);
    for (const page of pages) expect(readFileSync(join(ROOT, page), 'utf8')).not.toContain('EVIDENCE.md');
  });
});
