import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { HELP, main, type Io } from '../../lib/cli/main.ts';
import { buildCli } from '../../scripts/build.ts';
import { FIXTURES } from '../support/bundles.ts';

jest.setTimeout(60_000);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'sticky-cli-bundle-'));
const run = promisify(execFile);
/** A copy of the command as installed: bin/ and dist/ side by side, the sources linked in only when a test wants them. */
const installed = join(tmp, 'installed');
beforeAll(async () => {
  mkdirSync(join(installed, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'bin', 'sticky.js'), join(installed, 'bin', 'sticky.js'));
  cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  await buildCli(join(installed, 'dist'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const env = { ...process.env, STICKY_FROM_SOURCE: '', NODE_COMPILE_CACHE: join(tmp, 'cache') };
const capture = (): Io & { out(): string } => {
  let out = '';
  return { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, env: {}, out: () => out };
};
const exitOf = (e: unknown) => (e as { code?: number }).code ?? 0;

describe('the compiled command', () => {
  it('runs from dist/ alone and prints what the sources print', async () => {
    // Prepare
    const io = capture();
    const code = await main(['analyze', join(FIXTURES, 'multi-layer-incident'), '--format', 'json'], io);
    // Act
    const bundled = await run(process.execPath, [join(installed, 'bin', 'sticky.js'), 'analyze', join(FIXTURES, 'multi-layer-incident'), '--format', 'json'], { env })
      .then((r) => ({ ...r, code: 0 }), (e: { stdout: string; stderr: string }) => ({ ...e, code: exitOf(e) }));
    const help = await run(process.execPath, [join(installed, 'bin', 'sticky.js'), 'help'], { env });
    // Assess
    expect([bundled.code, bundled.stderr, bundled.stdout]).toEqual([code, '', io.out()]);
    expect(help.stdout).toBe(HELP);
  });

  it('falls back to the TypeScript sources when there is no bundle', async () => {
    // Prepare
    const sourcesOnly = join(tmp, 'sources');
    mkdirSync(join(sourcesOnly, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'bin', 'sticky.js'), join(sourcesOnly, 'bin', 'sticky.js'));
    cpSync(join(ROOT, 'package.json'), join(sourcesOnly, 'package.json'));
    symlinkSync(join(ROOT, 'lib'), join(sourcesOnly, 'lib'));
    symlinkSync(join(ROOT, 'node_modules'), join(sourcesOnly, 'node_modules'));
    // Act
    const result = await run(process.execPath, [join(sourcesOnly, 'bin', 'sticky.js'), 'analyze', join(FIXTURES, 'nginx-healthy')], { env });
    // Assess
    expect(result.stdout).toContain('No sticky-session problem found.');
  });
});
