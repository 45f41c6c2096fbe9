import type { HaproxyStatRow } from '../../evidence/haproxy-stat.ts';
import { cite } from '../../evidence/source.ts';
import { slowHealthChecks } from '../../remediations/haproxy/slow-health-checks.ts';
import { FLAP_DOWNS, FLAP_RECENT_SECONDS, FLAP_SECONDS } from '../support/thresholds.ts';
import { eachServed, secondsToDown } from '../support/haproxy.ts';
import type { Check, CheckResult } from '../types.ts';

const flapping = (r: HaproxyStatRow) => (r.chkdown ?? 0) >= FLAP_DOWNS && r.lastchg !== undefined && r.lastchg < FLAP_RECENT_SECONDS;

/**
 * Health checks that mark servers down so easily that sticky clients are dropped in bursts:
 * timings tighter than every tool's default (under 5 s of failed checks to mark a server down;
 * HAProxy's own 2 s × 3 is not a finding), or flapping HAProxy has counted (`show stat`: marked
 * down 3 times or more since it started, the last change within the hour). One finding per
 * backend carries both kinds of evidence.
 */
export const haproxyHealthCheck: Check = {
  id: 'haproxy.health-check',
  layer: 'haproxy',
  cause: 'health-check-flapping',
  title: 'Health checks fail within seconds',
  run: ({ ev, service }) =>
    eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
      const checked = sb.proxy.servers.filter((s) => s.flags.has('check'));
      const fast = checked.filter((s) => secondsToDown(s).seconds < FLAP_SECONDS);
      const stat = ev.stats.get(cfg.instance);
      const seen = (stat?.rows ?? []).filter((r) => r.backend === sb.proxy.name && flapping(r));
      if (fast.length === 0 && seen.length === 0) return [];
      const parts: string[] = [];
      if (fast.length > 0) {
        const t = secondsToDown(fast[0]!);
        const how = `inter ${t.inter} s${t.fastinter !== undefined ? ` then fastinter ${t.fastinter} s` : ''}, fall ${t.fall}`;
        parts.push(`${fast.length} server(s) of ${sb.proxy.name} are marked down after ${t.seconds} s of failed checks (${how})`);
      }
      if (seen.length > 0) {
        parts.push(`${seen.map((r) => `${r.server} was marked down ${r.chkdown} times`).join(', ')} since HAProxy started, the last change ${Math.min(...seen.map((r) => r.lastchg!))} s before the check`);
      }
      const slow = checked.filter((s) => fast.includes(s) || seen.some((r) => r.server === s.name));
      return [{
        key, resource, severity: 'warning',
        summary: parts.join('; '),
        evidence: [
          ...fast.map((x) => cite(x.ref)),
          ...seen.map((r) => cite(r.ref, `${r.backend}/${r.server} status ${r.status}, chkdown ${r.chkdown}, lastchg ${r.lastchg} s, chkfail ${r.chkfail ?? 0}${r.checkStatus ? `, last check ${r.checkStatus}` : ''}`)),
        ],
        plan: slowHealthChecks(cfg.instance, key, sb.proxy.name, slow.length > 0 ? slow : checked),
      }];
    }),
};
