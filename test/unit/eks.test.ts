import { afterEach, describe, expect, it } from '@jest/globals';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { eksKubeConfig, eksToken } from '../../lib/providers/kubernetes/eks.ts';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('EKS access from AWS', () => {
  it('makes the token aws eks get-token makes: a presigned STS call naming the cluster, valid 60 s', async () => {
    // Act
    const token = await eksToken('shop-prod', 'eu-west-1', creds, new Date('2026-11-25T10:00:00Z'));
    const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
    // Assess
    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(token).not.toMatch(/=/);
    expect([url.host, url.searchParams.get('Action'), url.searchParams.get('Version'), url.searchParams.get('X-Amz-Expires'), url.searchParams.get('X-Amz-SignedHeaders'), url.searchParams.get('X-Amz-Date')]).toEqual([
      'sts.eu-west-1.amazonaws.com', 'GetCallerIdentity', '2011-06-15', '60', 'host;x-k8s-aws-id', '20261125T100000Z',
    ]);
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261125/eu-west-1/sts/aws4_request');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('builds a kubeconfig from DescribeCluster and the role\'s credentials', async () => {
    // Prepare
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey });
    const eks = mockClient(EKSClient);
    eks.on(DescribeClusterCommand, { name: 'shop-prod' }).resolves({ cluster: { name: 'shop-prod', endpoint: 'https://ABC123.gr7.eu-west-1.eks.amazonaws.com', certificateAuthority: { data: 'LS0tLS1CRUdJTg==' } } });
    // Act
    const kc = await eksKubeConfig('shop-prod', 'eu-west-1');
    eks.restore();
    // Assess
    expect(kc.getCurrentCluster()).toMatchObject({ name: 'shop-prod', server: 'https://ABC123.gr7.eu-west-1.eks.amazonaws.com', caData: 'LS0tLS1CRUdJTg==' });
    expect(kc.getCurrentUser()?.token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
  });
});
