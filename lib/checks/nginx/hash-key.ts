import { cite } from '../../evidence/source.ts';
import { routeCookie } from '../../remediations/nginx/route-cookie.ts';
import { activeUpstreamServers, eachUpstream, expandHashKey, hashKeyKind, routeCookieOf } from '../support/nginx.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A `hash` whose key does not follow the client (`$request_uri`, `$uri`): requests of one session
 * go wherever their URL hashes. Also a `hash $cookie_x` on the app's own cookie: NGINX never sets
 * it and balances round robin while it is absent, so the request that makes the app create the
 * session lands on one server and the next one, now carrying the cookie, hashes to another
 * (in-memory sessions are lost once, at their start). The open-source route-cookie pattern
 * (NGINX sets its own cookie from `$request_id` and hashes on it) is healthy; the same pattern
 * with locations that never send the Set-Cookie sticks nobody. The fix, in every case, is that
 * pattern.
 */
export const nginxHashKey: Check = {
  id: 'nginx.hash-key',
  layer: 'nginx',
  cause: 'cookie-not-set',
  title: 'Hash key does not identify the client',
  run: ({ ev, service }) =>
    eachUpstream(ev, service).flatMap((s): CheckResult[] => {
      const u = s.upstream;
      if (u.method !== 'hash' || activeUpstreamServers(u).length < 2) return [];
      const found = routeCookieOf(s);
      if (found && found.unset.length === 0) return [];
      const route = found?.name === service.sessionCookie ? undefined : found;
      if (route) {
        return [{
          key: s.key, resource: s.resource, severity: 'critical',
          summary: `upstream ${u.name} hashes on NGINX's own cookie ${route.name}, but ${route.unset.map((l) => `location ${l.path}`).join(', ')} never set${route.unset.length > 1 ? '' : 's'} it (no add_header Set-Cookie "${route.name}=${route.variable}"): every request is hashed on a new request id`,
          evidence: [cite(u.methodRef!), cite(route.map.ref), ...route.unset.map((l) => cite(l.ref, `${l.ref.text} (no add_header Set-Cookie ${route.name})`))],
          plan: routeCookie(s.cfg.instance, s.key, s, service),
        }];
      }
      const kind = hashKeyKind(u.hashKey, s.cfg.maps);
      if (kind === 'request') {
        return [{
          key: s.key, resource: s.resource, severity: 'critical',
          summary: `upstream ${u.name} hashes on ${u.hashKey}, which changes from request to request of one session`,
          evidence: [cite(u.methodRef!)],
          plan: routeCookie(s.cfg.instance, s.key, s, service),
        }];
      }
      const cookie = /\$cookie_([A-Za-z0-9_]+)/.exec(expandHashKey(u.hashKey, s.cfg.maps) ?? '')?.[1];
      if (kind === 'cookie' && cookie) {
        return [{
          key: s.key, resource: s.resource, severity: 'warning',
          summary: `upstream ${u.name} hashes on cookie ${cookie}, which NGINX never sets: the request that starts a session is balanced round robin and the next one, carrying ${cookie}, may hash to another server${service.sessionCookie && service.sessionCookie !== cookie ? ` (and the catalog names ${service.sessionCookie}, not ${cookie}, as the session cookie)` : ''}`,
          evidence: [cite(u.methodRef!)],
          plan: routeCookie(s.cfg.instance, s.key, s, service),
        }];
      }
      return [];
    }),
};
