import { cite } from '../../evidence/source.ts';
import { setIngressAnnotations } from '../../remediations/kubernetes/set-ingress-annotations.ts';
import { commonPath, pathMatches } from '../support/cookies.ts';
import { annotation, annotationRef, ingressAffinity, objectLabel, regexHost, routeFor } from '../support/kubernetes.ts';
import { idPart, type Check, type CheckResult } from '../types.ts';

/**
 * An affinity cookie whose Path excludes paths that must stick. ingress-nginx sets the cookie
 * Path to the matched Ingress path unless `session-cookie-path` says otherwise, so a cookie
 * issued on `/cart` is not sent on `/checkout`; with `use-regex` the path is a regex and the
 * annotation is required.
 */
export const kubernetesIngressCookiePath: Check = {
  id: 'kubernetes.ingress-cookie-path',
  layer: 'kubernetes',
  cause: 'cookie-path-mismatch',
  title: 'Affinity cookie path excludes paths that must stick',
  run: ({ ev, service }) => {
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
        const regex = annotation(ing, 'use-regex') === 'true';
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
          summary = `Ingress ${ing.name} uses regex paths with cookie affinity but no session-cookie-path: the cookie Path is the regex, which never matches a request`;
          evidence.push(cite(annotationRef(ing, 'use-regex')), cite(annotationRef(ing, 'session-cookie-path')));
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
