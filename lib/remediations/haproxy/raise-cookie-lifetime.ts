import type { HaproxyCookie } from '../../evidence/haproxy.ts';
import { configEditPlan, replaceLine, timeValue } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/** Raises `maxidle`/`maxlife` on the backend's cookie line to twice the session timeout. */
export function raiseCookieLifetime(instance: string, key: string, backend: string, cookie: HaproxyCookie, sessionSeconds: number): Plan {
  const life = timeValue(sessionSeconds * 2);
  const text = cookie.ref.text ?? '';
  let after = text;
  for (const k of ['maxidle', 'maxlife'] as const) {
    if (cookie[k] !== undefined) after = after.replace(new RegExp(`(\\b${k}\\s+)\\S+`), `$1${life}`);
  }
  return configEditPlan('haproxy.raise-cookie-lifetime', key, {
    title: `Raise cookie ${cookie.name} lifetime on ${instance}/${backend} to ${life}`,
    risk: 'low',
    instance,
    edits: [replaceLine(cookie.ref, after)],
  });
}
