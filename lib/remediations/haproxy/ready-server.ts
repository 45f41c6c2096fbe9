import type { ServerState } from '../../evidence/haproxy-state.ts';
import { plan, type Plan } from '../types.ts';

/**
 * Puts a server in maintenance back into rotation through the Runtime API
 * (`set server <backend>/<server> state ready`). A server that is DOWN on its health checks is
 * not forced up: that plan is advice to fix the server first.
 */
export function readyServer(instance: string, key: string, row: ServerState): Plan {
  const maint = (row.adminState & 0b0111) !== 0;
  const cmd = `set server ${row.backend}/${row.server} state ready`;
  return plan('haproxy.ready-server', key, {
    title: maint ? `Return ${row.backend}/${row.server} on ${instance} to rotation` : `Restore ${row.backend}/${row.server} on ${instance} (failing its health checks)`,
    risk: 'medium',
    change: { before: `${row.backend}/${row.server}: ${maint ? 'MAINT' : 'DOWN'}`, after: `${row.backend}/${row.server}: READY` },
    apply: maint ? `Runtime API: \`${cmd}\`` : 'fix the server until its health check passes; HAProxy returns it to rotation by itself',
    rollback: maint ? `Runtime API: \`set server ${row.backend}/${row.server} state maint\`` : 'nothing to roll back',
    advice: !maint,
    target: {
      instance, backend: row.backend, server: row.server, expect: { opState: row.opState, adminState: row.adminState },
      runtime: maint ? [cmd] : [], rollbackRuntime: maint ? [`set server ${row.backend}/${row.server} state maint`] : [],
    },
  });
}
