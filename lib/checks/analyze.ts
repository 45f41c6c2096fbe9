import { LAYERS, type Evidence, type Layer, type Problem } from '../evidence/bundle.ts';
import type { Plan } from '../remediations/types.ts';
import { CHECKS } from './index.ts';
import { SEVERITY_RANK, type Check, type Finding } from './types.ts';

/** The result of analyzing one bundle: what the JSON output, the terminal and Slack render. */
export interface Report {
  service: string;
  collectedAt: string | undefined;
  checked: Layer[];
  notChecked: Layer[];
  notCheckedReasons: Partial<Record<Layer, string>>;
  findings: Finding[];
  remediations: Plan[];
  problems: Problem[];
  notes: string[];
}

const layerOf = (file: string): Layer | undefined => LAYERS.find((l) => file.startsWith(`${l}/`));

/**
 * Folds `from` into `into`: the worse severity, `into`'s id, summary first and evidence first,
 * then what `from` adds (a live symptom is marked as such), and `from`'s id (and what it had
 * absorbed) remembered for verification.
 */
function fold(into: Finding, from: Finding, plans: Map<string, Plan>): void {
  if (SEVERITY_RANK[from.severity] < SEVERITY_RANK[into.severity]) into.severity = from.severity;
  const live = from.layer === 'probe' && into.layer !== 'probe' && !into.summary.includes('; seen live: ');
  if (!into.summary.includes(from.summary)) into.summary = `${into.summary}; ${live ? 'seen live: ' : ''}${from.summary}`;
  into.evidence = [...new Set([...into.evidence, ...from.evidence])];
  if (!into.remediation || (plans.get(into.remediation)?.advice && from.remediation && !plans.get(from.remediation)?.advice)) into.remediation = from.remediation ?? into.remediation;
  into.merged = [...(into.merged ?? []), from.id, ...(from.merged ?? [])];
}

/** Whether two findings of one cause and resource may become one: they do not carry two different fixes a person could apply. */
function foldable(a: Finding, b: Finding, plans: Map<string, Plan>): boolean {
  if (a.cause !== b.cause || a.resource !== b.resource) return false;
  const pa = a.remediation ? plans.get(a.remediation) : undefined;
  const pb = b.remediation ? plans.get(b.remediation) : undefined;
  return !pa || !pb || pa.id === pb.id || pa.advice || pb.advice;
}

/**
 * Runs every check over the evidence: pure, no I/O, no clock. Findings are sorted worst first;
 * each plan appears once, and a plan id two checks build differently is made unique. One cause
 * on one resource is one finding: a live symptom attributed to a configuration finding is folded
 * into it (the configuration evidence and the live evidence together, the worse severity), and
 * so are two findings of one cause and resource unless each carries its own appliable fix.
 */
export function analyze(ev: Evidence, checks: readonly Check[] = CHECKS): Report {
  const findings: Finding[] = [];
  const plans = new Map<string, Plan>();
  const collectedAt = ev.meta.collectedAt ? new Date(ev.meta.collectedAt) : undefined;
  const ids = new Set<string>();
  for (const check of checks) {
    if (!ev.present.has(check.layer)) continue;
    const dot = check.id.indexOf('.');
    for (const r of check.run({ ev, service: ev.service, collectedAt, findings })) {
      const into = r.attributedTo ? findings.find((f) => f.id === r.attributedTo) : undefined;
      let plan = into ? undefined : r.plan;
      if (plan) {
        const existing = plans.get(plan.id);
        if (existing && JSON.stringify(existing) !== JSON.stringify(plan)) plan = { ...plan, id: `${plan.id}.${check.id.slice(dot + 1)}` };
        plans.set(plan.id, plan);
      }
      let id = `${check.id.slice(0, dot)}.${r.key}.${check.id.slice(dot + 1)}`;
      for (let n = 2; ids.has(id); n++) id = `${check.id.slice(0, dot)}.${r.key}.${check.id.slice(dot + 1)}-${n}`;
      ids.add(id);
      const finding: Finding = {
        id, check: check.id, cause: r.cause ?? check.cause, severity: r.severity, layer: check.layer, resource: r.resource,
        summary: r.summary, evidence: r.evidence, remediation: plan?.id ?? (into ? undefined : r.remediationRef),
      };
      if (into) fold(into, finding, plans);
      else findings.push(finding);
    }
  }
  for (let i = 0; i < findings.length; i++) {
    for (let j = i + 1; j < findings.length; j++) {
      if (!foldable(findings[i]!, findings[j]!, plans)) continue;
      fold(findings[i]!, findings[j]!, plans);
      findings.splice(j--, 1);
    }
  }
  const order = (f: Finding) => LAYERS.indexOf(f.layer);
  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || order(a) - order(b) || a.id.localeCompare(b.id));
  const rank = new Map<string, number>();
  findings.forEach((f, i) => f.remediation && !rank.has(f.remediation) && rank.set(f.remediation, i));
  const reasons: Partial<Record<Layer, string>> = {};
  for (const layer of LAYERS) {
    if (ev.present.has(layer)) continue;
    const broken = ev.problems.find((p) => layerOf(p.file) === layer);
    reasons[layer] = ev.meta.notChecked[layer]
      ?? (broken ? `could not read ${broken.file}${broken.line ? `:${broken.line}` : ''}: ${broken.message}` : 'no evidence in the bundle');
  }
  return {
    service: ev.service.name,
    collectedAt: ev.meta.collectedAt,
    checked: LAYERS.filter((l) => ev.present.has(l)),
    notChecked: LAYERS.filter((l) => !ev.present.has(l)),
    notCheckedReasons: reasons,
    findings,
    remediations: [...plans.values()].filter((p) => rank.has(p.id)).sort((a, b) => rank.get(a.id)! - rank.get(b.id)!),
    problems: ev.problems,
    notes: ev.notes,
  };
}

/** The worst severity in a report, or undefined when it has no finding. */
export function worstSeverity(report: Report): Finding['severity'] | undefined {
  return report.findings[0]?.severity;
}

/** Exit status of `sticky analyze`/`check`: 2 for unreadable input, 1 for a warning or worse, else 0. */
export function exitCode(report: Report): 0 | 1 | 2 {
  if (report.problems.length > 0) return 2;
  return report.findings.some((f) => f.severity !== 'info') ? 1 : 0;
}
