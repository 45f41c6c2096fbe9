import { parseArgs } from 'node:util';
import { BundleError } from '../evidence/errors.ts';
import type { Progress } from '../providers/collect.ts';
import type { Report } from '../checks/analyze.ts';

// Every command loads what it uses when it runs (`sticky help` loads none of it): the rules,
// parsers, zod schemas and renderers are most of a cold start. A command validates each kind of
// input a few times, so zod interprets its schemas instead of compiling a parser for each first;
// zod decides that when a schema is built, so the setting comes before any schema module loads.
const zodOnce = () => import('zod').then(({ z }) => void z.config({ jitless: true }));
const analysis = () => zodOnce().then(() => import('./analysis.ts'));
const catalogModule = () => zodOnce().then(() => import('../catalog/catalog.ts'));

/** Where the CLI writes; injectable so tests capture output without a child process. */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Asks a yes/no question on the terminal; absent when there is no terminal to ask. */
  confirm?: (question: string) => Promise<boolean>;
}

/** Raised for a bad command line; exit code 2 with the usage hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const HELP = `sticky: diagnose load-balancer sticky-session failures

Usage:
  sticky check <service> [--catalog PATH] [--save-evidence DIR] [--format text|json|blocks] [--timeout MS]
      Collect every layer of a catalog service live (concurrently), then analyze it. --timeout
      (default 20000) is one deadline for the whole command: what is not collected by then is
      reported as not checked, and the command ends within it.
  sticky analyze <bundle> [--format text|json|blocks]
      Analyze an evidence bundle (a folder with service.yaml; docs/evidence-bundle.md) offline.
  sticky apply <plan-id> --evidence DIR [--yes]
      Apply one proposed fix from a bundle that \`check --save-evidence DIR\` wrote: refuse if the
      live state drifted, validate, write with a backup, reload gracefully, verify, roll back
      by itself when the finding is still there. Asks before changing anything unless --yes.
  sticky services [--catalog PATH]
      List the catalog's services and the layers each one has.
  sticky help

The catalog is --catalog PATH, else $STICKY_CATALOG, else ./sticky.config.yaml: a YAML list of
service entries (the service.yaml of docs/evidence-bundle.md), or a folder of service files.

Formats:
  text    for a person at a terminal (default); colour on a TTY unless NO_COLOR is set
  json    the report as one JSON object (docs/report.md)
  blocks  the Slack Block Kit message the bot would post

Exit codes (analyze and check):
  0  every layer the service names was checked, and no finding is warning or critical
  1  at least one warning or critical finding
  2  bad input or usage (missing folder, invalid service.yaml, unreadable evidence file)
  3  no warning or critical finding, but a layer the service names could not be checked
     (unreachable, timed out, denied): not a clean bill of health
`;

const FORMATS = ['text', 'json', 'blocks'] as const;

/** `sticky check`'s default deadline for the whole command. */
export const DEFAULT_CHECK_TIMEOUT_MS = 20_000;
/** What `--timeout` keeps back for analysis and printing, so the report is out before the deadline. */
const REPORT_RESERVE_MS = 250;

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
  const format = formatOf(values.format);
  if (positionals.length !== 1) throw new UsageError('analyze takes exactly one bundle folder');
  const { analyze, parseBundle, readBundle } = await analysis();
  return print(analyze(parseBundle(await readBundle(positionals[0]!))), format, io);
}

async function print(report: Report, format: (typeof FORMATS)[number], io: Io): Promise<number> {
  if (format === 'json') io.stdout.write(`${JSON.stringify((await import('../report/json.ts')).toJson(report), null, 2)}\n`);
  else if (format === 'blocks') io.stdout.write(`${JSON.stringify((await import('../slack/blocks.ts')).renderBlocks(report), null, 2)}\n`);
  else {
    const { renderText, styleFor } = await analysis();
    io.stdout.write(renderText(report, styleFor(Boolean(io.stdout.isTTY), io.env)));
  }
  if (report.problems.length > 0 && format !== 'text') {
    for (const p of report.problems) io.stderr.write(`sticky: could not read ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
  }
  return (await analysis()).exitCode(report);
}

function formatOf(value: string | undefined): (typeof FORMATS)[number] {
  const format = (value ?? 'text') as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${value}"`);
  return format;
}

async function checkCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      catalog: { type: 'string', short: 'c' },
      'save-evidence': { type: 'string' },
      format: { type: 'string', short: 'f', default: 'text' },
      timeout: { type: 'string', default: String(DEFAULT_CHECK_TIMEOUT_MS) },
    },
    allowPositionals: true,
  });
  const startedAt = Date.now();
  const format = formatOf(values.format);
  if (positionals.length !== 1) throw new UsageError('check takes exactly one service name');
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 500) throw new UsageError('--timeout is a whole number of milliseconds, at least 500');
  const left = () => startedAt + timeoutMs - REPORT_RESERVE_MS - Date.now();
  const { catalogPath, collect, findService, layersOf, loadCatalog } = await zodOnce().then(() => import('./live.ts'));
  const catalog = await loadCatalog(catalogPath(values.catalog, io.env));
  const service = findService(catalog, positionals[0]!);
  const started = new Map<string, number>();
  const progress = io.stderr.isTTY
    ? (p: Progress) => {
        if (p.state === 'start') started.set(p.layer, Date.now());
        else io.stderr.write(`  ${p.layer.padEnd(10)} ${p.state === 'done' ? 'collected' : `not checked: ${p.detail}`}${started.has(p.layer) ? ` (${Date.now() - started.get(p.layer)!} ms)` : ''}\n`);
      }
    : undefined;
  if (progress) io.stderr.write(`checking ${service.name}: ${layersOf(service).join(', ')}\n`);
  // The analysis is loaded first: loading it while the probe waits for answers would hold up the
  // probe's next requests (one thread), and costs the same CPU either way.
  const { analyze, parseBundle } = await analysis();
  const raw = await collect(service, { timeoutMs: Math.max(100, left()), trigger: 'cli', ...(progress ? { onProgress: progress } : {}) });
  if (values['save-evidence']) await (await import('../evidence/write-bundle.ts')).writeBundle(values['save-evidence'], raw);
  const report = analyze(parseBundle(raw));
  if (service.kubernetes && report.checked.includes('kubernetes') && left() > 100) {
    const { dryRunKubernetesPlans } = await import('../remediations/apply/kubernetes.ts');
    const { withTimeout } = await import('../providers/errors.ts');
    await withTimeout('the server-side dry run', left(), () => dryRunKubernetesPlans(report, service)).catch((e: Error) => report.notes.push(`kubernetes fixes not dry-run: ${e.message}`));
  }
  return print(report, format, io);
}

async function applyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { evidence: { type: 'string', short: 'e' }, yes: { type: 'boolean', short: 'y' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('apply takes exactly one plan id');
  if (!values.evidence) throw new UsageError('apply needs --evidence DIR (the bundle the plan came from: sticky check --save-evidence DIR)');
  const { analyze, parseBundle, readBundle } = await analysis();
  const evidence = await readBundle(values.evidence);
  const report = analyze(parseBundle(evidence));
  const plan = report.remediations.find((p) => p.id === positionals[0]);
  if (!plan) throw new UsageError(`no plan ${positionals[0]} in ${values.evidence}; its plans: ${report.remediations.map((p) => p.id).join(', ') || 'none'}`);
  io.stdout.write(`${plan.title} (risk ${plan.risk})\n${plan.change.before.split('\n').map((l) => `  - ${l}`).join('\n')}\n${plan.change.after.split('\n').map((l) => `  + ${l}`).join('\n')}\n`);
  if (!values.yes) {
    if (!io.confirm) throw new UsageError('no terminal to confirm on: add --yes to apply without asking');
    if (!(await io.confirm('Apply this change? [y/N] '))) {
      io.stdout.write('not applied\n');
      return 1;
    }
  }
  const { applyPlan } = await import('../remediations/apply/engine.ts');
  const result = await applyPlan({ evidence, planId: plan.id, onStep: (s) => io.stdout.write(`  ${s}\n`) });
  io.stdout.write(`${result.status}${result.reason ? `: ${result.reason}` : ''}\n`);
  return result.status === 'verified' ? 0 : 1;
}

async function servicesCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { catalog: { type: 'string', short: 'c' } } });
  const { catalogPath, layersOf, loadCatalog } = await catalogModule();
  const catalog = await loadCatalog(catalogPath(values.catalog, io.env));
  for (const s of catalog.services) io.stdout.write(`${s.name.padEnd(24)} ${layersOf(s).join(', ').padEnd(34)} ${s.hosts.join(', ')}\n`);
  if (catalog.services.length === 0) io.stdout.write(`no services in ${catalog.source}\n`);
  return 0;
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
      case 'check':
        return await checkCommand(rest, io);
      case 'services':
        return await servicesCommand(rest, io);
      case 'apply':
        return await applyCommand(rest, io);
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
    if (e instanceof BundleError || (e instanceof Error && e.name === 'CatalogError' && e instanceof (await catalogModule()).CatalogError)) {
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
