import type { Service } from '../../evidence/service.ts';
import { parseServersState } from '../../evidence/haproxy-state.ts';
import { runtimeCommand } from '../../providers/haproxy/runtime-api.ts';
import type { Plan } from '../types.ts';
import { ApplyError, DriftError, NotApplicableError } from './errors.ts';

function runtimeOf(plan: Plan, service: Service): string {
  const h = service.haproxy?.find((x) => x.name === plan.target.instance);
  if (!h?.runtime) throw new NotApplicableError(`HAProxy instance "${String(plan.target.instance)}" has no Runtime API address in the catalog`);
  return h.runtime;
}

/** Sends Runtime API commands one by one; any reply other than empty or "Done." is a failure. */
export async function sendRuntime(address: string, commands: string[]): Promise<void> {
  for (const cmd of commands) {
    const reply = (await runtimeCommand(address, cmd)).trim();
    if (reply && !/^done\.?$/i.test(reply)) throw new ApplyError(`HAProxy refused "${cmd}": ${reply.split('\n')[0]}`);
  }
}

/**
 * Applies a Runtime API plan (`set server be/srv state ready`) after checking that the server
 * is still in the state the plan was made from; returns the commands that undo it.
 */
export async function applyRuntime(plan: Plan, service: Service): Promise<{ address: string; rollback: string[] }> {
  const address = runtimeOf(plan, service);
  const t = plan.target as { backend: string; server: string; expect: { opState: number; adminState: number }; runtime: string[]; rollbackRuntime: string[] };
  const live = await runtimeCommand(address, 'show servers state').catch((e: NodeJS.ErrnoException) => {
    throw new NotApplicableError(`cannot read HAProxy ${String(plan.target.instance)}'s live server states: ${e.message}`, { cause: e });
  });
  const rows = parseServersState(live, 'live');
  const row = rows.find((r) => r.backend === t.backend && r.server === t.server);
  if (!row) throw new DriftError(`${t.backend}/${t.server} is no longer in HAProxy ${String(plan.target.instance)}`);
  if (row.opState !== t.expect.opState || row.adminState !== t.expect.adminState) {
    throw new DriftError(`${t.backend}/${t.server} changed since the evidence was collected (op_state ${row.opState}, admin_state ${row.adminState}); collect again before applying`);
  }
  await sendRuntime(address, t.runtime);
  return { address, rollback: t.rollbackRuntime };
}
