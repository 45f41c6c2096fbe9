import { parseArgs } from 'node:util';
import { BundleError } from '../evidence/errors.ts';
import type { Report } from '../checks/analyze.ts';
import type { RawBundle } from '../evidence/bundle.ts';
import type { Verifier } from '../remediations/apply/engine.ts';
import { COMMANDS, COMMON_OPTIONS, commandHelp, commandSpec, generalHelp, REPORT_FORMATS, VERSION, type CommandSpec } from './commands.ts';
import { applyExitCode, EXIT } from './exit-codes.ts';
import { didYouMean } from '../text/suggest.ts';

// Every command loads what it uses when it runs (`sticky help` loads none of it): the rules,
// parsers, zod schemas and renderers are most of a cold start. A command validates each kind of
// input a few times, so zod interprets its schemas instead of compiling a parser for each first;
// zod decides that when a schema is built, so the setting comes before any schema module loads.
const zodOnce = () => import('zod').then(({ z }) => void z.config({ jitless: true }));
/** The analysis and the text report, one module so the compiled CLI loads them as one piece. */
const analysis = () => zodOnce().then(() => import('./analysis.ts'));
const catalogModule = () => zodOnce().then(() => import('../catalog/catalog.ts'));

/** Where the CLI writes; injectable so tests capture output without a child process. */
export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Asks a yes/no question on the terminal; absent when there is no terminal to ask. */
  confirm?: (question: string) => Promise<boolean>;
  /** Replaces `apply`'s verification (a fresh live check) when embedding or testing. */
  verify?: Verifier;
}

/** Raised for a bad command line; exit code 2 with a pointer to the command's help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `sticky check`'s default deadline for the whole command. */
export const DEFAULT_CHECK_TIMEOUT_MS = 20_000;
/** What `--timeout` keeps back for analysis and printing, so the report is out before the deadline. */
const REPORT_RESERVE_MS = 250;

/** The general help, as `sticky help` prints it. */
export const HELP = generalHelp();

type Values = Record<string, string | boolean | undefined>;
interface Context {
  io: Io;
  values: Values;
  positionals: string[];
  noColor: boolean;
}

/**
 * Parses a command's arguments against its spec. Node's parser errors are rewritten into
 * sentences that name the option, suggest the closest one for a typo and list accepted values.
 */
function parseCommand(spec: CommandSpec, args: string[]): { values: Values; positionals: string[] } {
  const all = [...spec.options, ...COMMON_OPTIONS];
  const options = Object.fromEntries(all.map((o) => [o.name, { type: o.value ? 'string' as const : 'boolean' as const, ...(o.short ? { short: o.short } : {}) }]));
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const unknown = /Unknown option '([^']+)'/.exec(err.message)?.[1];
    if (unknown) {
      const names = all.flatMap((o) => [`--${o.name}`, ...(o.short ? [`-${o.short}`] : [])]);
      throw new UsageError(`unknown option ${unknown} for ${spec.name}${didYouMean(names, unknown)}`);
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(err.message)?.[1];
    if (missing) {
      const o = all.find((x) => `--${x.name}` === missing);
      throw new UsageError(`${missing} needs a value${o?.choices ? `: ${o.choices.join(', ')}` : o?.value ? ` (${o.value})` : ''}`);
    }
    const flag = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(err.message)?.[1];
    if (flag) throw new UsageError(`${flag} is a flag and takes no value`);
    throw new UsageError(err.message);
  }
  const [min, max] = spec.positionals;
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    const what = spec.args.replace(/[[\]]/g, '');
    throw new UsageError(n > max
      ? `${spec.name} takes ${max === 0 ? 'no arguments' : `one ${what}`}, not ${n}: ${parsed.positionals.map((p) => `"${p}"`).join(' ')}`
      : `${spec.name} needs ${what}`);
  }
  for (const o of spec.options) {
    const v = parsed.values[o.name];
    if (o.choices && typeof v === 'string' && !o.choices.includes(v)) {
      throw new UsageError(`--${o.name} must be one of ${o.choices.join(', ')}, not "${v}"${didYouMean(o.choices, v)}`);
    }
  }
  return { values: parsed.values as Values, positionals: parsed.positionals };
}

/** How wide to wrap the text report: the terminal's width, only on a terminal. */
const widthOf = (io: Io) => (io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : undefined);

async function print(report: Report, raw: RawBundle, ctx: Context): Promise<number> {
  const { io } = ctx;
  const format = (ctx.values.format as string | undefined) ?? 'text';
  const { probeCounts, renderText, styleFor, exitCode } = await analysis();
  if (format === 'json') {
    const { toJson } = await import('../report/json.ts');
    io.stdout.write(`${JSON.stringify(toJson(report), null, 2)}\n`);
  } else if (format === 'blocks') {
    const { renderBlocks } = await import('../slack/blocks.ts');
    io.stdout.write(`${JSON.stringify(renderBlocks(report, {}, { backends: probeCounts(raw), files: raw.files }), null, 2)}\n`);
  } else {
    const width = widthOf(io);
    io.stdout.write(renderText(report, { style: styleFor(Boolean(io.stdout.isTTY), io.env, ctx.noColor), files: raw.files, backends: probeCounts(raw), ...(width ? { width } : {}) }));
  }
  if (report.problems.length > 0 && format !== 'text') {
    for (const p of report.problems) io.stderr.write(`sticky: could not read ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}\n`);
  }
  return exitCode(report);
}

async function analyzeCommand(ctx: Context): Promise<number> {
  const { readBundle, parseBundle, analyze } = await analysis();
  const raw = await readBundle(ctx.positionals[0]!);
  return print(analyze(parseBundle(raw)), raw, ctx);
}

/** A failure of the collection itself (not of one layer): the check could not be made. */
class CheckError extends Error {
  override readonly name = 'CheckError';
}

async function checkCommand(ctx: Context): Promise<number> {
  const { io, values } = ctx;
  const startedAt = Date.now();
  const timeoutMs = Number(values.timeout ?? DEFAULT_CHECK_TIMEOUT_MS);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 500) throw new UsageError(`--timeout is a whole number of milliseconds, at least 500, not "${values.timeout}"`);
  const left = () => startedAt + timeoutMs - REPORT_RESERVE_MS - Date.now();
  const { catalogPath, collect, findService, layersOf, loadCatalog } = await zodOnce().then(() => import('./live.ts'));
  const catalog = await loadCatalog(catalogPath(values.catalog as string | undefined, io.env));
  const service = findService(catalog, ctx.positionals[0]!);
  const saveTo = values['save-evidence'] as string | undefined;
  const { prepareBundleDir, writeBundle } = await import('../evidence/write-bundle.ts');
  if (saveTo) await prepareBundleDir(saveTo);
  const started = new Map<string, number>();
  const progress = io.stderr.isTTY
    ? (p: { layer: string; state: string; detail?: string }) => {
        if (p.state === 'start') started.set(p.layer, Date.now());
        else io.stderr.write(`  ${p.layer.padEnd(10)} ${p.state === 'done' ? 'collected' : `not checked: ${p.detail}`}${started.has(p.layer) ? ` (${Date.now() - started.get(p.layer)!} ms)` : ''}\n`);
      }
    : undefined;
  if (progress) io.stderr.write(`checking ${service.name}: ${layersOf(service).join(', ') || 'no layers'}\n`);
  // The analysis is loaded first: loading it while the probe waits for answers would hold up the
  // probe's next requests (one thread), and costs the same CPU either way.
  const { parseBundle, analyze } = await analysis();
  const raw = await collect(service, { timeoutMs: Math.max(100, left()), trigger: 'cli', ...(progress ? { onProgress: progress } : {}) })
    .catch((e: Error) => { throw new CheckError(`could not check ${service.name}: ${e.message}`, { cause: e }); });
  const report = analyze(parseBundle(raw));
  if (service.kubernetes && report.checked.includes('kubernetes') && left() > 100) {
    const { dryRunKubernetesPlans } = await import('../remediations/apply/kubernetes.ts');
    const { withTimeout } = await import('../providers/errors.ts');
    await withTimeout('the server-side dry run', left(), () => dryRunKubernetesPlans(report, service)).catch((e: Error) => report.notes.push(`kubernetes fixes not dry-run: ${e.message}`));
  }
  let saveError: string | undefined;
  if (saveTo) {
    await writeBundle(saveTo, raw).catch((e: NodeJS.ErrnoException) => {
      saveError = `could not save the evidence to ${saveTo}: ${e.code ?? e.message}`;
    });
  }
  const code = await print(report, raw, ctx);
  if (saveError) {
    io.stderr.write(`sticky: ${saveError}; the report above is complete, but \`sticky apply\` needs a saved bundle: check again with another --save-evidence folder\n`);
    return EXIT.usage;
  }
  return code;
}

async function applyCommand(ctx: Context): Promise<number> {
  const { io, values } = ctx;
  const json = values.format === 'json';
  if (!values.evidence) throw new UsageError('apply needs --evidence DIR (the bundle the plan came from: sticky check <service> --save-evidence DIR)');
  const { readBundle, parseBundle, analyze, changeLines, styleFor } = await analysis();
  const evidence = await readBundle(values.evidence as string);
  const report = analyze(parseBundle(evidence));
  const planId = ctx.positionals[0]!;
  const plan = report.remediations.find((p) => p.id === planId);
  if (!plan) {
    const ids = report.remediations.map((p) => p.id);
    throw new UsageError(`no plan ${planId} in ${values.evidence}${didYouMean(ids, planId)}${ids.length ? ` (its plans: ${ids.join(', ')})` : ' (it proposes no fix)'}`);
  }
  const out = json ? io.stderr : io.stdout;
  const style = styleFor(Boolean(out.isTTY), io.env, ctx.noColor);
  out.write(`${style.bold(plan.title)} (risk ${plan.risk})\n${changeLines(plan, style, evidence.files).map((l) => `  ${l}\n`).join('')}`);
  const finish = (status: Parameters<typeof applyExitCode>[0], result: { reason?: string; steps?: string[]; remaining?: string[]; after?: Report }) => {
    const code = applyExitCode(status);
    if (json) {
      io.stdout.write(`${JSON.stringify({
        planId: plan.id, status, exitCode: code, reason: result.reason ?? null, steps: result.steps ?? [], remaining: result.remaining ?? [],
        after: result.after ? { verdict: result.after.verdict, findings: result.after.findings.map((f) => f.id) } : null,
      }, null, 2)}\n`);
    } else io.stdout.write(`${status === 'declined' ? 'not applied: answered no' : status}${result.reason ? `: ${result.reason}` : ''}\n`);
    return code;
  };
  if (plan.advice) return finish('refused', { reason: `${plan.id} is advice, to be done by hand: ${plan.apply}` });
  if (!values.yes) {
    if (!io.confirm) throw new UsageError('no terminal to confirm on: add --yes to apply without asking');
    if (!(await io.confirm('Apply this change? [y/N] '))) return finish('declined', {});
  }
  const { applyPlan } = await import('../remediations/apply/engine.ts');
  const result = await applyPlan({ evidence, planId: plan.id, ...(io.verify ? { verify: io.verify } : {}), ...(json ? {} : { onStep: (s: string) => io.stdout.write(`  ${s}\n`) }) });
  return finish(result.status, result);
}

async function servicesCommand(ctx: Context): Promise<number> {
  const { io, values } = ctx;
  const { catalogPath, layersOf, loadCatalog } = await catalogModule();
  const catalog = await loadCatalog(catalogPath(values.catalog as string | undefined, io.env));
  const format = (values.format as string | undefined) ?? 'text';
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify({ catalog: catalog.source, services: catalog.services.map((s) => ({ ...s, layers: layersOf(s) })) }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (format === 'names') {
    for (const s of catalog.services) io.stdout.write(`${s.name}\n`);
    return EXIT.ok;
  }
  if (catalog.services.length === 0) {
    io.stdout.write(`no services in ${catalog.source}: \`sticky init <name>\` adds one\n`);
    return EXIT.ok;
  }
  const rows = [['SERVICE', 'LAYERS', 'HOSTS'], ...catalog.services.map((s) => [s.name, layersOf(s).join(', ') || 'none', s.hosts.join(', ')])];
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  for (const r of rows) io.stdout.write(`${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}\n`);
  if (catalog.services.some((s) => layersOf(s).length === 0)) io.stdout.write('(a service with no layers names nothing to collect: add aws, kubernetes, haproxy, nginx or probe to its entry)\n');
  return EXIT.ok;
}

async function initCommand(ctx: Context): Promise<number> {
  const { initCatalogEntry } = await import('./init.ts');
  const { catalogPath } = await catalogModule();
  const name = ctx.positionals[0] ?? 'my-service';
  const written = await initCatalogEntry(catalogPath(ctx.values.catalog as string | undefined, ctx.io.env), name, ctx.values.host as string | undefined);
  ctx.io.stdout.write(`${written.created ? 'wrote' : 'added'} service "${name}" to ${written.file}\nEdit it (every field is explained there), then: sticky check ${name}${ctx.values.catalog ? ` --catalog ${ctx.values.catalog}` : ''}\n`);
  return EXIT.ok;
}

async function completionCommand(ctx: Context): Promise<number> {
  const { completionScript } = await import('./completion.ts');
  const shell = ctx.positionals[0]!;
  if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`completion is for bash or zsh, not "${shell}"${didYouMean(['bash', 'zsh'], shell)}`);
  ctx.io.stdout.write(completionScript(shell));
  return EXIT.ok;
}

function helpCommand(ctx: Context): number {
  const topic = ctx.positionals[0];
  if (!topic) {
    ctx.io.stdout.write(HELP);
    return EXIT.ok;
  }
  const spec = commandSpec(topic);
  if (!spec) throw new UsageError(`no command "${topic}"${didYouMean(COMMANDS.map((c) => c.name), topic)}`);
  ctx.io.stdout.write(commandHelp(spec));
  return EXIT.ok;
}

const RUN: Record<string, (ctx: Context) => Promise<number> | number> = {
  check: checkCommand, analyze: analyzeCommand, apply: applyCommand, services: servicesCommand, init: initCommand, completion: completionCommand, help: helpCommand,
};

/** What went wrong in a sentence: the error's own message, its code when it has one. */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as NodeJS.ErrnoException).code;
  return `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}`;
}

/**
 * Runs the `sticky` command line and returns its exit code (docs/cli.md). Nothing surfaces as a
 * stack trace: bad usage, bad input and unexpected errors each print one line on stderr saying
 * what failed and what to do, and exit 2 (3 when the check itself could not be made); the stack
 * is printed only with `--debug` (or STICKY_DEBUG=1).
 */
export async function main(argv: string[], io: Io): Promise<number> {
  const debug = argv.includes('--debug') || io.env.STICKY_DEBUG === '1';
  const noColor = argv.includes('--no-color');
  const args = argv.filter((a) => a !== '--debug' && a !== '--no-color');
  const [first, ...rest] = args;
  let command = first;
  try {
    if (first === undefined) {
      io.stderr.write(HELP);
      return EXIT.usage;
    }
    if (first === '--version' || first === '-V' || first === 'version') {
      io.stdout.write(`sticky ${VERSION}\n`);
      return EXIT.ok;
    }
    if (first === '--help' || first === '-h') command = 'help';
    const spec = commandSpec(command!);
    if (!spec) {
      command = undefined;
      const topLevel = ['--version', '--help'];
      const meant = first === '-v' ? '--version' : topLevel.find((o) => didYouMean([o], first) !== '');
      throw new UsageError(first.startsWith('-')
        ? meant ? `unknown option ${first}; did you mean ${meant}?` : `${first} is not a command; options go after it: sticky <command> ${first}`
        : `unknown command "${first}"${didYouMean(COMMANDS.map((c) => c.name), first)}`);
    }
    const end = rest.indexOf('--');
    if (first === command && (end < 0 ? rest : rest.slice(0, end)).some((a) => a === '--help' || a === '-h')) {
      io.stdout.write(commandHelp(spec));
      return EXIT.ok;
    }
    const { values, positionals } = parseCommand(spec, rest);
    return await RUN[spec.name]!({ io, values, positionals, noColor });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`sticky: ${e.message}\nRun "sticky ${command && command !== 'help' ? `${command} --help` : 'help'}" for usage.\n`);
      return EXIT.usage;
    }
    if (e instanceof BundleError || (e instanceof Error && e.name === 'CatalogError' && e instanceof (await catalogModule()).CatalogError)) {
      io.stderr.write(`sticky: ${e.message}\n`);
      return EXIT.usage;
    }
    const checking = e instanceof CheckError;
    const message = checking ? e.message : `${command ?? 'sticky'} failed: ${describe(e)}`;
    const hint = debug ? 'If it persists, it is a bug: please report it with the trace below.' : 'Run again with --debug for the stack trace; if it persists, it is a bug: please report it with that trace.';
    io.stderr.write(`sticky: ${message.replace(/[.\s]+$/, '')}. ${hint}\n`);
    if (debug) io.stderr.write(`${(e as Error)?.stack ?? String(e)}\n${checking && (e as Error).cause instanceof Error ? `caused by: ${((e as Error).cause as Error).stack}\n` : ''}`);
    return checking ? EXIT.notChecked : EXIT.usage;
  }
}

export { REPORT_FORMATS };
