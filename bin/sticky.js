#!/usr/bin/env node
// The `sticky` command. Node 24 runs the TypeScript sources directly (type stripping).
import { main } from '../lib/cli/main.ts';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
