import { configEditPlan, type LineEdit } from '../config-edit.ts';
import type { Plan } from '../types.ts';

/** Makes every instance use the first instance's cookie value for each server. */
export function alignCookieValues(key: string, backend: string, edits: LineEdit[], instances: string[]): Plan {
  return configEditPlan('haproxy.align-cookie-values', key, {
    title: `Use the same server cookie values for ${backend} on ${instances.join(', ')}`,
    risk: 'medium',
    instance: instances.join(', '),
    edits,
  });
}
