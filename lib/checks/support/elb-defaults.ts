/**
 * Attribute defaults of ELB target groups when an attribute is absent (from the
 * describe-target-group-attributes output, or from the AWS Load Balancer Controller's
 * `target-group-attributes` annotation): stickiness off, a day for either cookie, 300 s drain.
 */
export const ATTRIBUTE_DEFAULTS: Record<string, string> = {
  'stickiness.enabled': 'false',
  'stickiness.lb_cookie.duration_seconds': '86400',
  'stickiness.app_cookie.duration_seconds': '86400',
  'deregistration_delay.timeout_seconds': '300',
};
