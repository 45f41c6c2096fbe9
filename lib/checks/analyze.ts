import { LAYERS, layoutLayer, type Evidence, type Layer, type Problem } from '../evidence/bundle.ts';
import type { Plan } from '../remediations/types.ts';
import { CHECKS } from './index.ts';
import { SEVERITY_RANK, type Check, type Finding } from './types.ts';
import { naturalCompare } from '../text/suggest.ts';

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
  /** The layers the service entry or the bundle names: those a verdict must cover. */
  named: Layer[];
  /** Named layers that could not be checked: the report cannot call them healthy. */
  incomplete: Layer[];
  /** What the report says as a whole; {@link exitCode} maps it to the CLI's exit status. */
  verdict: Verdict;
  findings: Finding[];
  remediations: Plan[];
  problems: Problem[];
  notes: string[];
}

/**
 * `findings`: a warning or critical finding (exit 1); `healthy`: every named layer checked and
 * nothing worse than info (exit 0); `not-checked`: nothing found, but a named layer could not be
 * checked (exit 3); `unreadable`: some evidence could not be read (exit 2).
 */
export type Verdict = 'findings' | 'healthy' | 'not-checked' | 'unreadable';

const layerOf = (file: string): Layer | undefined => {
  const l = layoutLayer(file);
  return l === 'meta' ? undefined : l;
};

/** The reason bundles written before 0.2 gave for a layer the catalog entry never had: not a named layer. */
const NO_SECTION = /^no (aws|haproxy|kubernetes|nginx|probe) section in the catalog/;

/**
 * The layers a bundle names: the sections of its service entry, the layers it holds files for
 * (read or not), and the layers meta.json says could not be collected.
 */
function namedLayers(ev: Evidence): Set<Layer> {
  const named = new Set<Layer>(LAYERS.filter((l) => ev.service[l] !== undefined));
  for (const l of ev.present) named.add(l);
  for (const p of ev.problems) {
    const l = layerOf(p.file);
    if (l) named.add(l);
  }
  for (const [l, reason] of Object.entries(ev.meta.notChecked)) {
    if ((LAYERS as readonly string[]).includes(l) && !NO_SECTION.test(reason)) named.add(l as Layer);
  }
  return named;
}

/**
 * Why a layer that has evidence still cannot be counted as checked: a probe whose responses never
 * carried the backend header cannot tell whether requests stayed on one backend.
 */
function blindness(ev: Evidence): Partial<Record<Layer, string>> {
  const probe = ev.probe?.data;
  if (!probe || !ev.present.has('probe')) return {};
  const http = probe.exchanges.filter((x) => x.phase !== 'websocket' && x.response);
  if (http.length === 0) return { probe: `no HTTP response from ${probe.url}` };
  if (http.some((x) => x.response!.backend !== undefined)) return {};
  const header = probe.backendHeader ?? ev.service.probe?.backendHeader ?? 'X-Backend-Server';
  return { probe: `no response carried the ${header} header, so the probe cannot tell which backend answered (set probe.backendHeader to a header the backends send)` };
}

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
  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || order(a) - order(b) || naturalCompare(a.id, b.id));
  const rank = new Map<string, number>();
  findings.forEach((f, i) => f.remediation && !rank.has(f.remediation) && rank.set(f.remediation, i));
  const blind = blindness(ev);
  const said = (l: Layer) => {
    const reason = ev.meta.notChecked[l];
    return reason && !NO_SECTION.test(reason) ? reason : undefined;
  };
  const brokenFile = (l: Layer) => ev.problems.find((p) => layerOf(p.file) === l);
  const checked = LAYERS.filter((l) => ev.present.has(l) && !blind[l] && !said(l) && !brokenFile(l));
  const named = namedLayers(ev);
  const reasons: Partial<Record<Layer, string>> & Record<string, string> = {};
  for (const layer of LAYERS) {
    if (checked.includes(layer)) continue;
    const broken = brokenFile(layer);
    reasons[layer] = blind[layer] ?? (named.has(layer) ? said(layer) : undefined)
      ?? (broken ? `could not read ${broken.file}${broken.line ? `:${broken.line}` : ''}: ${broken.message}` : named.has(layer) ? 'no evidence in the bundle' : 'not part of this service');
  }
  for (const [key, reason] of Object.entries(ev.meta.notChecked)) {
    if (key.includes('/') && ev.present.has(key.slice(0, key.indexOf('/')) as Layer)) reasons[key] = reason;
  }
  const incomplete = LAYERS.filter((l) => named.has(l) && !checked.includes(l));
  const partial = Object.keys(reasons).some((k) => k.includes('/'));
  const verdict: Verdict = ev.problems.length > 0 ? 'unreadable'
    : findings.some((f) => f.severity !== 'info') ? 'findings'
      : incomplete.length > 0 || partial || checked.length === 0 ? 'not-checked' : 'healthy';
  return {
    service: ev.service.name,
    collectedAt: ev.meta.collectedAt,
    checked,
    notChecked: LAYERS.filter((l) => !checked.includes(l)),
    notCheckedReasons: reasons,
    named: LAYERS.filter((l) => named.has(l)),
    incomplete,
    verdict,
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

/** The exit status of each verdict, as the README and docs/ document them. */
export const EXIT_CODES: Record<Verdict, 0 | 1 | 2 | 3> = { healthy: 0, findings: 1, unreadable: 2, 'not-checked': 3 };

/** The instances of checked layers that could not be reached (`not checked: <instance>: <reason>`), in key order. */
export function notCheckedInstances(report: Report): string[] {
  return Object.keys(report.notCheckedReasons).filter((k) => k.includes('/')).sort().map((k) => report.notCheckedReasons[k]!);
}

/**
 * Exit status of `sticky analyze`/`check`: 0 every named layer (and every instance of it) checked
 * and nothing at warning or worse; 1 a warning or critical finding; 2 unreadable input; 3
 * nothing found but a named layer or an instance of one could not be checked (never reported as
 * healthy).
 */
export function exitCode(report: Report): 0 | 1 | 2 | 3 {
  return EXIT_CODES[report.verdict];
}
