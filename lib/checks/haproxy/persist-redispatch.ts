import { option } from '../../evidence/haproxy.ts';
import { cite } from '../../evidence/source.ts';
import { enableRedispatch } from '../../remediations/haproxy/enable-redispatch.ts';
import { eachServed } from '../support/haproxy.ts';
import type { Check, CheckResult } from '../types.ts';

/**
 * `option persist` without `option redispatch`: when a server goes down, clients holding its
 * cookie keep being sent to it and get 503 until they drop the cookie.
 */
export const haproxyPersistRedispatch: Check = {
  id: 'haproxy.persist-redispatch',
  layer: 'haproxy',
  cause: 'backend-removed',
  title: 'Sticky clients of a down server get errors',
  run: ({ ev, service }) =>
    eachServed(ev, service).flatMap(({ cfg, sb, key, resource }): CheckResult[] => {
      const persist = option(sb.proxy, 'persist');
      if (!persist.on || option(sb.proxy, 'redispatch').on) return [];
      return [{
        key, resource, severity: 'warning',
        summary: `backend ${sb.proxy.name} has option persist without option redispatch: when a server goes down its sticky clients get 503`,
        evidence: [cite(persist.ref!)],
        plan: enableRedispatch(cfg.instance, key, sb.proxy, persist.ref!.file === sb.proxy.ref.file && sb.proxy.own.some((d) => d.ref === persist.ref) ? persist.ref : sb.proxy.ref),
      }];
    }),
};
