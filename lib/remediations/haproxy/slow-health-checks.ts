import type { HaproxyServer } from '../../evidence/haproxy.ts';
import { secondsToDown } from '../../checks/support/haproxy.ts';
import { SLOW_CHECK_SECONDS } from '../../checks/support/thresholds.ts';
import { advice } from '../advice.ts';
import { configEditPlan, replaceLine } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/**
 * Sets `inter 5s fall 3 rise 2` (15 s of failed checks to mark a server down, `fastinter`
 * dropped so it follows `inter`) on the servers that are marked down faster than that. When
 * every flapping server already allows 15 s or more, slowing the checks further would only keep
 * dead servers in the pool: the plan is then advice to find why they fail their checks.
 */
export function slowHealthChecks(instance: string, key: string, backend: string, servers: HaproxyServer[]): Plan {
  const tight = servers.filter((s) => secondsToDown(s).seconds < SLOW_CHECK_SECONDS);
  if (tight.length === 0) {
    const names = servers.map((s) => s.name).join(', ');
    return advice(
      'haproxy.investigate-health-checks', key, `Find why ${names} on ${instance}/${backend} ${servers.length > 1 ? 'keep' : 'keeps'} failing health checks`,
      `${names}: marked down again and again`, `${names}: passing their checks`,
      `not a button, because the checks already allow ${Math.min(...servers.map((s) => secondsToDown(s).seconds))} s or more before a server is marked down, yet the servers keep going down: find why they fail their checks (the last check status in \`show stat\`: overload, a slow health URL, a short \`timeout check\`) rather than slow the checks further, which would only keep dead servers in the pool longer`,
    );
  }
  const edits = tight.map((s) => {
    let t = (s.ref.text ?? '').replace(/\s+#.*$/, '').replace(/\s+(inter|fastinter|fall|rise)\s+\S+/g, '');
    t = `${t} inter 5s fall 3 rise 2`;
    return replaceLine(s.ref, t);
  });
  return configEditPlan('haproxy.slow-health-checks', key, {
    title: `Slow down health checks on ${instance}/${backend} (${SLOW_CHECK_SECONDS} s to mark a server down)`,
    risk: 'low',
    instance,
    edits,
  });
}
