import type { TargetGroupView } from '../../checks/support/aws.ts';
import { humanSeconds } from '../../evidence/duration.ts';
import type { Plan } from '../types.ts';
import { attributesPlan } from './attributes.ts';
import { cookieDuration } from './enable-stickiness.ts';

/** Raises the duration attribute of the stickiness type in use to twice the session. */
export function raiseCookieDuration(v: TargetGroupView, attribute: string, sessionSeconds: number): Plan {
  const d = cookieDuration(sessionSeconds);
  return attributesPlan('elbv2.raise-cookie-duration', v, `Raise ${v.name} stickiness duration to ${humanSeconds(d)}`, 'low', { [attribute]: String(d) });
}
