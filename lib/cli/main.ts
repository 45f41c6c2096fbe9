import { parseArgs } from 'node:util';
import { analyze, exitCode } from '../checks/analyze.ts';
import { parseBundle } from '../evidence/bundle.ts';
import { BundleError } from '../evidence/errors.ts';
import { readBundle } from '../evidence/read-bundle.ts';
import { toJson } from '../report/json.ts';
import { renderBlocks } from '../slack/blocks.ts';
import { renderText, styleFor } from './render-text.ts';

/** Where the CLI writes; injectable so tests capture output without a child process. */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Raised for a bad command line; exit code 2 with the usage hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const HELP = `sticky: diagnose load-balancer sticky-session failures

Usage:
  sticky analyze <bundle> [--format text|json|blocks]
      Analyze an evidence bundle (a folder with service.yaml, see EVIDENCE.md) offline.
  sticky help

Formats:
  text    for a person at a terminal (default); colour on a TTY unless NO_COLOR is set
  json    the report as one JSON object (the contract of EVIDENCE.md)
  blocks  the Slack Block Kit message the bot would post

Exit codes:
  0  no finding of severity warning or critical
  1  at least one warning or critical finding
  2  bad input or usage (missing folder, invalid service.yaml, unreadable evidence file)
`;

const FORMATS = ['text', 'json', 'blocks'] as const;

async function analyzeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { format: { type: 'string', short: 'f', default: 'text' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const format = values.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${values.format}"`);
  if (positionals.length !== 1) throw new UsageError('analyze takes exactly one bundle folder');
  const report = analyze(parseBundle(await readBundle(positionals[0]!)));
  if (format === 'json') io.stdout.write(`${JSON.stringify(toJson(report), null, 2)}\n`);
  else if (format === 'blocks') io.stdout.write(`${JSON.stringify(renderBlocks(report), null, 2)}\n`);
  else io.stdout.write(renderText(report, styleFor(Boolean(io.stdout.isTTY), io.env)));
  if (report.problems.length > 0 && format !== 'text') {
    for (const p of report.problems) io.stderr.write(`sticky: could not read ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
  }
  return exitCode(report);
}

/**
 * Runs the `sticky` command line and returns its exit code. Bad input never surfaces as a stack
 * trace: usage and bundle errors print one clear message on stderr and return 2.
 */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'analyze':
        return await analyzeCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof BundleError) {
      io.stderr.write(`sticky: ${e.message}\n`);
      return 2;
    }
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`sticky: ${(e as Error).message}\nRun "sticky help" for usage.\n`);
      return 2;
    }
    throw e;
  }
}
