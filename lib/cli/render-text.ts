import type { Report } from '../checks/analyze.ts';
import type { Severity } from '../checks/types.ts';
import { missingParts, severityCounts } from '../report/summary.ts';

/** ANSI styling, or none: colour only on a TTY and never when NO_COLOR is set. */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  severity(sev: Severity, s: string): string;
}

const plainStyle: Style = { bold: (s) => s, dim: (s) => s, severity: (_v, s) => s };
const ansi = (code: string) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
const colourStyle: Style = {
  bold: ansi('1'),
  dim: ansi('2'),
  severity: (v, s) => (v === 'critical' ? ansi('1;31') : v === 'warning' ? ansi('33') : ansi('36'))(s),
};

/** Picks the style for a stream: colour on a TTY unless NO_COLOR is set (any value). */
export function styleFor(isTty: boolean, env: NodeJS.ProcessEnv): Style {
  return isTty && env.NO_COLOR === undefined ? colourStyle : plainStyle;
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
      return style.severity('warning', r.checked.length === 0
        ? `Nothing could be checked (${missing || 'no evidence'}): this is not a clean bill of health.`
        : `Not fully checked: no problem found in ${r.checked.join(', ')}, but ${missing} could not be checked.`);
    case 'unreadable':
      return style.severity('warning', `Some evidence could not be read (${r.problems.map((p) => p.file).join(', ')})${counts ? `; ${counts} in the rest` : ''}.`);
  }
}

/**
 * The terminal report: a header, findings grouped by severity (one line each, evidence
 * locations under it), the proposed fixes with before → after, and what was not checked.
 */
export function renderText(r: Report, style: Style = plainStyle): string {
  const out: string[] = [];
  out.push(style.bold(`Sticky: ${r.service}`) + style.dim(`  checked ${r.checked.join(', ') || 'nothing'}${r.collectedAt ? `, collected ${r.collectedAt}` : ''}`));
  out.push(verdictLine(r, style));
  for (const sev of ['critical', 'warning', 'info'] as const) {
    const group = r.findings.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    out.push('', style.severity(sev, style.bold(LABEL[sev])));
    for (const f of group) {
      out.push(`  ${style.severity(sev, '●')} [${f.cause}] ${f.resource}: ${f.summary}`);
      for (const e of f.evidence) out.push(style.dim(`      ${e}`));
      if (f.remediation) out.push(style.dim(`      fix: ${f.remediation}`));
    }
  }
  if (r.remediations.length > 0) {
    out.push('', style.bold('Proposed fixes'));
    for (const p of r.remediations) {
      out.push(`  ${p.id}  ${p.title}  (risk ${p.risk}${p.advice ? ', advice: apply by hand' : ''})`);
      for (const l of p.change.before.split('\n')) out.push(style.dim(`      - ${l}`));
      for (const l of p.change.after.split('\n')) out.push(`      + ${l}`);
      if (p.validation) out.push(style.dim(`      ${p.validation}`));
      out.push(style.dim(`      apply: ${p.apply}`));
      out.push(style.dim(`      rollback: ${p.rollback}`));
    }
  }
  if (r.incomplete.length > 0) {
    out.push('');
    for (const l of r.incomplete) out.push(style.severity('warning', `  not checked: ${l} (${r.notCheckedReasons[l] ?? 'no evidence'})`));
  }
  const tail: string[] = [];
  for (const [, reason] of Object.entries(r.notCheckedReasons).filter(([k]) => k.includes('/')).sort(([a], [b]) => a.localeCompare(b))) out.push(style.severity('warning', `  not checked: ${reason}`));
  for (const p of r.problems) tail.push(`  could not read ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  for (const n of r.notes) tail.push(`  note: ${n}`);
  if (tail.length > 0) out.push('', ...tail.map((t) => style.dim(t)));
  return `${out.join('\n')}\n`;
}
