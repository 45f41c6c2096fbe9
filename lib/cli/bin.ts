import { createInterface } from 'node:readline/promises';
import { main } from './main.ts';
import { ignoreClosedPipes } from './pipe.ts';

/**
 * What `bin/sticky.js` runs, from the bundle `npm ci` builds (dist/sticky.mjs) or from these
 * sources: the command line on the real terminal, then exit. Kept apart from `main` so tests
 * drive `main` with captured output and no process exit.
 */
export async function run(): Promise<never> {
  ignoreClosedPipes();
  const confirm = process.stdin.isTTY
    ? async (question: string) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          return /^y(es)?$/i.test((await rl.question(question)).trim());
        } finally {
          rl.close();
        }
      }
    : undefined;
  // Exit as soon as the report is out: a connection a collector abandoned at the deadline must
  // not keep the process alive past --timeout. (stdout and stderr writes are synchronous for
  // files, pipes and terminals on Linux, so nothing printed is lost.)
  process.exit(await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, ...(confirm ? { confirm } : {}) }));
}
