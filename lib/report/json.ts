import { z } from 'zod';
import type { Report } from '../checks/analyze.ts';
import { CAUSES } from '../checks/types.ts';
import { LAYERS } from '../evidence/bundle.ts';

const layer = z.enum(LAYERS);

/**
 * The `sticky analyze --format json` output: the contract of docs/report.md, plus the additive fields
 * `check`, `collectedAt`, `notCheckedReasons`, `named`, `incomplete`, `verdict`, `problems`,
 * `notes`, and per plan `action`, `advice`, `permissions`, `target`.
 */
export const ReportJsonSchema = z.object({
  service: z.string(),
  checked: z.array(layer),
  notChecked: z.array(layer),
  findings: z.array(
    z.object({
      id: z.string().regex(/^[a-z0-9]+(\.[A-Za-z0-9_-]+)+$/),
      cause: z.enum(CAUSES),
      severity: z.enum(['critical', 'warning', 'info']),
      layer,
      resource: z.string().min(1),
      summary: z.string().min(1),
      evidence: z.array(z.string().min(1)).min(1),
      remediation: z.string().nullable(),
      check: z.string(),
    }),
  ),
  remediations: z.array(
    z.object({
      id: z.string(),
      layer,
      title: z.string().min(1),
      risk: z.enum(['low', 'medium', 'high']),
      change: z.object({ before: z.string(), after: z.string() }),
      apply: z.string().min(1),
      rollback: z.string().min(1),
      action: z.string(),
      advice: z.boolean(),
      permissions: z.array(z.string()),
      target: z.record(z.string(), z.unknown()),
      validation: z.string().optional(),
    }),
  ),
  collectedAt: z.string().nullable(),
  notCheckedReasons: z.record(z.string(), z.string()),
  named: z.array(layer),
  incomplete: z.array(layer),
  verdict: z.enum(['findings', 'healthy', 'not-checked', 'unreadable']),
  problems: z.array(z.object({ file: z.string(), line: z.number().optional(), message: z.string() })),
  notes: z.array(z.string()),
});

export type ReportJson = z.infer<typeof ReportJsonSchema>;

/** Maps a report to the contract's JSON object (keys in the contract's order). */
export function toJson(r: Report): ReportJson {
  return {
    service: r.service,
    checked: r.checked,
    notChecked: r.notChecked,
    findings: r.findings.map((f) => ({
      id: f.id, cause: f.cause, severity: f.severity, layer: f.layer, resource: f.resource, summary: f.summary,
      evidence: f.evidence, remediation: f.remediation ?? null, check: f.check,
    })),
    remediations: r.remediations.map((p) => ({
      id: p.id, layer: p.layer, title: p.title, risk: p.risk, change: p.change, apply: p.apply, rollback: p.rollback,
      action: p.action, advice: p.advice, permissions: p.permissions, target: p.target, ...(p.validation ? { validation: p.validation } : {}),
    })),
    collectedAt: r.collectedAt ?? null,
    notCheckedReasons: r.notCheckedReasons,
    named: r.named,
    incomplete: r.incomplete,
    verdict: r.verdict,
    problems: r.problems,
    notes: r.notes,
  };
}
