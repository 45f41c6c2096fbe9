import { stickTableOf } from '../../evidence/haproxy.ts';
import { humanSeconds, tryDurationMs } from '../../evidence/duration.ts';
import { cite } from '../../evidence/source.ts';
import { raiseStickExpire } from '../../remediations/haproxy/raise-stick-expire.ts';
import { eachServed, honouredStickRules } from '../support/haproxy.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A stick-table used for persistence whose `expire` (milliseconds by default) is shorter than
 * the session: the entry is purged while the session is idle and the client is rebalanced. A
 * table only rules HAProxy ignores use (a cookie rule in `mode tcp`) is not judged.
 */
export const haproxyStickExpire: Check = {
  id: 'haproxy.stick-expire',
  layer: 'haproxy',
  cause: 'affinity-ttl-short',
  title: 'Stick-table entries expire before the session',
  run: ({ ev, service }) =>
    eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
      const table = stickTableOf(sb.proxy);
      if (!table || honouredStickRules(sb.proxy).length === 0) return [];
      const expire = tryDurationMs(table.expire, 'ms');
      if (expire === undefined || expire / 1000 >= service.sessionTimeoutSeconds) return [];
      return [{
        key,
        resource,
        severity: 'critical',
        summary: `stick-table entries of ${sb.proxy.name} expire after ${humanSeconds(expire / 1000)} idle; sessions last ${humanSeconds(service.sessionTimeoutSeconds)}`,
        evidence: [cite(table.ref)],
        plan: raiseStickExpire(cfg.instance, key, sb.proxy.name, table, service.sessionTimeoutSeconds),
      }];
    }),
};
