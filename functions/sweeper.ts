import { getRuntime } from '../lib/runtime.ts';
import { sweep } from '../lib/workflow/sweeper.ts';

/**
 * The scheduled sweeper (EventBridge, every five minutes): re-drives decisions that did not reach
 * their execution, closes approvals stuck past their deadline and says so in their thread,
 * renders alarm threads and report updates Slack did not take, starts alarm triages that could
 * not be started. Logs one line of what it did.
 */
export const handler = async (): Promise<{ resumed: number; closed: number; threads: number; notices: number; started: number; errors: number }> => {
  const rt = await getRuntime();
  const r = await sweep({ store: rt.store, slack: rt.slack, catalog: rt.catalog, now: rt.now, engine: rt.engine });
  const counts = { resumed: r.resumed.length, closed: r.closed.length, threads: r.threads.length, notices: r.notices.length, started: r.started.length, errors: r.errors.length };
  console.log(JSON.stringify({ message: 'sweep', ...counts, ...(r.errors.length ? { errorDetails: r.errors.slice(0, 10) } : {}) }));
  return counts;
};
