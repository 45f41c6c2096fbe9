import { afterEach, describe, expect, it } from '@jest/globals';
import { DescribeTagsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { ServiceSchema } from '../../lib/evidence/service.ts';
import { AlarmMessageSchema, serviceByTag, serviceForAlarm } from '../../lib/workflow/alarm.ts';

const catalog = {
  source: 'c.yaml',
  services: [
    ServiceSchema.parse({ name: 'checkout', hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, aws: { region: 'eu-west-1', targetGroupArns: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/checkout-tg/73e2d6bc24d8a067'] } }),
    ServiceSchema.parse({ name: 'search', hosts: ['search.example.com'], sessionTimeoutSeconds: 600 }),
  ],
};
const alarm = (dims: { name: string; value: string }[], name = 'unhealthy') => AlarmMessageSchema.parse({
  AlarmName: name, AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x', NewStateValue: 'ALARM', StateChangeTime: '2026-11-25T10:00:00.000+0000',
  Trigger: { MetricName: 'UnHealthyHostCount', Namespace: 'AWS/ApplicationELB', Dimensions: dims },
});
let elb: ReturnType<typeof mockClient> | undefined;
afterEach(() => elb?.restore());

describe('which service an alarm is about', () => {
  it('matches the TargetGroup dimension against the catalog ARNs, else the alarm name', () => {
    // Assess
    expect(serviceForAlarm(catalog, alarm([{ name: 'TargetGroup', value: 'targetgroup/checkout-tg/73e2d6bc24d8a067' }]))?.name).toBe('checkout');
    expect(serviceForAlarm(catalog, alarm([], 'search-5xx'))?.name).toBe('search');
    expect(serviceForAlarm(catalog, alarm([], 'billing-5xx'))).toBeUndefined();
  });

  it('asks the target group\'s sticky:service tag when the catalog lists no ARN for it', async () => {
    // Prepare
    elb = mockClient(ElasticLoadBalancingV2Client);
    elb.on(DescribeTagsCommand, { ResourceArns: ['arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/search-tg/0123456789abcdef'] })
      .resolves({ TagDescriptions: [{ ResourceArn: 'x', Tags: [{ Key: 'sticky:service', Value: 'search' }] }] });
    // Act
    const found = await serviceByTag(catalog, alarm([{ name: 'TargetGroup', value: 'targetgroup/search-tg/0123456789abcdef' }]));
    // Assess
    expect(found?.name).toBe('search');
  });
});
