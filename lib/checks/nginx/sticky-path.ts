import { cite } from '../../evidence/source.ts';
import { setStickyCookie } from '../../remediations/nginx/set-sticky-cookie.ts';
import { pathMatches } from '../support/cookies.ts';
import { eachUpstream, stickyParams } from '../support/nginx.ts';
import type { Check, CheckResult } from '../types.ts';

/** NGINX Plus `sticky cookie ... path=` that does not path-match every path that must stick. */
export const nginxStickyPath: Check = {
  id: 'nginx.sticky-path',
  layer: 'nginx',
  cause: 'cookie-path-mismatch',
  title: 'Sticky cookie path excludes paths that must stick',
  run: ({ ev, service }) =>
    eachUpstream(ev, service).flatMap((s): CheckResult[] => {
      const st = s.upstream.sticky;
      const path = st?.kind === 'cookie' ? stickyParams(st.args).get('path') : undefined;
      if (!st || !path) return [];
      const missed = [...service.paths, ...service.websocketPaths].filter((p) => !pathMatches(path, p));
      if (missed.length === 0) return [];
      return [{
        key: s.key, resource: s.resource, severity: 'critical',
        summary: `sticky cookie ${st.args[0]} has path ${path}: browsers do not send it on ${missed.join(', ')}`,
        evidence: [cite(st.ref)],
        plan: setStickyCookie(s.cfg.instance, s.key, s.upstream, service),
      }];
    }),
};
