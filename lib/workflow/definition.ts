import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Where the runbook's state machine lives. */
export const DEFINITION_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'runbooks', 'sticky-triage', 'definition.asl.yaml');

/**
 * The triage state machine (Amazon States Language, JSONPath) with every `STEP_FUNCTION`
 * placeholder replaced by the step Lambda's ARN: the same definition runs in Step Functions and
 * in the local engine.
 */
export function loadDefinition(stepArn: string, approvalTimeoutSeconds = 1800): Record<string, unknown> {
  const text = readFileSync(DEFINITION_FILE, 'utf8').replaceAll('STEP_FUNCTION', stepArn).replace('TimeoutSeconds: 1800', `TimeoutSeconds: ${approvalTimeoutSeconds}`);
  return parse(text) as Record<string, unknown>;
}
