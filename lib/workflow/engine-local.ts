import { randomUUID } from 'node:crypto';
import { loadDefinition, taskStates } from './definition.ts';
import type { Engine } from './engine.ts';
import { runStep, type StepDeps, type TriageInput } from './steps.ts';

/** The error a waiting task fails with when nobody decides in time (as Step Functions names it). */
class TaskTimeout extends Error {
  override readonly name = 'States.Timeout';
}

/** What SendTaskSuccess answers for a token no execution waits on any more (as Step Functions names it). */
export class TaskTimedOut extends Error {
  override readonly name = 'TaskTimedOut';
}


/**
 * Runs the same state machine definition in this process with aws-local-stepfunctions: every
 * Task state calls the same step functions the step Lambda calls; `.waitForTaskToken` is emulated
 * by a promise that {@link sendTaskSuccess} resolves, failing with States.Timeout after the
 * approval timeout.
 */
export class LocalEngine implements Engine {
  private readonly deps: StepDeps;
  private readonly timeoutMs: number;
  private readonly waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly runs = new Map<string, Promise<unknown>>();
  private readonly retryDelayMs: number | undefined;
  /**
   * `approvalTimeoutMs`: how long an approval waits (the state's TimeoutSeconds); `retryDelayMs`:
   * replaces every Retry's computed wait (tests run the real retry policy without its minutes).
   */
  constructor(deps: StepDeps, opts: { approvalTimeoutMs?: number; retryDelayMs?: number } = {}) {
    this.deps = { ...deps, engine: this };
    this.timeoutMs = opts.approvalTimeoutMs ?? 30 * 60_000;
    this.retryDelayMs = opts.retryDelayMs;
  }

  async start(input: TriageInput): Promise<string> {
    const { StateMachine } = await import('aws-local-stepfunctions');
    const definition = loadDefinition('arn:aws:lambda:local:000000000000:function:sticky-step', Math.ceil(this.timeoutMs / 1000));
    const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    const id = randomUUID();
    const step = (i: unknown) => runStep(this.deps, i as { step: string });
    const tasks = taskStates(definition.States as Record<string, unknown>).map(([name]) => name);
    const handlers: Record<string, (i: unknown) => Promise<unknown>> = Object.fromEntries(tasks.map((n) => [n, step]));
    handlers.RequestApproval = (i: unknown) => this.wait((i as { Payload: Record<string, unknown> }).Payload);
    const retryIntervalOverrides = this.retryDelayMs === undefined ? undefined : Object.fromEntries(tasks.map((n) => [n, this.retryDelayMs!]));
    const execution = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}) },
      context: { Task: { Token: 'local' }, Execution: { Id: id } },
    });
    const done = execution.result.catch((e: unknown) => e);
    this.runs.set(id, done);
    return id;
  }

  /** Resolves when an execution has finished (tests and the dev bot wait on it). */
  async settled(id: string): Promise<unknown> {
    return this.runs.get(id);
  }

  /** The tokens executions are waiting on now. */
  pending(): string[] {
    return [...this.waiting.keys()];
  }

  private async wait(payload: Record<string, unknown>): Promise<unknown> {
    const token = randomUUID();
    const decision = new Promise<never>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new TaskTimeout('no decision before the approval timeout'));
      }, this.timeoutMs);
      timer.unref();
      this.waiting.set(token, { resolve: resolve as (v: unknown) => void, reject, timer });
    });
    try {
      await runStep(this.deps, { ...payload, step: 'request-approval', taskToken: token });
    } catch (e) {
      clearTimeout(this.waiting.get(token)?.timer);
      this.waiting.delete(token);
      decision.catch(() => undefined);
      throw e;
    }
    return decision;
  }

  async sendTaskSuccess(token: string, output: Record<string, unknown>): Promise<void> {
    const w = this.waiting.get(token);
    if (!w) throw new TaskTimedOut('Task Timed Out: no execution waits on this token');
    this.waiting.delete(token);
    clearTimeout(w.timer);
    w.resolve(output);
  }

  async sendTaskFailure(token: string, error: string, cause: string): Promise<void> {
    const w = this.waiting.get(token);
    if (!w) throw new TaskTimedOut('Task Timed Out: no execution waits on this token');
    this.waiting.delete(token);
    clearTimeout(w.timer);
    w.reject(Object.assign(new Error(cause), { name: error }));
  }
}

