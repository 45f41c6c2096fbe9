import { afterEach, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { CatalogError, catalogPath, loadCatalog } from '../../lib/catalog/catalog.ts';
import { catalogLoader } from '../../lib/catalog/remote.ts';
import { catalogStatements } from '../../lib/deploy/iam.ts';

const meta = { $metadata: {} };
const CATALOG = '- name: checkout\n  hosts: [shop.example.com]\n  sessionTimeoutSeconds: 3600\n  haproxy:\n    - { name: edge1, config: /etc/haproxy/haproxy.cfg, ssm: { region: eu-west-1, tags: { Role: edge } } }\n';
const body = (text: string) => ({ Body: { transformToString: async () => text } as never, ...meta });
const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);
afterEach(() => {
  s3.reset();
  ssm.reset();
});

describe('a catalog kept in S3 or Parameter Store', () => {
  it('is read from an S3 object or an SSM parameter, validated, and keeps paths on the instance as written', async () => {
    // Prepare
    s3.on(GetObjectCommand).resolves(body(CATALOG));
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/sticky/prod/catalog', Type: 'String', Value: CATALOG, Version: 3 }, ...meta });
    // Act
    const fromS3 = await loadCatalog(catalogPath(undefined, { STICKY_CATALOG: 's3://sticky-config/prod/sticky.config.yaml' }, '/var/task'));
    const fromSsm = await loadCatalog('ssm:/sticky/prod/catalog');
    // Assess
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([{ Bucket: 'sticky-config', Key: 'prod/sticky.config.yaml' }]);
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: '/sticky/prod/catalog', WithDecryption: true }]);
    expect([fromS3.source, fromS3.services.map((s) => s.haproxy![0]!.config)]).toEqual(['s3://sticky-config/prod/sticky.config.yaml', ['/etc/haproxy/haproxy.cfg']]);
    expect(fromSsm.services.map((s) => s.name)).toEqual(['checkout']);
  });

  it('names the location, the line and the field of a bad catalog, and a missing object or parameter', async () => {
    // Prepare
    s3.on(GetObjectCommand).resolvesOnce(body(CATALOG.replace('3600', 'an hour'))).rejects(new NoSuchKey({ message: 'The specified key does not exist.', ...meta }));
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', ...meta }));
    // Act
    const bad = loadCatalog('s3://sticky-config/prod/sticky.config.yaml');
    const missing = loadCatalog('s3://sticky-config/prod/sticky.config.yaml');
    const noParameter = loadCatalog('ssm:/sticky/prod/catalog');
    // Assess
    await expect(bad).rejects.toThrow(new CatalogError('s3://sticky-config/prod/sticky.config.yaml:3: [0].sessionTimeoutSeconds: Invalid input: expected number, received string'));
    await expect(missing).rejects.toThrow('s3://sticky-config/prod/sticky.config.yaml: cannot read (NoSuchKey: The specified key does not exist.)');
    await expect(noParameter).rejects.toThrow('ssm:/sticky/prod/catalog: cannot read (ParameterNotFound)');
    await expect(loadCatalog('s3://Bad_Bucket')).rejects.toThrow('s3://Bad_Bucket: not a catalog location (s3://bucket/key or ssm:/parameter/name)');
  });

  it('is cached for its time to live, read again after it, and the last valid one keeps serving when an edit is invalid', async () => {
    // Prepare
    let t = 0;
    const stale: string[] = [];
    s3.on(GetObjectCommand).resolvesOnce(body(CATALOG)).resolvesOnce(body('- name: [')).resolves(body(CATALOG.replace('checkout', 'cart')));
    const catalog = catalogLoader('s3://sticky-config/prod/sticky.config.yaml', { ttlMs: 60_000, now: () => t, onStale: (e) => stale.push(e.message) });
    // Act
    const first = await catalog();
    t = 30_000;
    const cached = await catalog();
    t = 61_000;
    const afterBadEdit = await catalog();
    t = 75_000;
    const fixed = await catalog();
    // Assess
    expect([first, cached, afterBadEdit].map((c) => c.services[0]!.name)).toEqual(['checkout', 'checkout', 'checkout']);
    expect(fixed.services[0]!.name).toBe('cart');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(3);
    expect(stale).toEqual([expect.stringMatching(/^s3:\/\/sticky-config\/prod\/sticky\.config\.yaml:1: /)]);
  });

  it('gets read access to exactly its object or parameter in every function, and a packaged file gets none', () => {
    // Act
    const statements = ['sticky.config.yaml', 's3://sticky-config/prod/sticky.config.yaml', 'ssm:/sticky/prod/catalog', 'ssm:sticky-catalog'].map(catalogStatements);
    // Assess
    expect(statements).toEqual([
      [],
      [{ Sid: 'Catalog', Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::sticky-config/prod/sticky.config.yaml' } }],
      [{ Sid: 'Catalog', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/sticky/prod/catalog' } }],
      [{ Sid: 'Catalog', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/sticky-catalog' } }],
    ]);
  });
});
