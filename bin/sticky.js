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

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, ...(confirm ? { confirm } : {}) });
