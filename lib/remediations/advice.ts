import { plan, type Plan } from './types.ts';

/**
 * A plan without an apply button: what a person should do when the fix is architectural (move
 * an NLB service to an ALB with cookies), outside the balancer (an unhealthy target, a crashing
 * pod) or at a layer the bundle does not show (a live symptom with no configuration evidence).
 */
export function advice(action: string, key: string, title: string, before: string, after: string, how: string): Plan {
  return plan(action, key, {
    title, risk: 'medium', change: { before, after }, apply: how, rollback: 'not applicable', advice: true, target: {},
  });
}
