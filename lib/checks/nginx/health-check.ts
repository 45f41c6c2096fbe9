import { tryDurationMs } from '../../evidence/duration.ts';
import { cite } from '../../evidence/source.ts';
import { slowHealthChecks } from '../../remediations/nginx/slow-health-checks.ts';
import { eachUpstream, stickyParams } from '../support/nginx.ts';
import { FLAP_SECONDS } from '../support/thresholds.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * NGINX Plus active `health_check` that marks a server down in under 5 s (`interval` ×
 * `fails`): a short hiccup moves every sticky client of that server. The defaults (5 s × 1) are
 * not a finding, and the passive `max_fails`/`fail_timeout` of open-source NGINX is not a
 * health check (it only skips a server for `fail_timeout` after failed requests).
 */
export const nginxHealthCheck: Check = {
  id: 'nginx.health-check',
  layer: 'nginx',
  cause: 'health-check-flapping',
  title: 'Health checks fail within seconds',
  run: ({ ev, service }) => {
    const seen = new Set<string>();
    return eachUpstream(ev, service).flatMap((s): CheckResult[] =>
      s.pages.flatMap((p): CheckResult[] => {
        const hc = p.location.healthCheck;
        if (!hc || seen.has(`${s.cfg.instance}:${hc.ref.line}`)) return [];
        seen.add(`${s.cfg.instance}:${hc.ref.line}`);
        const params = stickyParams(hc.args);
        const interval = (tryDurationMs(params.get('interval') ?? '5', 's') ?? 5000) / 1000;
        const fails = Number(params.get('fails') ?? '1');
        if (interval * fails >= FLAP_SECONDS) return [];
        const key = `${idPart(s.cfg.instance)}.${idPart(p.location.path)}`;
        return [{
          key, resource: `${s.cfg.instance}/location ${p.location.path}`, severity: 'warning',
          summary: `active health checks mark a server of ${s.upstream.name} down after ${interval * fails} s (interval ${interval} s × fails ${fails})`,
          evidence: [cite(hc.ref)],
          plan: slowHealthChecks(s.cfg.instance, key, hc.ref, hc.args),
        }];
      }),
    );
  },
};
