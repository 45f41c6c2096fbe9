#!/usr/bin/env node
// The `sticky` command: runs the compiled bundle that `npm ci` builds (dist/, `npm run build`),
// else the TypeScript sources, which Node 24 runs by stripping types. STICKY_FROM_SOURCE=1 runs the
// sources even when a bundle exists (the tests set it). Node's compile cache keeps the compiled
// code between runs.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
const bundle = new URL('../dist/sticky.mjs', import.meta.url);
const { run } = process.env.STICKY_FROM_SOURCE !== '1' && existsSync(bundle) ? await import(bundle.href) : await import('../lib/cli/bin.ts');
await run();
