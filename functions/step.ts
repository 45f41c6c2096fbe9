import { getRuntime } from '../lib/runtime.ts';
import { runStep } from '../lib/workflow/steps.ts';

/** The state machine's Task states: `{ step, ...input }` → the step's output. */
export const handler = async (event: { step: string } & Record<string, unknown>): Promise<unknown> => {
  const rt = await getRuntime();
  return runStep({ store: rt.store, slack: rt.slack, catalog: rt.catalog, now: rt.now, engine: rt.engine }, event);
};
