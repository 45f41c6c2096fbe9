import type { KubeObject } from '../../evidence/kubernetes.ts';
import { NGINX_ANNOTATION } from '../../checks/support/kubernetes.ts';
import type { Plan } from '../types.ts';
import { annotationsPlan } from './patch.ts';

/**
 * Sets ingress-nginx annotations on an Ingress with a merge patch (a `null` value removes one).
 * Rollback restores each annotation's previous value, or removes it if it was absent.
 */
export function setIngressAnnotations(key: string, ing: KubeObject, wanted: Record<string, string | null>, title: string): Plan {
  const full = Object.fromEntries(Object.entries(wanted).map(([k, v]) => [`${NGINX_ANNOTATION}${k}`, v]));
  return annotationsPlan('kubernetes.set-ingress-annotations', key, ing, full, { title, risk: 'low' });
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
