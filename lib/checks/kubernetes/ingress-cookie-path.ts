import { cite } from '../../evidence/source.ts';
import { setIngressAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { commonPath, pathMatches } from '../support/cookies.ts';
import { annotation, annotationRef, ingressAffinity, nginxRoutes, objectLabel, regexHost, routeFor, type IngressRoute } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/** Which Ingress and annotation put a host in regex mode (`use-regex` first, then `rewrite-target`). */
function regexCause(routes: IngressRoute[]): { ingress: IngressRoute['ingress']; annotation: string; text: string } {
  const byRegex = routes.find((r) => annotation(r.ingress, 'use-regex') === 'true');
  if (byRegex) return { ingress: byRegex.ingress, annotation: 'use-regex', text: `use-regex on Ingress ${byRegex.ingress.name}` };
  const byRewrite = routes.find((r) => annotation(r.ingress, 'rewrite-target') !== undefined)!;
  return { ingress: byRewrite.ingress, annotation: 'rewrite-target', text: `rewrite-target ${annotation(byRewrite.ingress, 'rewrite-target')} on Ingress ${byRewrite.ingress.name}` };
}

/**
 * An affinity cookie whose Path excludes paths that must stick. ingress-nginx sets the cookie
 * Path to the matched Ingress path unless `session-cookie-path` says otherwise, so a cookie
 * issued on `/cart` is not sent on `/checkout`. When the host matches paths as regular
 * expressions (`use-regex` or a `rewrite-target` on any of its Ingresses) the cookie Path is the
 * pattern itself, which browsers compare literally, so `session-cookie-path` is required unless
 * the pattern happens to be a plain prefix of every path that must stick.
 */
export const kubernetesIngressCookiePath: Check = {
  id: 'kubernetes.ingress-cookie-path',
  layer: 'kubernetes',
  cause: 'cookie-path-mismatch',
  title: 'Affinity cookie path excludes paths that must stick',
  run: ({ ev, service }) => {
    const routes = nginxRoutes(ev.kubernetes, service);
    const out: CheckResult[] = [];
    const done = new Set<string>();
    const must = [...service.paths, ...service.websocketPaths];
    for (const host of service.hosts) {
      const served = must.map((p) => ({ p, r: routeFor(ev.kubernetes, service, host, p) })).filter((x) => x.r && ingressAffinity(x.r.ingress) === 'cookie');
      for (const { r } of served) {
        const ing = r!.ingress;
        if (done.has(ing.name)) continue;
        done.add(ing.name);
        const explicit = annotation(ing, 'session-cookie-path');
        const regex = regexHost(ev.kubernetes, service, host);
        const mine = served.filter((x) => x.r!.ingress === ing);
        let summary: string | undefined;
        const evidence: string[] = [];
        if (explicit) {
          const missed = must.filter((p) => !pathMatches(explicit, p));
          if (missed.length) {
            summary = `affinity cookie of Ingress ${ing.name} has Path ${explicit}: browsers do not send it on ${missed.join(', ')}`;
            evidence.push(cite(annotationRef(ing, 'session-cookie-path')));
          }
        } else if (regex) {
          const cookiePaths = [...new Set(mine.map((x) => x.r!.path))];
          const missed = must.filter((p) => cookiePaths.some((cp) => !pathMatches(cp, p)));
          if (missed.length > 0) {
            const why = regexCause(routes.filter((x) => x.host === host));
            summary = `${host} matches paths as regular expressions (${why.text}) and Ingress ${ing.name} sets no session-cookie-path: the affinity cookie's Path is the path pattern ${cookiePaths.join(', ')} taken literally, which browsers never send on ${missed.join(', ')}`;
            evidence.push(cite(annotationRef(why.ingress, why.annotation)), ...mine.map((x) => cite(ing.ref(['spec', 'rules', x.r!.index[0], 'http', 'paths', x.r!.index[1], 'path'], `path: ${x.r!.path}`))), cite(annotationRef(ing, 'session-cookie-path')));
          }
        } else {
          const cookiePaths = [...new Set(mine.map((x) => x.r!.path))];
          const missed = must.filter((p) => cookiePaths.some((cp) => !pathMatches(cp, p)));
          if (cookiePaths.length > 1 || (cookiePaths[0] !== undefined && missed.length > 0)) {
            summary = `Ingress ${ing.name} issues its affinity cookie per path (${cookiePaths.join(', ')}) with no session-cookie-path: a cookie set on one is not sent on ${missed.join(', ')}`;
            evidence.push(...mine.map((x) => cite(ing.ref(['spec', 'rules', x.r!.index[0], 'http', 'paths', x.r!.index[1], 'path'], `path: ${x.r!.path}`))));
          }
        }
        if (!summary) continue;
        const key = idPart(ing.name);
        out.push({
          key, resource: objectLabel(ing), severity: 'critical', summary, evidence,
          plan: setIngressAnnotations(key, ing, { 'session-cookie-path': commonPath(must) }, `Set the affinity cookie path of Ingress ${ing.name} to ${commonPath(must)}`),
        });
      }
    }
    return out;
  },
};
