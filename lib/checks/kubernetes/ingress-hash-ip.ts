import { cite } from '../../evidence/source.ts';
import type { KubeObject } from '../../evidence/kubernetes.ts';
import { annotation, annotationRef, hashedIngresses, hashRef, NGINX_ANNOTATION, objectLabel } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';
import { replaceHashWithCookie } from './ingress-hash-key.ts';

/** Cites the snippet statements that set a hash variable, one line, without the rest of the snippet. */
function snippetLine(ing: KubeObject, variable: string): string {
  const name = annotation(ing, 'configuration-snippet') !== undefined ? 'configuration-snippet' : 'server-snippet';
  const sets = (annotation(ing, name) ?? '').split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`set ${variable} `));
  return cite(annotationRef(ing, name), `${NGINX_ANNOTATION}${name}: ${sets.join(' ')}`);
}

/**
 * ingress-nginx `upstream-hash-by` on the client address (`$remote_addr`, `$binary_remote_addr`,
 * `X-Forwarded-For`, or a variable the Ingress's snippet sets from them): IP affinity, which
 * public clients break by changing address (mobile) or sharing one (NAT, proxies).
 */
export const kubernetesIngressHashIp: Check = {
  id: 'kubernetes.ingress-hash-ip',
  layer: 'kubernetes',
  cause: 'ip-affinity-unstable',
  title: 'upstream-hash-by hashes the client IP',
  run: ({ ev, service }) =>
    service.clients !== 'public'
      ? []
      : hashedIngresses(ev.kubernetes, service).flatMap((h): CheckResult[] => {
          if (h.kind !== 'address') return [];
          const sources = [...new Set(h.expanded.match(/\$(binary_remote_addr|remote_addr|realip_remote_addr|http_x_forwarded_for|http_x_real_ip|proxy_add_x_forwarded_for)\b/g) ?? [])];
          const snippet = h.expanded !== h.hash.key && sources.length > 0 && !h.hash.global;
          const via = snippet ? ` (the Ingress's snippet sets ${h.hash.key} from ${sources.join(', ')})` : '';
          return [{
            key: idPart(h.ingress.name), resource: objectLabel(h.ingress), severity: 'warning',
            summary: `${h.paths.join(', ')} of Ingress ${h.ingress.name} stick on the client address with upstream-hash-by ${h.hash.key}${via}; public clients change it (mobile) or share it (NAT, proxies)`,
            evidence: [cite(hashRef(h)), ...(snippet ? [snippetLine(h.ingress, h.hash.key)] : [])],
            plan: replaceHashWithCookie(h, service, `Stick Ingress ${h.ingress.name} on a cookie instead of the client address`),
          }];
        }),
};
