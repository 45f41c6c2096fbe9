import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { analyze, exitCode } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { readBundle } from '../../lib/evidence/read-bundle.ts';
import { decodeText, firstInvalidUtf8 } from '../../lib/evidence/text.ts';
import { toJson } from '../../lib/report/json.ts';
import { FIXTURES } from '../support/bundles.ts';

const tmp = mkdtempSync(join(tmpdir(), 'sticky-encodings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Fixtures that together hold every file type of the layout. */
const COVER = ['multi-layer-incident', 'haproxy-server-maint', 'haproxy-flapping-observed', 'nginx-round-robin', 'aws-weighted-no-group-stickiness', 'aws-metrics-flap', 'k8s-pod-kills'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

/** Copies a fixture to a temporary folder, rewriting every file's bytes. */
function transformed(name: string, how: string, fn: (text: string, rel: string) => Buffer): string {
  const dir = join(tmp, `${name}-${how}`);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  for (const f of files(dir)) writeFileSync(f, fn(readFileSync(f, 'utf8'), relative(dir, f)));
  return dir;
}

const report = async (dir: string) => {
  const r = analyze(parseBundle(await readBundle(dir)));
  const j = toJson(r);
  return { exit: exitCode(r), checked: j.checked, findings: j.findings, remediations: j.remediations.map((p) => ({ ...p, target: {} })), problems: j.problems };
};

const utf16be = (s: string) => {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
};

const ENCODINGS: [string, (text: string) => Buffer][] = [
  ['utf-8 with a byte-order mark', (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)])],
  ['CRLF line ends', (t) => Buffer.from(t.replace(/\n/g, '\r\n'))],
  ['a byte-order mark and CRLF', (t) => Buffer.from(`\uFEFF${t.replace(/\n/g, '\r\n')}`)],
  ['UTF-16LE with a byte-order mark (PowerShell ">")', (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])],
  ['UTF-16BE with a byte-order mark', (t) => Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(t)])],
];

describe('evidence files in other encodings', () => {
  it.each(COVER.flatMap((name) => ENCODINGS.map(([how, fn]) => [name, how, fn] as const)))('%s with %s reads exactly like the UTF-8 original', async (name, how, fn) => {
    // Prepare
    const dir = transformed(name, how.replace(/\W+/g, '-'), (t) => fn(t));
    // Act
    const got = await report(dir);
    // Assess
    expect(got).toEqual(await report(join(FIXTURES, name)));
    expect(got.problems).toEqual([]);
  });

  it('reads an nginx -T dump saved with a byte-order mark (it used to read as nothing, exit 0)', async () => {
    // Prepare
    const dir = transformed('nginx-round-robin', 'bom-dump', (t, rel) => Buffer.from(rel.startsWith('nginx/') ? `\uFEFF${t}` : t));
    // Act
    const got = await report(dir);
    // Assess
    expect([got.exit, got.checked, got.findings.map((f) => f.id)]).toEqual([1, ['nginx'], ['nginx.edge.backend.no-affinity']]);
  });

  it.each(COVER.flatMap((name) => files(join(FIXTURES, name)).map((f) => relative(join(FIXTURES, name), f)).filter((r) => r !== 'service.yaml').map((rel) => [name, rel] as const)))(
    '%s: a Latin-1 byte in %s is a problem at its file and line, never read as empty',
    async (name, rel) => {
      // Prepare
      const dir = transformed(name, `latin1-${rel.replace(/\W+/g, '-')}`, (t, r) => {
        if (r !== rel) return Buffer.from(t);
        const lines = t.split('\n');
        const at = Math.min(1, lines.length - 1);
        return Buffer.concat([Buffer.from(`${lines.slice(0, at + 1).join('\n')}`), Buffer.from([0xe9]), Buffer.from(`\n${lines.slice(at + 1).join('\n')}`)]);
      });
      const col = readFileSync(join(FIXTURES, name, rel), 'utf8').split('\n')[Math.min(1, readFileSync(join(FIXTURES, name, rel), 'utf8').split('\n').length - 1)]!.length + 1;
      const line = Math.min(2, readFileSync(join(FIXTURES, name, rel), 'utf8').split('\n').length);
      // Act
      const got = await report(dir);
      // Assess
      expect(got.problems).toEqual([{ file: rel, line, message: `not UTF-8 text: byte 0xE9 at column ${col} (save the file as UTF-8, e.g. \`iconv -f latin1 -t utf-8\`)` }]);
      expect(got.exit).toBe(2);
    },
  );

  it('rejects a service.yaml that is not UTF-8 with its line, as a bad bundle', async () => {
    // Prepare
    const dir = transformed('haproxy-cookie-ttl', 'latin1-service', (t, rel) => (rel === 'service.yaml' ? Buffer.from(t.replace('checkout', 'caf\u00e9'), 'latin1') : Buffer.from(t)));
    // Act
    const act = readBundle(dir).then(parseBundle);
    // Assess
    await expect(act).rejects.toThrow(/^service\.yaml:1: not UTF-8 text: byte 0xE9 at column 10 /);
  });

  it('ignores an undecodable file outside the layout with a note, like any unknown file', async () => {
    // Prepare
    const dir = transformed('haproxy-cookie-ttl', 'latin1-notes', (t) => Buffer.from(t));
    writeFileSync(join(dir, 'README.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    // Act
    const r = analyze(parseBundle(await readBundle(dir)));
    // Assess
    expect([r.problems, r.notes, exitCode(r)]).toEqual([[], ['ignored README.txt: not a file of the evidence bundle layout'], 1]);
  });
});

describe('decodeText', () => {
  it('finds the first byte that is not well-formed UTF-8', () => {
    // Assess
    expect([
      firstInvalidUtf8(Buffer.from('caf\u00e9 ok')),
      firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0xaf])),
      firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80])),
      firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80])),
      firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82])),
    ]).toEqual([-1, 1, 2, 0, 1]);
  });

  it('keeps a UTF-8 byte-order mark, so the text still equals the live file a fix compares it with', () => {
    // Assess
    expect(decodeText(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).toBe('\uFEFFa');
  });
});
