import { inMaintenance } from '../../evidence/haproxy-state.ts';
import { option } from '../../evidence/haproxy.ts';
import { cite } from '../../evidence/source.ts';
import { readyServer } from '../../remediations/haproxy/ready-server.ts';
import { affinityOf, eachServed } from '../support/haproxy.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * A server of a sticky backend that is out of the pool now (`show servers state`: stopped, or
 * in maintenance). Its clients' cookies are ignored and they are rebalanced, losing the session;
 * with `option persist` and no `option redispatch` they get 503 instead. DRAIN is not reported:
 * it keeps serving cookie holders, the graceful way out.
 */
export const haproxyServerDown: Check = {
  id: 'haproxy.server-down',
  layer: 'haproxy',
  cause: 'backend-removed',
  title: 'Server out of the pool',
  run: ({ ev, service }) =>
    eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
      const state = ev.serversState.get(cfg.instance);
      if (!state) return [];
      const rows = state.rows.filter((r) => r.backend === sb.proxy.name && (r.opState === 0 || inMaintenance(r)));
      const persist = option(sb.proxy, 'persist').on && !option(sb.proxy, 'redispatch').on;
      const sticky = affinityOf(sb.proxy).kind !== 'none';
      return rows.map((r) => ({
        key: `${key}.${idPart(r.server)}`,
        resource: `${resource} server ${r.server}`,
        severity: sticky ? 'critical' : 'warning',
        summary: `server ${r.server} is ${inMaintenance(r) ? 'in maintenance' : 'down'}: ${persist ? 'clients stuck to it get 503 (option persist without option redispatch)' : 'clients stuck to it are rebalanced and lose their session'}`,
        evidence: [cite(r.ref, `${r.backend}/${r.server} op_state=${r.opState} admin_state=${r.adminState}`), ...sb.proxy.servers.filter((s) => s.name === r.server).map((s) => cite(s.ref))],
        plan: readyServer(cfg.instance, `${key}.${idPart(r.server)}`, r),
      }));
    }),
};
