import { proxyMode } from '../../evidence/haproxy.ts';
import { cite } from '../../evidence/source.ts';
import { enableCookie } from '../../remediations/haproxy/enable-cookie.ts';
import { activeServers, affinityOf, eachServed, modeLine } from '../support/haproxy.ts';
import type { Check } from '../types.ts';

/**
 * A backend that serves the service from several servers with no persistence at all: no
 * `cookie`, no `stick on`, no hashing balance. Every request is balanced afresh, so a session
 * held in one server's memory is lost on the next request that lands elsewhere. A backend in
 * `mode tcp` (set by itself, its defaults or HAProxy's default) is judged by what HAProxy does
 * there: it ignores a `cookie` line and layer-7 hashing, so those do not count as affinity.
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
        const { ignored } = affinityOf(sb.proxy);
        const balance = sb.proxy.own.find((d) => d.keyword === 'balance');
        const tcp = proxyMode(sb.proxy) === 'tcp';
        const mode = modeLine(sb.proxy);
        const n = activeServers(sb.proxy).length;
        return {
          key,
          resource,
          severity: 'critical',
          summary: ignored.length > 0
            ? `backend ${sb.proxy.name} runs in mode tcp, where HAProxy ignores ${ignored.map((d) => `"${d.keyword} ${d.args.join(' ')}"`).join(' and ')} (it needs mode http): ${n} servers are balanced with no affinity and requests of one session land on different servers`
            : `backend ${sb.proxy.name} balances ${n} servers with no cookie or stick rule: requests of one session land on different servers`,
          evidence: [
            cite(sb.proxy.ref, `${sb.proxy.ref.text} (${ignored.length > 0 ? 'no affinity HAProxy honours in mode tcp' : 'no "cookie" or "stick on" line'}${tcp && !mode ? '; no "mode" line: HAProxy defaults to mode tcp' : ''})`),
            ...(tcp && mode ? [cite(mode.ref)] : []),
            ...ignored.map((d) => cite(d.ref, `${d.ref.text} (ignored in mode tcp)`)),
            ...(balance && !ignored.includes(balance) ? [cite(balance.ref)] : []),
          ],
          plan: enableCookie(cfg.instance, key, sb.proxy, service, undefined, sb.frontends),
        };
      }),
};
