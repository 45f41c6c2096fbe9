import type { Report } from '../checks/analyze.ts';
import type { Severity } from '../checks/types.ts';
import type { Plan } from '../remediations/types.ts';
import { formatDiff, planDiff } from '../report/diff.ts';
import { backendChart, type BackendCounts } from '../report/probe-counts.ts';
import { missingParts, severityCounts } from '../report/summary.ts';

/** ANSI styling, or none. */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  severity(sev: Severity, s: string): string;
  /** Diff lines: removed (red), added (green), hunk headers (cyan). */
  removed(s: string): string;
  added(s: string): string;
  hunk(s: string): string;
}

const same = (s: string) => s;
/** No colour at all: files, pipes, NO_COLOR, --no-color. */
export const plainStyle: Style = { bold: same, dim: same, severity: (_v, s) => s, removed: same, added: same, hunk: same };
const ansi = (code: string) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
const colourStyle: Style = {
  bold: ansi('1'),
  dim: ansi('2'),
  severity: (v, s) => (v === 'critical' ? ansi('1;31') : v === 'warning' ? ansi('33') : ansi('36'))(s),
  removed: ansi('31'),
  added: ansi('32'),
  hunk: ansi('36'),
};

/**
 * Whether to colour a stream. `--no-color` always wins; then `FORCE_COLOR` (any value but `0` or
 * `false` turns colour on even into a pipe, `0`/`false` turns it off); then `NO_COLOR` (set, to
 * anything, turns it off); else colour only on a terminal that is not `TERM=dumb`.
 */
export function useColour(isTty: boolean, env: NodeJS.ProcessEnv, noColorFlag = false): boolean {
  if (noColorFlag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (env.NO_COLOR !== undefined) return false;
  return isTty && env.TERM !== 'dumb';
}

/** Picks the style for a stream (see {@link useColour}). */
export function styleFor(isTty: boolean, env: NodeJS.ProcessEnv, noColorFlag = false): Style {
  return useColour(isTty, env, noColorFlag) ? colourStyle : plainStyle;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const visible = (s: string) => s.replace(ANSI, '').length;

/**
 * Wraps one line to `width` columns at spaces, never inside a word; continuation lines are
 * indented by `hang` columns. Colour codes do not count towards the width.
 */
export function wrap(line: string, width: number, hang: number): string[] {
  if (visible(line) <= width) return [line];
  // eslint-disable-next-line no-control-regex
  const lead = /^((?:\u001b\[[0-9;]*m)*)( *)/.exec(line)![0];
  const words = line.slice(lead.length).split(' ');
  const out: string[] = [];
  let current = `${lead}${words.shift() ?? ''}`;
  for (const word of words) {
    if (word !== '' && visible(`${current} ${word}`) > width && current.replace(ANSI, '').trim() !== '') {
      out.push(current.trimEnd());
      current = `${' '.repeat(hang)}${word}`;
    } else current = `${current} ${word}`;
  }
  out.push(current);
  return out;
}

const LABEL: Record<Severity, string> = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };

/**
 * The report's verdict in one line. Never says "no problem" about a layer that was not checked:
 * a partial check names what is missing.
 */
export function verdictLine(r: Report, style: Style = plainStyle): string {
  const counts = severityCounts(r).map((c) => style.severity(c.severity, c.text)).join(', ');
  const missing = missingParts(r).join(', ');
  switch (r.verdict) {
    case 'findings':
      return missing ? `${counts}; not checked: ${missing}` : counts;
    case 'healthy':
      return `No sticky-session problem found${counts ? ` (${counts})` : ''}.`;
    case 'not-checked':
      if (r.named.length === 0) return style.severity('warning', 'Nothing to check: the service names no layer (aws, kubernetes, haproxy, nginx or probe) and the bundle holds no evidence.');
      return style.severity('warning', r.checked.length === 0
        ? `Nothing could be checked (${missing || 'no evidence'}): this is not a clean bill of health.`
        : `Not fully checked: no problem found in ${r.checked.join(', ')}, but ${missing} could not be checked.`);
    case 'unreadable':
      return style.severity('warning', `Some evidence could not be read (${r.problems.map((p) => p.file).join(', ')})${counts ? `; ${counts} in the rest` : ''}.`);
  }
}

/** Options of {@link renderText}. */
export interface TextOptions {
  style?: Style;
  /** Wrap prose to this many columns (a terminal's width); code and commands are never wrapped. */
  width?: number;
  /** The bundle's files: fixes that edit a config are shown as a unified diff of the real file. */
  files?: ReadonlyMap<string, string>;
  /** Requests per backend the live probe saw, drawn as a bar chart. */
  backends?: BackendCounts[];
}

/** A line of the report before wrapping: `hang` is the continuation indent; `code` is never wrapped. */
interface Line {
  text: string;
  hang?: number;
  code?: boolean;
}

/** The change of one plan: a unified diff for config edits, else its before → after lines. */
export function changeLines(p: Plan, style: Style, files?: ReadonlyMap<string, string>): string[] {
  const diff = planDiff(p, files);
  if (diff) {
    return formatDiff(diff).map((l) =>
      l.startsWith('---') || l.startsWith('+++') ? style.bold(l)
        : l.startsWith('@@') ? style.hunk(l)
          : l.startsWith('-') ? style.removed(l)
            : l.startsWith('+') ? style.added(l) : l);
  }
  return [
    ...(p.change.before ? p.change.before.split('\n').map((l) => style.removed(`- ${l}`)) : []),
    ...(p.change.after ? p.change.after.split('\n').map((l) => style.added(`+ ${l}`)) : []),
  ];
}

/**
 * The terminal report: a header, findings grouped by severity (one line each, evidence
 * locations under it), the requests per backend the probe saw, the proposed fixes (a unified
 * diff of the real file for config edits), and what was not checked. Prose is wrapped to
 * `width` when given; diffs and commands stay whole so they can be copied.
 */
export function renderText(r: Report, options: TextOptions | Style = {}): string {
  const o: TextOptions = 'bold' in options ? { style: options } : options;
  const style = o.style ?? plainStyle;
  const out: Line[] = [];
  const push = (text: string, hang = 0, code = false) => out.push({ text, hang, code });
  push(style.bold(`Sticky: ${r.service}`) + style.dim(`  checked ${r.checked.join(', ') || 'nothing'}${r.collectedAt ? `, collected ${r.collectedAt}` : ''}`), 2);
  push(verdictLine(r, style), 2);
  for (const sev of ['critical', 'warning', 'info'] as const) {
    const group = r.findings.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    push('');
    push(style.severity(sev, style.bold(LABEL[sev])));
    for (const f of group) {
      push(`  ${style.severity(sev, '●')} [${f.cause}] ${f.resource}: ${f.summary}`, 4);
      for (const e of f.evidence) push(style.dim(`      ${e}`), 8);
      if (f.remediation) push(style.dim(`      fix: ${f.remediation}`), 8);
    }
  }
  const chart = o.backends ? backendChart(o.backends) : '';
  if (chart) {
    push('');
    push(style.bold('Requests per backend (live probe)'));
    for (const l of chart.split('\n')) push(`  ${l}`, 0, true);
  }
  if (r.remediations.length > 0) {
    push('');
    push(style.bold('Proposed fixes'));
    for (const p of r.remediations) {
      push(`  ${p.id}  ${p.title}  (risk ${p.risk}${p.advice ? ', advice: apply by hand' : ''})`, 6);
      for (const l of changeLines(p, style, o.files)) push(`      ${l}`, 0, true);
      if (p.validation) push(style.dim(`      ${p.validation}`), 8);
      push(style.dim(`      apply: ${p.apply}`), 0, true);
      push(style.dim(`      rollback: ${p.rollback}`), 0, true);
    }
  }
  if (r.incomplete.length > 0) {
    push('');
    for (const l of r.incomplete) push(style.severity('warning', `  not checked: ${l} (${r.notCheckedReasons[l] ?? 'no evidence'})`), 4);
  }
  const tail: string[] = [];
  for (const [, reason] of Object.entries(r.notCheckedReasons).filter(([k]) => k.includes('/')).sort(([a], [b]) => a.localeCompare(b))) push(style.severity('warning', `  not checked: ${reason}`), 4);
  for (const p of r.problems) tail.push(`  could not read ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  for (const n of r.notes) tail.push(`  note: ${n}`);
  if (tail.length > 0) {
    push('');
    for (const t of tail) push(style.dim(t), 4);
  }
  const width = o.width && o.width >= 40 ? o.width : undefined;
  const lines = out.flatMap((l) => (width && !l.code ? wrap(l.text, width, l.hang ?? 0) : [l.text]));
  return `${lines.join('\n')}\n`;
}
