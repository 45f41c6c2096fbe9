import { cite } from '../../evidence/source.ts';
import { cookieHash } from '../../remediations/nginx/cookie-hash.ts';
import { insertCookie } from '../../remediations/nginx/insert-cookie.ts';
import { activeUpstreamServers, eachUpstream, expandHashKey, hashKeyKind } from '../support/nginx.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A `hash` whose key does not follow the client (`$request_uri`, `$uri`): requests of one session
 * go wherever their URL hashes. Also a `hash $cookie_x`: NGINX never sets the cookie and balances
 * round robin while it is absent, so the request that makes the app create the session lands on
 * one server and the next one, now carrying the cookie, hashes to another (in-memory sessions
 * are lost once, at their start).
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
      const kind = hashKeyKind(u.hashKey, s.cfg.maps);
      if (kind === 'request') {
        return [{
          key: s.key, resource: s.resource, severity: 'critical',
          summary: `upstream ${u.name} hashes on ${u.hashKey}, which changes from request to request of one session`,
          evidence: [cite(u.methodRef!)],
          plan: cookieHash(s.cfg.instance, s.key, u, service),
        }];
      }
      const cookie = /\$cookie_([A-Za-z0-9_]+)/.exec(expandHashKey(u.hashKey, s.cfg.maps) ?? '')?.[1];
      if (kind === 'cookie' && cookie) {
        return [{
          key: s.key, resource: s.resource, severity: 'warning',
          summary: `upstream ${u.name} hashes on cookie ${cookie}, which NGINX never sets: the request that starts a session is balanced round robin and the next one, carrying ${cookie}, may hash to another server${service.sessionCookie && service.sessionCookie !== cookie ? ` (and the catalog names ${service.sessionCookie}, not ${cookie}, as the session cookie)` : ''}`,
          evidence: [cite(u.methodRef!)],
          plan: service.sessionCookie && service.sessionCookie !== cookie ? cookieHash(s.cfg.instance, s.key, u, service) : insertCookie(s.cfg.instance, s.key, u),
        }];
      }
      return [];
    }),
};
