import { cite } from '../../evidence/source.ts';
import { setStickyCookie } from '../../remediations/nginx/set-sticky-cookie.ts';
import { isLoopback } from '../support/cookies.ts';
import { eachUpstream, stickyParams } from '../support/nginx.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * NGINX Plus sticky cookie attributes browsers refuse: `samesite=none` without `secure`, no
 * `samesite=none` for a cross-site app, `secure` on a plain-HTTP service.
 */
export const nginxStickyAttributes: Check = {
  id: 'nginx.sticky-attributes',
  layer: 'nginx',
  cause: 'cookie-blocked',
  title: 'Browsers drop the sticky cookie',
  run: ({ ev, service }) =>
    eachUpstream(ev, service).flatMap((s): CheckResult[] => {
      const st = s.upstream.sticky;
      if (st?.kind !== 'cookie') return [];
      const p = stickyParams(st.args.slice(1));
      const sameSite = p.get('samesite')?.toLowerCase();
      const secure = p.has('secure');
      const reasons: string[] = [];
      if (sameSite === 'none' && !secure) reasons.push('samesite=none without secure is rejected by browsers');
      if (service.crossSite && sameSite !== 'none') reasons.push('the app is used cross-site but the cookie is not samesite=none');
      if (secure && !service.tls && !service.hosts.every(isLoopback)) reasons.push('the cookie is secure but clients use plain HTTP');
      if (reasons.length === 0) return [];
      return [{
        key: s.key, resource: s.resource, severity: 'critical',
        summary: `sticky cookie ${st.args[0]}: ${reasons.join('; ')}`,
        evidence: [cite(st.ref)],
        plan: setStickyCookie(s.cfg.instance, s.key, s.upstream, service),
      }];
    }),
};
