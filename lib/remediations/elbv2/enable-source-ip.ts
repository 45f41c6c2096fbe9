import type { TargetGroupView } from '../../checks/support/aws.ts';
import type { Plan } from '../types.ts';
import { attributesPlan } from './attributes.ts';

/** Turns on NLB `source_ip` stickiness, the only kind an NLB has (for internal clients). */
export function enableSourceIp(v: TargetGroupView): Plan {
  return attributesPlan('elbv2.enable-source-ip', v, `Enable source-IP stickiness on ${v.name}`, 'low', {
    'stickiness.enabled': 'true',
    'stickiness.type': 'source_ip',
  });
}
