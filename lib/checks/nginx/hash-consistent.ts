import { cite } from '../../evidence/source.ts';
import { makeHashConsistent } from '../../remediations/nginx/make-hash-consistent.ts';
import { eachUpstream, hashKeyKind } from '../support/nginx.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * A client-keyed `hash` without `consistent`: adding or removing one server remaps most
 * clients to another server, so every scale event or failure moves sessions.
 */
export const nginxHashConsistent: Check = {
  id: 'nginx.hash-consistent',
  layer: 'nginx',
  cause: 'backend-removed',
  title: 'Pool changes remap most clients',
  run: ({ ev, service }) =>
    eachUpstream(ev, service).flatMap((s): CheckResult[] => {
      const u = s.upstream;
      if (u.method !== 'hash' || u.consistent || hashKeyKind(u.hashKey, s.cfg.maps) === 'request' || !u.methodRef) return [];
      return [{
        key: s.key, resource: s.resource, severity: 'warning',
        summary: `upstream ${u.name} hashes without "consistent": when a server leaves or joins, most clients move to another server`,
        evidence: [cite(u.methodRef)],
        plan: makeHashConsistent(s.cfg.instance, s.key, u),
      }];
    }),
};
