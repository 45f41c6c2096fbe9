import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { GetParameterCommand, ParameterNotFound, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { runtimeFromEnv, secret } from '../../lib/runtime-env.ts';

const saved = { ...process.env };
let ssm: AwsClientStub<SSMClient>;
const PARAM = '/sticky/prod/slack-bot-token';
const meta = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'r-1', attempts: 1, totalRetryDelay: 0 });
beforeEach(() => {
  process.env = { ...saved };
  delete process.env.SLACK_BOT_TOKEN;
  ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand).callsFake(async (input: { Name: string; WithDecryption?: boolean }) => {
    if (input.Name !== PARAM) throw new ParameterNotFound({ message: '', $metadata: meta(400) });
    return { $metadata: meta(200), Parameter: { Name: PARAM, Type: 'SecureString', Value: input.WithDecryption ? 'xoxb-from-ssm' : 'AQICAHh...ciphertext', Version: 3, LastModifiedDate: new Date('2026-11-01T00:00:00Z'), ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter${PARAM}`, DataType: 'text' } };
  });
});
afterEach(() => {
  ssm.restore();
  process.env = { ...saved };
});

describe('secrets', () => {
  it('uses the environment variable when it is set, without calling SSM', async () => {
    // Prepare
    Object.assign(process.env, { SLACK_BOT_TOKEN: 'xoxb-from-env', SLACK_BOT_TOKEN_PARAMETER: PARAM });
    // Act
    const got = await secret('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN_PARAMETER');
    // Assess
    expect(got).toBe('xoxb-from-env');
    expect(ssm.calls()).toHaveLength(0);
  });

  it('reads the SecureString parameter the deployment names, decrypted', async () => {
    // Prepare
    process.env.SLACK_BOT_TOKEN_PARAMETER = PARAM;
    // Act
    const got = await secret('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN_PARAMETER');
    // Assess
    expect(got).toBe('xoxb-from-ssm');
    expect(ssm.calls().map((c) => c.args[0].input)).toEqual([{ Name: PARAM, WithDecryption: true }]);
  });

  it('says which variables are missing when neither is set', async () => {
    // Act
    const failure = secret('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN_PARAMETER');
    // Assess
    await expect(failure).rejects.toThrow('SLACK_BOT_TOKEN is not set and neither is SLACK_BOT_TOKEN_PARAMETER (the SSM parameter holding it)');
  });

  it.each([
    ['a parameter that does not exist', '/sticky/prod/typo', undefined, 'SLACK_BOT_TOKEN: cannot read SSM parameter /sticky/prod/typo (SLACK_BOT_TOKEN_PARAMETER): ParameterNotFound'],
    ['a denied read', PARAM, 'AccessDeniedException', `SLACK_BOT_TOKEN: cannot read SSM parameter ${PARAM} (SLACK_BOT_TOKEN_PARAMETER): AccessDeniedException (missing permission ssm:GetParameter or kms:Decrypt)`],
  ])('names the parameter and the reason for %s', async (_what, name, code, message) => {
    // Prepare
    process.env.SLACK_BOT_TOKEN_PARAMETER = name;
    if (code) ssm.on(GetParameterCommand).rejects(new SSMServiceException({ name: code, $fault: 'client', $metadata: meta(400), message: 'User is not authorized to perform: ssm:GetParameter' }));
    // Act
    const failure = secret('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN_PARAMETER');
    // Assess
    await expect(failure).rejects.toThrow(message);
  });

  it('refuses an empty parameter', async () => {
    // Prepare
    process.env.SLACK_BOT_TOKEN_PARAMETER = PARAM;
    ssm.on(GetParameterCommand).resolves({ $metadata: meta(200), Parameter: { Name: PARAM, Type: 'SecureString', Value: '', Version: 1 } });
    // Act
    const failure = secret('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN_PARAMETER');
    // Assess
    await expect(failure).rejects.toThrow(`SSM parameter ${PARAM} is empty`);
  });
});

describe('the AWS runtime from the environment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sticky-runtime-'));
    writeFileSync(join(dir, 'catalog.yaml'), 'services:\n  - name: checkout\n    hosts: [shop.example.com]\n    sessionTimeoutSeconds: 3600\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('needs the state machine ARN', async () => {
    // Prepare
    process.env.SLACK_BOT_TOKEN_PARAMETER = PARAM;
    delete process.env.STICKY_STATE_MACHINE_ARN;
    // Act
    const failure = runtimeFromEnv();
    // Assess
    await expect(failure).rejects.toThrow('STICKY_STATE_MACHINE_ARN is not set');
  });

  it('wires the catalog, the alarm channel and the dedupe window from the environment, the Slack token from SSM', async () => {
    // Prepare
    Object.assign(process.env, {
      STICKY_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sticky', SLACK_BOT_TOKEN_PARAMETER: PARAM,
      STICKY_CATALOG: join(dir, 'catalog.yaml'), STICKY_ALARM_CHANNEL: 'C0INCIDENTS', STICKY_DEDUPE_MINUTES: '5', STICKY_DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
    });
    // Act
    const rt = await runtimeFromEnv();
    const svc = await rt.service('checkout');
    const unknown = rt.service('checkot');
    // Assess
    expect([rt.alarmChannel, rt.dedupeWindowMs, svc.hosts]).toEqual(['C0INCIDENTS', 300_000, ['shop.example.com']]);
    await expect(unknown).rejects.toThrow('no service "checkot"');
    expect(await rt.catalog()).toBe(await rt.catalog());
    expect(ssm.calls().map((c) => c.args[0].input)).toEqual([{ Name: PARAM, WithDecryption: true }]);
    expect(rt.now()).toBeInstanceOf(Date);
  });
});
