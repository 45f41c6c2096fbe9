import type { Evidence, Layer } from '../evidence/bundle.ts';
import type { Service } from '../evidence/service.ts';
import type { Plan } from '../remediations/types.ts';

/** The cause codes of CAUSES.md, in its order. A public interface: never rename, only append. */
export const CAUSES = [
  'cookie-not-set', 'cookie-domain-mismatch', 'cookie-path-mismatch', 'affinity-ttl-short', 'cookie-blocked',
  'ip-affinity-unstable', 'backend-removed', 'rolling-deploy-termination', 'draining-missing',
  'no-shared-session-state', 'websocket-not-sticky', 'tls-termination-cookie', 'health-check-flapping',
  'group-stickiness-missing',
] as const;
export type Cause = (typeof CAUSES)[number];

/** `critical`: sessions are lost now or on the next routine event; `warning`: under common conditions; `info`: no loss expected. */
export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** One diagnosed problem. Knows nothing of Slack or terminals: renderers turn it into messages. */
export interface Finding {
  /** Stable and unique in a report: the check id with the resource key after the layer. */
  id: string;
  /** The id of the check that produced it (`haproxy.cookie-ttl`). */
  check: string;
  cause: Cause;
  severity: Severity;
  layer: Layer;
  resource: string;
  summary: string;
  evidence: string[];
  /** Id of the plan in the report's `remediations` that fixes it, if any. */
  remediation: string | undefined;
  /**
   * Ids of the findings folded into this one (the live probe's symptom of the same cause, a
   * second rule seeing the same cause on the same resource). Not part of the JSON contract:
   * verification treats them as this finding, so a symptom still there after a fix is caught.
   */
  merged?: string[];
}

/** What a check sees: the evidence, the service and the findings of the checks run before it. */
export interface CheckContext {
  ev: Evidence;
  service: Service;
  /** From meta.json `collectedAt`; time-dependent rules use this, never the clock. */
  collectedAt: Date | undefined;
  findings: readonly Finding[];
}

/** What a check returns for one resource. `key` identifies the resource inside the finding id. */
export interface CheckResult {
  key: string;
  resource: string;
  severity: Severity;
  summary: string;
  evidence: string[];
  plan?: Plan;
  /** Points at a plan another check already proposed (the probe reuses the config layer's fix). */
  remediationRef?: string;
  /** Overrides the check's cause when a symptom is attributed to another layer's cause (probe). */
  cause?: Cause;
  /**
   * The id of an earlier finding that explains this result (the configuration finding behind a
   * live symptom): the result is folded into it as evidence instead of becoming a finding.
   */
  attributedTo?: string;
}

/**
 * One rule: its id (`<layer>.<name>`, also its file name and test name), the cause it reports,
 * a one-line title and what it detects. `run` is pure.
 */
export interface Check {
  id: string;
  layer: Layer;
  cause: Cause;
  title: string;
  run(ctx: CheckContext): CheckResult[];
}

/** Makes an id segment out of a resource name: dots and odd characters become dashes. */
export function idPart(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || '_';
}
