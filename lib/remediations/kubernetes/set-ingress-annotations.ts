import type { KubeObject } from '../../evidence/kubernetes.ts';
import { NGINX_ANNOTATION } from '../../checks/support/kubernetes.ts';
import type { Plan } from '../types.ts';
import { patchPlan } from './patch.ts';

/**
 * Sets ingress-nginx annotations on an Ingress with a merge patch (a `null` value removes one).
 * Rollback restores each annotation's previous value, or removes it if it was absent.
 */
export function setIngressAnnotations(key: string, ing: KubeObject, wanted: Record<string, string | null>, title: string): Plan {
  const current = ing.raw.metadata.annotations ?? {};
  const patch: Record<string, string | null> = {};
  const back: Record<string, string | null> = {};
  const before: string[] = [];
  const after: string[] = [];
  for (const [short, value] of Object.entries(wanted)) {
    const full = `${NGINX_ANNOTATION}${short}`;
    const old = current[full];
    if (old === value || (old === undefined && value === null)) continue;
    patch[full] = value;
    back[full] = old ?? null;
    before.push(`${full}: ${old === undefined ? '(unset)' : JSON.stringify(old)}`);
    after.push(`${full}: ${value === null ? '(unset)' : JSON.stringify(value)}`);
  }
  return patchPlan('kubernetes.set-ingress-annotations', key, ing, {
    title,
    risk: 'low',
    patchType: 'merge',
    patch: { metadata: { annotations: patch } },
    rollback: { metadata: { annotations: back } },
    before: `Ingress ${ing.name}\n${before.join('\n')}`,
    after: `Ingress ${ing.name}\n${after.join('\n')}`,
  });
}

/** The annotations that make an Ingress stick with a cookie that outlives the session on every path. */
export function stickyAnnotations(sessionSeconds: number, opts: { path?: string; crossSite: boolean; tls: boolean }): Record<string, string> {
  return {
    affinity: 'cookie',
    'affinity-mode': 'persistent',
    'session-cookie-max-age': String(sessionSeconds * 2),
    ...(opts.path ? { 'session-cookie-path': opts.path } : {}),
    ...(opts.crossSite && opts.tls ? { 'session-cookie-samesite': 'None', 'session-cookie-secure': 'true' } : {}),
  };
}
