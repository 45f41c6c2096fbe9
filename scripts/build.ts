import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the CLI bundle goes (ignored by git; `npm ci` rebuilds it through `prepare`). */
export const DIST = join(root, 'dist');

/**
 * Compiles the `sticky` command into dist/: one ES module entry (`sticky.mjs`) with code
 * splitting, so each command loads only the chunks it imports (help loads none of the rules,
 * `analyze` none of the collectors), and the dependencies bundled in, so a start reads a few
 * files instead of hundreds. The sources stay the truth: `bin/sticky.js` falls back to them when
 * there is no bundle.
 */
export async function buildCli(outdir = DIST): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { sticky: join(root, 'lib', 'cli', 'bin.ts') },
    outdir, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node24', outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]', logLevel: 'error', legalComments: 'none', minifySyntax: true, minifyWhitespace: true,
    // Optional native add-ons of `ws`, loaded with a fallback when absent.
    external: ['bufferutil', 'utf-8-validate'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    loader: { '.yaml': 'text' },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await buildCli();
