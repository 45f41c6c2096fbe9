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
  /**
   * Why each layer in `notChecked` was not checked, plus one entry per instance of a checked
   * layer that could not be reached, keyed `<layer>/<instance>` (`haproxy/edge1@i-0abc`), whose
   * value reads `<instance>: <reason>`.
   */
  notCheckedReasons: Partial<Record<Layer, string>> & Record<string, string>;
  findings: Finding[];
  remediations: Plan[];
  problems: Problem[];
  notes: string[];
}

const layerOf = (file: string): Layer | undefined => LAYERS.find((l) => file.startsWith(`${l}/`));

/**
 * Runs every check over the evidence: pure, no I/O, no clock. Findings are sorted worst first;
 * each plan appears once, and a plan id two checks build differently is made unique.
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
      let plan = r.plan;
      if (plan) {
        const existing = plans.get(plan.id);
        if (existing && JSON.stringify(existing) !== JSON.stringify(plan)) plan = { ...plan, id: `${plan.id}.${check.id.slice(dot + 1)}` };
        plans.set(plan.id, plan);
      }
      let id = `${check.id.slice(0, dot)}.${r.key}.${check.id.slice(dot + 1)}`;
      for (let n = 2; ids.has(id); n++) id = `${check.id.slice(0, dot)}.${r.key}.${check.id.slice(dot + 1)}-${n}`;
      ids.add(id);
      findings.push({
        id, check: check.id, cause: r.cause ?? check.cause, severity: r.severity, layer: check.layer, resource: r.resource,
        summary: r.summary, evidence: r.evidence, remediation: plan?.id ?? r.remediationRef,
      });
    }
  }
  const order = (f: Finding) => LAYERS.indexOf(f.layer);
  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || order(a) - order(b) || a.id.localeCompare(b.id));
  const rank = new Map<string, number>();
  findings.forEach((f, i) => f.remediation && !rank.has(f.remediation) && rank.set(f.remediation, i));
  const reasons: Partial<Record<Layer, string>> & Record<string, string> = {};
  for (const layer of LAYERS) {
    if (ev.present.has(layer)) continue;
    const broken = ev.problems.find((p) => layerOf(p.file) === layer);
    reasons[layer] = ev.meta.notChecked[layer]
      ?? (broken ? `could not read ${broken.file}${broken.line ? `:${broken.line}` : ''}: ${broken.message}` : 'no evidence in the bundle');
  }
  for (const [key, reason] of Object.entries(ev.meta.notChecked)) {
    if (key.includes('/') && ev.present.has(key.slice(0, key.indexOf('/')) as Layer)) reasons[key] = reason;
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

/** The instances of checked layers that could not be reached (`not checked: <instance>: <reason>`), in key order. */
export function notCheckedInstances(report: Report): string[] {
  return Object.keys(report.notCheckedReasons).filter((k) => k.includes('/')).sort().map((k) => report.notCheckedReasons[k]!);
}

/**
 * Exit status of `sticky analyze`/`check`: 2 for unreadable input, 1 for a warning or worse,
 * 3 when nothing is wrong in what was seen but an instance of a layer could not be checked,
 * else 0.
 */
export function exitCode(report: Report): 0 | 1 | 2 | 3 {
  if (report.problems.length > 0) return 2;
  if (report.findings.some((f) => f.severity !== 'info')) return 1;
  return notCheckedInstances(report).length > 0 ? 3 : 0;
}
