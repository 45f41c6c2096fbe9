#!/usr/bin/env node
// The `sticky` command. Plain JavaScript that any Node can read, so an old Node hears what it
// needs instead of failing on a `.ts` import. Then it runs the compiled bundle that `npm ci`
// builds (dist/, `npm run build`), else the TypeScript sources, which Node 24 runs by stripping
// types; STICKY_FROM_SOURCE=1 runs the sources even when a bundle exists (the tests set it).
// Node's compile cache keeps the compiled code between runs.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`sticky: needs Node.js 24 or later, and this is Node.js ${process.versions.node}. In the project, \`npm ci\` installs Node 24 for its own scripts: run \`npx sticky ...\` (or \`npm exec sticky -- ...\`); elsewhere, install Node.js 24.\n`);
  process.exit(2);
}

// No top-level await: even a Node too old for it must reach the message above.
Promise.all([import('node:fs'), import('node:module')]).then(async ([{ existsSync }, { enableCompileCache }]) => {
  enableCompileCache?.();
  const bundle = new URL('../dist/sticky.mjs', import.meta.url);
  const { run } = process.env.STICKY_FROM_SOURCE !== '1' && existsSync(bundle) ? await import(bundle.href) : await import('../lib/cli/bin.ts');
  await run();
});
