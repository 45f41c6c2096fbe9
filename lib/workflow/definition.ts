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

/** A state of the definition, as far as walking it needs. */
type State = { Type: string; Branches?: { States: Record<string, State> }[]; Iterator?: { States: Record<string, State> } } & Record<string, unknown>;

/**
 * Every Task state of a definition, in order, including those inside Parallel branches and Map
 * iterators: what the local engine overrides and shortens the retries of, and what the tests
 * hold to Retry and Catch.
 */
export function taskStates(states: Record<string, unknown>): [string, Record<string, unknown>][] {
  return Object.entries(states as Record<string, State>).flatMap(([name, s]) => [
    ...(s.Type === 'Task' ? [[name, s] as [string, Record<string, unknown>]] : []),
    ...(s.Branches ?? []).flatMap((b) => taskStates(b.States)),
    ...(s.Iterator ? taskStates(s.Iterator.States) : []),
  ]);
}
