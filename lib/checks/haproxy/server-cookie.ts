import { cookieOf } from '../../evidence/haproxy.ts';
import { cite } from '../../evidence/source.ts';
import { enableCookie } from '../../remediations/haproxy/enable-cookie.ts';
import { activeServers, eachServed } from '../support/haproxy.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A `cookie` line whose servers carry no `cookie <value>` (HAProxy then sends clients an
 * expired cookie and never sticks them), or two servers sharing a value (clients of the second
 * are sent to the first). `haproxy -c` accepts both, which is why this rule exists.
 */
export const haproxyServerCookie: Check = {
  id: 'haproxy.server-cookie',
  layer: 'haproxy',
  cause: 'cookie-not-set',
  title: 'Servers lack distinct cookie values',
  run: ({ ev, service }) =>
    eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
      const cookie = cookieOf(sb.proxy);
      if (!cookie || cookie.dynamic) return [];
      const servers = activeServers(sb.proxy);
      const missing = servers.filter((s) => !s.params.has('cookie'));
      const seen = new Map<string, string>();
      const dupes: string[] = [];
      for (const s of servers) {
        const v = s.params.get('cookie');
        if (!v) continue;
        if (seen.has(v)) dupes.push(`${seen.get(v)} and ${s.name} share cookie value "${v}"`);
        else seen.set(v, s.name);
      }
      if (missing.length === 0 && dupes.length === 0) return [];
      const parts = [
        missing.length > 0 ? `${missing.length === servers.length ? 'no' : `${missing.length} of ${servers.length}`} servers of ${sb.proxy.name} have a "cookie" value, so cookie ${cookie.name} ${missing.length === servers.length ? 'never sticks' : `does not stick clients to ${missing.map((s) => s.name).join(', ')}`}` : '',
        ...dupes.map((d) => `${d}: its clients are sent to the first`),
      ].filter(Boolean);
      return [{
        key,
        resource,
        severity: missing.length === servers.length || dupes.length > 0 ? 'critical' : 'warning',
        summary: parts.join('; '),
        evidence: [cite(cookie.ref), ...missing.map((s) => cite(s.ref, `${s.ref.text} (no cookie value)`)), ...servers.filter((s) => dupes.some((d) => d.includes(` ${s.name} `) || d.startsWith(`${s.name} `))).map((s) => cite(s.ref))],
        plan: enableCookie(cfg.instance, key, sb.proxy, service, cookie.name),
      }];
    }),
};
