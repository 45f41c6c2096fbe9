import type { HaproxyServer } from '../../evidence/haproxy.ts';
import { configEditPlan, replaceLine } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/** Sets `inter 5s fall 3 rise 2` on servers whose checks mark them down in under 10 s. */
export function slowHealthChecks(instance: string, key: string, backend: string, servers: HaproxyServer[]): Plan {
  const edits = servers.map((s) => {
    let t = (s.ref.text ?? '').replace(/\s+(inter|fall|rise)\s+\S+/g, '');
    t = `${t} inter 5s fall 3 rise 2`;
    return replaceLine(s.ref, t);
  });
  return configEditPlan('haproxy.slow-health-checks', key, {
    title: `Slow down health checks on ${instance}/${backend} (15 s to mark a server down)`,
    risk: 'low',
    instance,
    edits,
  });
}
