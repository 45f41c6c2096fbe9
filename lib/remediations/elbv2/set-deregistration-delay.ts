import type { TargetGroupView } from '../../checks/support/aws.ts';
import type { Plan } from '../types.ts';
import { attributesPlan } from './attributes.ts';

/** Sets the deregistration delay (ELB's default, 300 s, unless told otherwise). */
export function setDeregistrationDelay(v: TargetGroupView, seconds = 300): Plan {
  return attributesPlan('elbv2.set-deregistration-delay', v, `Drain ${v.name} targets for ${seconds} s before removing them`, 'low', {
    'deregistration_delay.timeout_seconds': String(seconds),
  });
}
