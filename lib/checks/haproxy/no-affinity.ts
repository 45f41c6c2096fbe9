import { proxyMode } from '../../evidence/haproxy.ts';
import { cite } from '../../evidence/source.ts';
import { enableCookie } from '../../remediations/haproxy/enable-cookie.ts';
import { activeServers, affinityOf, eachServed } from '../support/haproxy.ts';
import type { Check } from '../types.ts';

/**
 * A backend that serves the service from several servers with no persistence at all: no
 * `cookie`, no `stick on`, no hashing balance. Every request is balanced afresh, so a session
 * held in one server's memory is lost on the next request that lands elsewhere.
 */
export const haproxyNoAffinity: Check = {
  id: 'haproxy.no-affinity',
  layer: 'haproxy',
  cause: 'cookie-not-set',
  title: 'Backend has no session persistence',
  run: ({ ev, service }) =>
    eachServed(ev, service)
      .filter(({ sb }) => sb.pages.length > 0 && activeServers(sb.proxy).length > 1 && affinityOf(sb.proxy).kind === 'none')
      .map(({ cfg, sb, key, resource }) => {
        const balance = sb.proxy.own.find((d) => d.keyword === 'balance');
        return {
          key,
          resource,
          severity: 'critical',
          summary: `backend ${sb.proxy.name} balances ${activeServers(sb.proxy).length} servers with no cookie or stick rule: requests of one session land on different servers`,
          evidence: [cite(sb.proxy.ref, `${sb.proxy.ref.text} (no "cookie" or "stick on" line${proxyMode(sb.proxy) === 'tcp' ? ', mode tcp' : ''})`), ...(balance ? [cite(balance.ref)] : [])],
          plan: enableCookie(cfg.instance, key, sb.proxy, service),
        };
      }),
};
