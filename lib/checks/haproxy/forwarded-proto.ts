import { proxyMode, type HaproxyProxy } from '../../evidence/haproxy.ts';
import { cite } from '../../evidence/source.ts';
import { forwardProto } from '../../remediations/haproxy/forward-proto.ts';
import { servedBackends } from '../support/haproxy.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

const setsProto = (p: HaproxyProxy) =>
  p.own.some((d) => /^http-request$/.test(d.keyword) && /^(set|add)-header$/.test(d.args[0] ?? '') && /^x-forwarded-proto$/i.test(d.args[1] ?? '')) ||
  p.own.some((d) => d.keyword === 'option' && d.args[0] === 'forwarded');

const binds = (p: HaproxyProxy) => p.own.filter((d) => d.keyword === 'bind');

/**
 * TLS terminated by HAProxy with no `X-Forwarded-Proto` to the app: the app believes the
 * request is plain HTTP and writes cookies (or redirects) for the wrong scheme. (A plain-HTTP HAProxy behind a TLS-terminating ALB or CDN is not judged: the
 * scheme is then the outer balancer's to forward.)
 */
export const haproxyForwardedProto: Check = {
  id: 'haproxy.forwarded-proto',
  layer: 'haproxy',
  cause: 'tls-termination-cookie',
  title: 'TLS ends at HAProxy and the app is not told',
  run: ({ ev, service }) =>
    ev.haproxy.flatMap((cfg): CheckResult[] => {
      const out: CheckResult[] = [];
      for (const sb of servedBackends(cfg, service)) {
        if (proxyMode(sb.proxy) !== 'http') continue;
        for (const fe of sb.frontends) {
          const key = `${idPart(cfg.instance)}.${idPart(fe.name)}`;
          const tlsBind = binds(fe).find((b) => b.args.includes('ssl'));
          if (tlsBind && !setsProto(fe) && !setsProto(sb.proxy)) {
            out.push({
              key, resource: `${cfg.instance}/frontend ${fe.name}`, severity: 'warning',
              summary: `frontend ${fe.name} terminates TLS and forwards to ${sb.proxy.name} without X-Forwarded-Proto: the app writes cookies and redirects for plain HTTP`,
              evidence: [cite(tlsBind.ref), cite(fe.ref, `${fe.ref.text} (no X-Forwarded-Proto header set)`)],
              plan: forwardProto(cfg.instance, key, fe),
            });
          }
        }
      }
      return out;
    }),
};
