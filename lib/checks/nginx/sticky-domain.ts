import { cite } from '../../evidence/source.ts';
import { setStickyCookie } from '../../remediations/nginx/set-sticky-cookie.ts';
import { domainMatches } from '../support/cookies.ts';
import { eachUpstream, stickyParams } from '../support/nginx.ts';
import type { Check, CheckResult } from '../types.ts';

/** NGINX Plus `sticky cookie ... domain=` that does not domain-match the service's hosts. */
export const nginxStickyDomain: Check = {
  id: 'nginx.sticky-domain',
  layer: 'nginx',
  cause: 'cookie-domain-mismatch',
  title: 'Sticky cookie domain does not match the hosts',
  run: ({ ev, service }) =>
    eachUpstream(ev, service).flatMap((s): CheckResult[] => {
      const st = s.upstream.sticky;
      const domain = st?.kind === 'cookie' ? stickyParams(st.args).get('domain') : undefined;
      if (!st || !domain) return [];
      const orphan = service.hosts.filter((h) => !domainMatches(domain, h));
      if (orphan.length === 0) return [];
      return [{
        key: s.key, resource: s.resource, severity: orphan.length === service.hosts.length ? 'critical' : 'warning',
        summary: `sticky cookie ${st.args[0]} has domain ${domain}, which browsers reject on ${orphan.join(', ')}`,
        evidence: [cite(st.ref)],
        plan: setStickyCookie(s.cfg.instance, s.key, s.upstream, service),
      }];
    }),
};
