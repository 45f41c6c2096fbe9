import type { Report } from '../checks/analyze.ts';
import type { Severity } from '../checks/types.ts';

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
 * The terminal report: a header, findings grouped by severity (one line each, evidence
 * locations under it), the proposed fixes with before → after, and what was not checked.
 */
export function renderText(r: Report, style: Style = plainStyle): string {
  const out: string[] = [];
  const counts = (['critical', 'warning', 'info'] as const).map((s) => [s, r.findings.filter((f) => f.severity === s).length] as const);
  out.push(style.bold(`Sticky: ${r.service}`) + style.dim(`  checked ${r.checked.join(', ') || 'nothing'}${r.collectedAt ? `, collected ${r.collectedAt}` : ''}`));
  out.push(r.findings.length === 0 ? 'No sticky-session problem found.' : counts.filter(([, n]) => n > 0).map(([s, n]) => style.severity(s, `${n} ${s}`)).join(', '));
  for (const [sev] of counts) {
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
  const tail: string[] = [];
  for (const l of r.notChecked) tail.push(`  not checked: ${l} (${r.notCheckedReasons[l] ?? 'no evidence'})`);
  for (const [, reason] of Object.entries(r.notCheckedReasons).filter(([k]) => k.includes('/')).sort(([a], [b]) => a.localeCompare(b))) tail.push(`  not checked: ${reason}`);
  for (const p of r.problems) tail.push(`  could not read ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  for (const n of r.notes) tail.push(`  note: ${n}`);
  if (tail.length > 0) out.push('', ...tail.map((t) => style.dim(t)));
  return `${out.join('\n')}\n`;
}
