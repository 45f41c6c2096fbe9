import { cite } from '../../evidence/source.ts';
import { cookieHash } from '../../remediations/nginx/cookie-hash.ts';
import { activeUpstreamServers, eachUpstream, expandHashKey, hashKeyKind } from '../support/nginx.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A `hash` whose key does not follow the client (`$request_uri`, `$uri`): requests of one session
 * go wherever their URL hashes. Also a `hash $cookie_x` on a cookie that is not the app's
 * session cookie: NGINX never sets it, so until something does, requests are round robin.
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
      if (kind === 'cookie' && cookie && cookie !== service.sessionCookie) {
        return [{
          key: s.key, resource: s.resource, severity: 'info',
          summary: `upstream ${u.name} hashes on cookie ${cookie}, which NGINX never sets: requests before the app sets it are balanced round robin${service.sessionCookie ? ` (the catalog names ${service.sessionCookie} as the session cookie)` : ''}`,
          evidence: [cite(u.methodRef!)],
          plan: cookieHash(s.cfg.instance, s.key, u, service),
        }];
      }
      return [];
    }),
};
