import { cite } from '../../evidence/source.ts';
import { keepSessionsOnDown } from '../../remediations/haproxy/keep-sessions-on-down.ts';
import { eachServed } from '../support/haproxy.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * `on-marked-down shutdown-sessions` on a server (or its `default-server`): the moment a health
 * check fails, every established session on it is cut instead of finishing.
 */
export const haproxyShutdownSessions: Check = {
  id: 'haproxy.shutdown-sessions',
  layer: 'haproxy',
  cause: 'draining-missing',
  title: 'Sessions are cut when a server is marked down',
  run: ({ ev, service }) =>
    eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
      const hit = sb.proxy.servers.filter((s) => s.params.get('on-marked-down') === 'shutdown-sessions');
      if (hit.length === 0) return [];
      const lines = [...sb.proxy.own, ...(sb.proxy.defaults?.directives ?? [])].filter(
        (d) => (d.keyword === 'server' || d.keyword === 'default-server') && d.args.join(' ').includes('on-marked-down shutdown-sessions'),
      );
      return [{
        key, resource, severity: 'warning',
        summary: `${hit.length} server(s) of ${sb.proxy.name} shut down their sessions as soon as a health check marks them down`,
        evidence: lines.map((d) => cite(d.ref)),
        plan: keepSessionsOnDown(cfg.instance, key, sb.proxy.name, lines.map((d) => d.ref)),
      }];
    }),
};
