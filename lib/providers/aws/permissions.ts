/** Every ELB API operation the collector calls (read only). */
export const ELBV2_READ = [
  'DescribeLoadBalancers', 'DescribeTargetGroups', 'DescribeTargetGroupAttributes', 'DescribeTargetHealth', 'DescribeListeners', 'DescribeRules', 'DescribeTags',
] as const;

/** Every CloudWatch API operation the collector calls (read only). */
export const CLOUDWATCH_READ = ['GetMetricData', 'DescribeAlarms'] as const;

/** As IAM actions. */
export const COLLECT_IAM_ACTIONS = [...ELBV2_READ.map((o) => `elasticloadbalancing:${o}`), ...CLOUDWATCH_READ.map((o) => `cloudwatch:${o}`)];
