import { cite } from '../../evidence/source.ts';
import { forwardProto } from '../../remediations/nginx/forward-proto.ts';
import { eachUpstream } from '../support/nginx.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * A server that terminates TLS and proxies to the service's upstream without
 * `X-Forwarded-Proto`: the app believes requests are plain HTTP and writes cookies and
 * redirects for the wrong scheme.
 */
export const nginxForwardedProto: Check = {
  id: 'nginx.forwarded-proto',
  layer: 'nginx',
  cause: 'tls-termination-cookie',
  title: 'TLS ends at NGINX and the app is not told',
  run: ({ ev, service }) => {
    const seen = new Set<string>();
    return eachUpstream(ev, service).flatMap((s): CheckResult[] =>
      s.pages
        .filter((p) => p.server.ssl && !p.location.headers.has('x-forwarded-proto') && !p.location.headers.has('forwarded'))
        .filter((p) => {
          const k = `${s.cfg.instance}:${p.location.ref.line}`;
          return !seen.has(k) && seen.add(k);
        })
        .map((p) => {
          const key = `${idPart(s.cfg.instance)}.${idPart(p.location.path)}`;
          const listen = p.server.listens.find((l) => l.args.includes('ssl'));
          return {
            key, resource: `${s.cfg.instance}/location ${p.location.path}`, severity: 'warning' as const,
            summary: `${s.cfg.instance} terminates TLS and proxies ${p.location.path} to ${s.upstream.name} without X-Forwarded-Proto: the app writes cookies and redirects for plain HTTP`,
            evidence: [...(listen ? [cite(listen.ref)] : []), cite(p.location.proxyPass!.ref, `${p.location.proxyPass!.ref.text} (no X-Forwarded-Proto header)`)],
            plan: forwardProto(s.cfg.instance, key, p.location),
          };
        }),
    );
  },
};
