#!/usr/bin/env node
// The `sticky` command. Plain JavaScript that any Node can read, so an old Node hears what it
// needs instead of failing on a `.ts` import; then Node 24 runs the TypeScript sources directly.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`sticky: needs Node.js 24 or later, and this is Node.js ${process.versions.node}. In the project, \`npm ci\` installs Node 24 for its own scripts: run \`npx sticky ...\` (or \`npm exec sticky -- ...\`); elsewhere, install Node.js 24.\n`);
  process.exit(2);
}

// No top-level await: even a Node too old for it must reach the message above.
Promise.all([import('node:readline/promises'), import('../lib/cli/pipe.ts'), import('../lib/cli/main.ts')]).then(async ([{ createInterface }, { ignoreClosedPipes }, { main }]) => {
  ignoreClosedPipes();
  const confirm = process.stdin.isTTY
    ? async (question) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          return /^y(es)?$/i.test((await rl.question(question)).trim());
        } finally {
          rl.close();
        }
      }
    : undefined;
  // Exit as soon as the report is out: a connection a collector abandoned at the deadline must not
  // keep the process alive past --timeout. (stdout and stderr writes are synchronous for files,
  // pipes and terminals on Linux, so nothing printed is lost.)
  process.exit(await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, ...(confirm ? { confirm } : {}) }));
});
