import { tryDurationMs } from '../../evidence/duration.ts';
import { cite } from '../../evidence/source.ts';
import { slowHealthChecks } from '../../remediations/haproxy/slow-health-checks.ts';
import { FLAP_SECONDS } from '../support/thresholds.ts';
import { eachServed } from '../support/haproxy.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * Health checks that mark a server down in under 10 s (`inter` × `fall`, HAProxy's defaults
 * being 2 s × 3): one slow response burst takes a server out and its sticky clients with it.
 */
export const haproxyHealthCheck: Check = {
  id: 'haproxy.health-check',
  layer: 'haproxy',
  cause: 'health-check-flapping',
  title: 'Health checks fail within seconds',
  run: ({ ev, service }) =>
    eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
      const fast = sb.proxy.servers.filter((s) => {
        if (!s.flags.has('check')) return false;
        const inter = tryDurationMs(s.params.get('inter') ?? '2000', 'ms') ?? 2000;
        const fall = Number(s.params.get('fall') ?? '3');
        return (inter * fall) / 1000 < FLAP_SECONDS;
      });
      if (fast.length === 0) return [];
      const s = fast[0]!;
      const inter = tryDurationMs(s.params.get('inter') ?? '2000', 'ms')! / 1000;
      const fall = Number(s.params.get('fall') ?? '3');
      return [{
        key, resource, severity: 'warning',
        summary: `${fast.length} server(s) of ${sb.proxy.name} are marked down after ${inter * fall} s of failed checks (inter ${inter} s × fall ${fall}${s.params.has('inter') ? '' : ', HAProxy defaults'})`,
        evidence: fast.map((x) => cite(x.ref)),
        plan: slowHealthChecks(cfg.instance, key, sb.proxy.name, fast),
      }];
    }),
};
