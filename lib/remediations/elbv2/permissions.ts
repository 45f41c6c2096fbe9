/** The ELB write actions the remediations may call; every AWS plan names its subset. */
export const ELBV2_WRITE = {
  attributes: 'elasticloadbalancing:ModifyTargetGroupAttributes',
  listener: 'elasticloadbalancing:ModifyListener',
  rule: 'elasticloadbalancing:ModifyRule',
} as const;

/** As a list, for the IAM policy of the step function. */
export const REMEDIATE_IAM_ACTIONS = Object.values(ELBV2_WRITE);
