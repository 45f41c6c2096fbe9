import type { TargetGroupView } from '../../checks/support/aws.ts';
import { humanSeconds } from '../../evidence/duration.ts';
import type { Plan } from '../types.ts';
import { attributesPlan } from './attributes.ts';

/** ALB duration-based cookie stickiness bounds (seconds). */
export const LB_COOKIE_MAX = 604_800;

/** A cookie duration at least twice the session, within ALB's 1 s – 7 d range. */
export function cookieDuration(sessionSeconds: number): number {
  return Math.min(LB_COOKIE_MAX, Math.max(1, sessionSeconds * 2));
}

/** The attributes that turn on `lb_cookie` stickiness for a twice-the-session duration (the same wherever they are set: ELB API or controller annotation). */
export function enableStickinessChanges(sessionSeconds: number): Record<string, string> {
  return { 'stickiness.enabled': 'true', 'stickiness.type': 'lb_cookie', 'stickiness.lb_cookie.duration_seconds': String(cookieDuration(sessionSeconds)) };
}

/** Turns on `lb_cookie` stickiness with a duration of twice the session (at most 7 days). */
export function enableStickiness(v: TargetGroupView, sessionSeconds: number): Plan {
  const d = cookieDuration(sessionSeconds);
  return attributesPlan('elbv2.enable-stickiness', v, `Enable cookie stickiness on ${v.name} (AWSALB, ${humanSeconds(d)})`, 'low', enableStickinessChanges(sessionSeconds));
}
