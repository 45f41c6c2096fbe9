import { z } from 'zod';

/** `aws elbv2 describe-load-balancers` output. */
export const DescribeLoadBalancersSchema = z.looseObject({
  LoadBalancers: z.array(
    z.looseObject({
      LoadBalancerArn: z.string(),
      LoadBalancerName: z.string().optional(),
      Type: z.enum(['application', 'network', 'gateway']).optional(),
      Scheme: z.string().optional(),
    }),
  ),
});

/** `aws elbv2 describe-target-groups` output. */
export const DescribeTargetGroupsSchema = z.looseObject({
  TargetGroups: z.array(
    z.looseObject({
      TargetGroupArn: z.string(),
      TargetGroupName: z.string(),
      Protocol: z.string().optional(),
      Port: z.number().optional(),
      TargetType: z.string().optional(),
      LoadBalancerArns: z.array(z.string()).optional(),
      HealthCheckIntervalSeconds: z.number().optional(),
      UnhealthyThresholdCount: z.number().optional(),
      HealthCheckPath: z.string().optional(),
    }),
  ),
});

/** `aws elbv2 describe-target-group-attributes` output. */
export const TargetGroupAttributesSchema = z.looseObject({
  Attributes: z.array(z.looseObject({ Key: z.string(), Value: z.string() })),
});

/** `aws elbv2 describe-target-health` output. */
export const TargetHealthSchema = z.looseObject({
  TargetHealthDescriptions: z.array(
    z.looseObject({
      Target: z.looseObject({ Id: z.string(), Port: z.number().optional(), AvailabilityZone: z.string().optional() }),
      TargetHealth: z.looseObject({ State: z.string(), Reason: z.string().optional(), Description: z.string().optional() }),
    }),
  ),
});

const ForwardConfigSchema = z.looseObject({
  TargetGroups: z.array(z.looseObject({ TargetGroupArn: z.string(), Weight: z.number().optional() })).optional(),
  TargetGroupStickinessConfig: z.looseObject({ Enabled: z.boolean().optional(), DurationSeconds: z.number().optional() }).optional(),
});

/** A listener or rule action (only the forward parts matter for affinity). */
export const ActionSchema = z.looseObject({
  Type: z.string(),
  TargetGroupArn: z.string().optional(),
  Order: z.number().optional(),
  ForwardConfig: ForwardConfigSchema.optional(),
});

/** `aws elbv2 describe-listeners` output. */
export const DescribeListenersSchema = z.looseObject({
  Listeners: z.array(
    z.looseObject({
      ListenerArn: z.string(),
      LoadBalancerArn: z.string().optional(),
      Port: z.number().optional(),
      Protocol: z.string().optional(),
      DefaultActions: z.array(ActionSchema).default([]),
    }),
  ),
});

/** `aws elbv2 describe-rules` output. */
export const DescribeRulesSchema = z.looseObject({
  Rules: z.array(
    z.looseObject({
      RuleArn: z.string(),
      Priority: z.string().optional(),
      IsDefault: z.boolean().optional(),
      Conditions: z.array(z.looseObject({ Field: z.string().optional(), Values: z.array(z.string()).optional() }).loose()).default([]),
      Actions: z.array(ActionSchema).default([]),
    }),
  ),
});

/**
 * `aws elbv2 describe-tags` output: the tags of target groups and load balancers. The AWS Load
 * Balancer Controller marks what it owns (`elbv2.k8s.aws/cluster`, `ingress.k8s.aws/stack`,
 * `ingress.k8s.aws/resource`, or `service.k8s.aws/…` for Services), so a fix goes to its
 * Kubernetes annotations instead of the ELB API.
 */
export const DescribeTagsSchema = z.looseObject({
  TagDescriptions: z.array(z.looseObject({ ResourceArn: z.string(), Tags: z.array(z.looseObject({ Key: z.string(), Value: z.string().default('') })).default([]) })),
});

/**
 * `aws cloudwatch get-metric-data` output. Each result's `Label` is `<MetricName> <TargetGroup
 * dimension>` (for example `UnHealthyHostCount targetgroup/checkout/0123abcd`), which is how the
 * collector names its queries so the file alone says what each series is.
 */
export const MetricDataSchema = z.looseObject({
  MetricDataResults: z.array(
    z.looseObject({
      Id: z.string(),
      Label: z.string().optional(),
      Timestamps: z.array(z.string()).default([]),
      Values: z.array(z.number()).default([]),
      StatusCode: z.string().optional(),
    }),
  ),
});

/** `aws cloudwatch describe-alarms` output. */
export const DescribeAlarmsSchema = z.looseObject({
  MetricAlarms: z
    .array(
      z.looseObject({
        AlarmName: z.string(),
        StateValue: z.string(),
        MetricName: z.string().optional(),
        Namespace: z.string().optional(),
        Dimensions: z.array(z.looseObject({ Name: z.string(), Value: z.string() })).default([]),
        StateUpdatedTimestamp: z.string().optional(),
        StateReason: z.string().optional(),
      }),
    )
    .default([]),
});

export type TargetGroup = z.infer<typeof DescribeTargetGroupsSchema>['TargetGroups'][number];
export type Listener = z.infer<typeof DescribeListenersSchema>['Listeners'][number];
export type Rule = z.infer<typeof DescribeRulesSchema>['Rules'][number];
export type Action = z.infer<typeof ActionSchema>;
export type TargetHealthDescription = z.infer<typeof TargetHealthSchema>['TargetHealthDescriptions'][number];
export type MetricAlarm = z.infer<typeof DescribeAlarmsSchema>['MetricAlarms'][number];
export type MetricDataResult = z.infer<typeof MetricDataSchema>['MetricDataResults'][number];
