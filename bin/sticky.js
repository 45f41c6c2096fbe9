#!/usr/bin/env node
// The `sticky` command. Node 24 runs the TypeScript sources directly (type stripping).
import { createInterface } from 'node:readline/promises';
import { main } from '../lib/cli/main.ts';

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
