import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../lib/cli/main.ts';
import { ignoreClosedPipes } from '../lib/cli/pipe.ts';

/**
 * The embedded default main job: analyzes every bundled example incident and prints its
 * report, as `sticky analyze` would for a bundle an operator collected. Exit code 2 if any
 * example could not be read; finding problems in the examples is their point.
 */
ignoreClosedPipes();
const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
let worst = 0;
for (const name of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  process.stdout.write(`\n$ sticky analyze examples/${name}\n`);
  const code = await main(['analyze', join(root, name)], { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.stdout.write(`(exit ${code})\n`);
  if (code === 2) worst = 2;
}
process.exitCode = worst;
