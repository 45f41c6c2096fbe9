import { humanSeconds, tryDurationMs } from '../../evidence/duration.ts';
import { cite } from '../../evidence/source.ts';
import { setStickyCookie } from '../../remediations/nginx/set-sticky-cookie.ts';
import { eachUpstream, stickyParams } from '../support/nginx.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * NGINX Plus `sticky cookie ... expires=` or `sticky learn ... timeout=` shorter than the
 * session. A `sticky cookie` without `expires` is a browser-session cookie and is not judged.
 */
export const nginxStickyTtl: Check = {
  id: 'nginx.sticky-ttl',
  layer: 'nginx',
  cause: 'affinity-ttl-short',
  title: 'Sticky lifetime shorter than the session',
  run: ({ ev, service }) =>
    eachUpstream(ev, service).flatMap((s): CheckResult[] => {
      const st = s.upstream.sticky;
      if (!st) return [];
      const p = stickyParams(st.args);
      const raw = st.kind === 'cookie' ? p.get('expires') : st.kind === 'learn' ? (p.get('timeout') ?? '10m') : undefined;
      if (!raw || raw === 'max') return [];
      const seconds = (tryDurationMs(raw, 's') ?? Infinity) / 1000;
      if (seconds >= service.sessionTimeoutSeconds) return [];
      return [{
        key: s.key, resource: s.resource, severity: 'critical',
        summary: `sticky ${st.kind} on ${s.upstream.name} expires after ${humanSeconds(seconds)}${st.kind === 'learn' && !p.has('timeout') ? ' (the default timeout)' : ''}; sessions last ${humanSeconds(service.sessionTimeoutSeconds)}`,
        evidence: [cite(st.ref)],
        plan: setStickyCookie(s.cfg.instance, s.key, s.upstream, service),
      }];
    }),
};
