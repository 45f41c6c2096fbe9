import { TERMINAL, type Approval } from '../store/store.ts';
import { renderAlarmThread } from './alarm.ts';
import { resume } from './approvals.ts';
import type { Engine } from './engine.ts';
import { describeError } from './errors.ts';
import { describe, publish, type StepDeps } from './steps.ts';

/** What the sweeper needs: the steps' dependencies with the engine that resumes and starts executions. */
export type SweepDeps = StepDeps & { engine: Engine };

/** Thresholds of a sweep, in ms. */
export interface SweepOptions {
  /** A decision recorded this long ago whose execution was not resumed is sent again. */
  resumeAfterMs?: number;
  /** An approval this long in `approved`, `applying`, `verifying` or `rolling-back` is stuck: its execution is gone. */
  stuckAfterMs?: number;
  /** A pending approval this long past its expiry was never closed by its execution. */
  expiredGraceMs?: number;
  /** How long one sweep may spend on Slack (the function's timeout is 60 s). */
  budgetMs?: number;
}

/** What a sweep did, for its log line and the tests. */
export interface SweepResult {
  resumed: string[];
  closed: { id: string; status: Approval['status']; outcome: string }[];
  threads: string[];
  notices: string[];
  started: string[];
  errors: string[];
}

/**
 * Finishes what nobody else will: the scheduled safety net behind the runbook (an EventBridge
 * schedule in AWS, a timer in the local runtime). Decisions recorded but not delivered to their
 * execution are re-driven; approvals stuck past a deadline are closed as failed (or expired) with
 * the reason, in the store, the audit and the thread; alarm threads Slack does not show in full
 * are rendered; report updates that failed are published again; alarm triages that could not be
 * started are started. Every approval ends in one terminal state, visible.
 */
export async function sweep(deps: SweepDeps, opts: SweepOptions = {}): Promise<SweepResult> {
  const now = deps.now().getTime();
  const until = now + (opts.budgetMs ?? 40_000);
  const result: SweepResult = { resumed: [], closed: [], threads: [], notices: [], started: [], errors: [] };
  const guard = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (e) {
      result.errors.push(`${what}: ${describeError(e)}`);
    }
  };
  for (const id of await deps.store.open('APPROVAL')) {
    await guard(`approval ${id}`, async () => {
      const a = await deps.store.getApproval(id);
      if (!a) return deps.store.clearOpen('APPROVAL', id);
      if (TERMINAL.includes(a.status)) {
        if (a.status === 'rejected' && !a.resumedAt && a.taskToken) {
          const r = await resume(deps, a);
          if (r === 'delayed') return;
          if (r === 'resumed') result.resumed.push(id);
        }
        return deps.store.clearOpen('APPROVAL', id);
      }
      const since = a.updatedAt ?? a.decidedAt ?? a.expiresAt;
      if ((a.status === 'approved' || a.status === 'rejected') && !a.resumedAt && (a.decidedAt ?? now) <= now - (opts.resumeAfterMs ?? 60_000)) {
        if ((await resume(deps, a)) === 'resumed') result.resumed.push(id);
        return;
      }
      let close: { status: Approval['status']; outcome: string } | undefined;
      if (a.status === 'pending' && a.expiresAt <= now - (opts.expiredGraceMs ?? 5 * 60_000)) {
        close = { status: 'expired', outcome: 'expired without a decision (closed by the sweeper: the triage had stopped waiting)' };
      } else if (a.status !== 'pending' && since <= now - (opts.stuckAfterMs ?? 15 * 60_000)) {
        const live = a.status === 'approved' ? 'nothing was applied' : `the change may be live: check it by hand${a.undo ? ' or press Roll back' : ''}`;
        close = { status: 'failed', outcome: `stuck while ${a.status} for ${Math.round((now - since) / 60_000)} min; ${live}` };
      }
      if (!close) return;
      // A pending approval is past its expiry here, which transition() refuses to leave: expire() closes it.
      const closed = a.status === 'pending' ? await deps.store.expire(id, now, close.outcome) : await deps.store.transition(id, a.status, close.status, now, { outcome: close.outcome });
      if (typeof closed === 'string') return;
      if (a.taskToken && a.status === 'pending') await deps.engine.sendTaskSuccess(a.taskToken, { decision: 'closed', approver: null }).catch(() => undefined);
      await deps.store.audit(a.triageId, { event: 'swept', approval: id, from: a.status, status: close.status, outcome: close.outcome }, now);
      result.closed.push({ id, ...close });
      const triage = await deps.store.getTriage(a.triageId);
      if (triage) {
        const thread = triage.threadTs ?? triage.messageTs;
        await deps.slack.chat.postMessage({ channel: triage.channel, text: `${describe(closed)} (${a.planId})`, ...(thread ? { thread_ts: thread } : {}) }).catch(() => undefined);
        await publish(deps, triage).catch(() => deps.store.updateTriage(triage.id, { publishPending: true }));
      }
    });
  }
  for (const id of await deps.store.open('START')) {
    await guard(`start ${id}`, async () => {
      const t = await deps.store.getTriage(id);
      if (!t) return deps.store.clearOpen('START', id);
      const threadTs = t.threadTs ?? (await deps.store.getAlarmThread(id))?.headerTs;
      await deps.engine.start({ service: t.service, trigger: t.trigger, channel: t.channel, triageId: t.id, ...(threadTs ? { threadTs } : {}), ...(t.requester ? { requester: t.requester } : {}) });
      await deps.store.updateTriage(id, { startPending: false });
      result.started.push(id);
    });
  }
  for (const id of await deps.store.open('THREAD')) {
    if (deps.now().getTime() >= until) break;
    await guard(`thread ${id}`, async () => {
      if ((await renderAlarmThread(deps, id, until)) === 'rendered') result.threads.push(id);
    });
  }
  for (const id of await deps.store.open('NOTICE')) {
    if (deps.now().getTime() >= until) break;
    await guard(`notice ${id}`, async () => {
      const t = await deps.store.getTriage(id);
      if (!t) return deps.store.clearOpen('NOTICE', id);
      await publish(deps, t);
      result.notices.push(id);
    });
  }
  return result;
}

/** Runs {@link sweep} every `everyMs` in this process (the local runtime and `npm run dev`); returns a stop function. */
export function startSweeper(deps: SweepDeps, everyMs = 60_000, opts: SweepOptions = {}): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void sweep(deps, opts)
      .then((r) => {
        if (r.errors.length) console.warn(JSON.stringify({ message: 'sweep finished with errors', errors: r.errors }));
      })
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
