import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { iamStatements } from '../../lib/deploy/iam.ts';
import { FIXTURES } from '../support/bundles.ts';

jest.setTimeout(180_000);
const root = join(FIXTURES, '..', '..');
const templateFile = join(root, '.serverless', 'cloudformation-template-update-stack.json');
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let t: { Resources: Obj; Outputs: Obj };
/** Packaged with a catalog in S3, so the template must grant reading exactly that object. */
const CATALOG = 's3://sticky-config-example/prod/sticky.config.yaml';

beforeAll(async () => {
  // Always package anew: a template or bundle left from older code would test the wrong thing.
  await promisify(execFile)(process.execPath, [join(root, 'scripts', 'package.ts'), '--catalog', CATALOG], { cwd: root, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } });
  t = JSON.parse(readFileSync(templateFile, 'utf8'));
});

const ofType = (type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const shape = (s: Obj[]) => s.map((x) => [x.Sid, x.Action, x.Condition ?? null]);

describe('the packaged CloudFormation template', () => {
  it('has the four functions on Node.js 24 / arm64, each with its own role and no secret in its environment', () => {
    // Act
    const fns = Object.fromEntries(ofType('AWS::Lambda::Function').map(([k, r]) => [k, r.Properties]));
    // Assess
    expect(Object.keys(fns).sort()).toEqual(['AlarmLambdaFunction', 'SlackLambdaFunction', 'StepLambdaFunction', 'SweeperLambdaFunction']);
    for (const [name, p] of Object.entries(fns)) {
      expect([p.Runtime, p.Architectures]).toEqual(['nodejs24.x', ['arm64']]);
      expect(p.Role).toEqual({ 'Fn::GetAtt': [`${name.replace('LambdaFunction', '')}Role`, 'Arn'] });
      expect(Object.keys(p.Environment.Variables).sort()).toEqual(['NODE_OPTIONS', 'SLACK_BOT_TOKEN_PARAMETER', 'SLACK_SIGNING_SECRET_PARAMETER', 'STICKY_CATALOG', 'STICKY_STATE_MACHINE_ARN', 'STICKY_TABLE']);
      expect(p.Environment.Variables.STICKY_CATALOG).toBe(CATALOG);
    }
    expect(ofType('AWS::Logs::LogGroup').map(([, r]) => r.Properties.RetentionInDays)).toEqual([30, 30, 30, 30]);
  });

  it('grants each role exactly the statements derived from the code', () => {
    // Act
    const derived = iamStatements({ catalog: CATALOG });
    // Assess
    for (const fn of ['slack', 'alarm', 'step', 'sweeper'] as const) {
      const role = t.Resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}Role`];
      expect(shape(role.Properties.Policies[0].PolicyDocument.Statement)).toEqual(shape(derived[fn]));
    }
    const step = t.Resources.StepRole.Properties.Policies[0].PolicyDocument.Statement;
    expect(step.find((s: Obj) => s.Sid === 'Remediate')).toEqual({
      Sid: 'Remediate', Effect: 'Allow', Resource: '*',
      Action: ['elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyRule'],
      Condition: { Null: { 'aws:ResourceTag/sticky:service': 'false' } },
    });
    expect(JSON.stringify(t.Resources.SlackRole)).not.toContain('elasticloadbalancing');
    expect(JSON.stringify(t.Resources.SweeperRole)).not.toMatch(/elasticloadbalancing|ModifyTargetGroup/);
  });

  it('runs the sweeper every five minutes', () => {
    // Act
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties);
    // Assess
    expect(rules.map((r) => [r.ScheduleExpression, r.State, r.Targets[0].Arn])).toEqual([['rate(5 minutes)', 'ENABLED', { 'Fn::GetAtt': ['SweeperLambdaFunction', 'Arn'] }]]);
  });

  it('lets only the step function run commands: AWS-RunShellScript on instances tagged sticky:service, and read the catalog object', () => {
    // Act
    const statements = (fn: string) => t.Resources[`${fn}Role`].Properties.Policies[0].PolicyDocument.Statement as Obj[];
    const step = statements('Step');
    // Assess
    expect(step.filter((s) => s.Sid.startsWith('RunCommand'))).toEqual([
      { Sid: 'RunCommandStatus', Effect: 'Allow', Action: ['ssm:DescribeInstanceInformation', 'ssm:GetCommandInvocation'], Resource: '*' },
      { Sid: 'RunCommandDocument', Effect: 'Allow', Action: ['ssm:SendCommand'], Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:*::document/AWS-RunShellScript' } },
      {
        Sid: 'RunCommandInstances', Effect: 'Allow', Action: ['ssm:SendCommand'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:instance/*' }, { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:*:${AWS::AccountId}:managed-instance/*' }],
        Condition: { StringLike: { 'ssm:resourceTag/sticky:service': '*' } },
      },
    ]);
    expect(step.flatMap((s) => s.Action).filter((a: string) => a === 'ssm:SendCommand')).toHaveLength(2);
    for (const fn of ['Slack', 'Alarm']) expect(JSON.stringify(statements(fn))).not.toContain('ssm:SendCommand');
    for (const fn of ['Slack', 'Alarm', 'Step']) {
      expect(statements(fn).find((s) => s.Sid === 'Catalog')).toEqual({ Sid: 'Catalog', Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::sticky-config-example/prod/sticky.config.yaml' } });
    }
  });

  it('has the state machine calling the step function, the table with TTL and point-in-time recovery, and alarms on the bot', () => {
    // Act
    const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0]!;
    const [, table] = ofType('AWS::DynamoDB::Table')[0]!;
    // Assess
    expect(machine.Properties.DefinitionString['Fn::Sub'][0]).toContain('"Resource": "${');
    expect(Object.values(machine.Properties.DefinitionString['Fn::Sub'][1])).toContainEqual({ 'Fn::GetAtt': ['StepLambdaFunction', 'Arn'] });
    expect([table.Properties.TimeToLiveSpecification, table.Properties.PointInTimeRecoverySpecification]).toEqual([{ AttributeName: 'expiresAt', Enabled: true }, { PointInTimeRecoveryEnabled: true }]);
    expect(ofType('AWS::CloudWatch::Alarm').map(([k]) => k).sort()).toEqual(['BotErrorsAlarm', 'TriageFailuresAlarm']);
    expect(Object.keys(t.Outputs)).toEqual(expect.arrayContaining(['SlackRequestUrl', 'AlarmTopicArn']));
  });
});

describe('the bundled Slack function', () => {
  it('answers a command and a click through the bundle, with its unused modules stubbed out', async () => {
    // Prepare
    const { SlackApiDouble, signedEvent, slashBody, clickBody } = await import('../support/slack-api-double.ts');
    const { localStore } = await import('../../lib/store/store.ts');
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const slack = new SlackApiDouble();
    slack.tokens.add('xoxb-bundle');
    const store = await localStore();
    const dir = mkdtempSync(join(tmpdir(), 'sticky-bundle-'));
    writeFileSync(join(dir, 'catalog.yaml'), '- name: checkout\n  hosts: [shop.example.com]\n  sessionTimeoutSeconds: 3600\n');
    const saved = { ...process.env };
    Object.assign(process.env, {
      SLACK_SIGNING_SECRET: 'bundle-secret', SLACK_BOT_TOKEN: 'xoxb-bundle', SLACK_BOT_ID: 'B1', SLACK_BOT_USER_ID: 'U0', SLACK_API_URL: await slack.start(),
      STICKY_CATALOG: join(dir, 'catalog.yaml'), STICKY_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:t', STICKY_DYNAMODB_ENDPOINT: store.endpoint,
    });
    const bundled = (await import(join(root, '.build', 'slack', 'index.mjs'))) as { handler: (e: unknown, c: unknown) => Promise<{ statusCode: number; body: string }> };
    // Act
    const help = await bundled.handler(signedEvent(slashBody('help'), 'bundle-secret'), {});
    const typo = await bundled.handler(signedEvent(slashBody('check chekout'), 'bundle-secret'), {});
    const click = await bundled.handler(signedEvent(clickBody('approve:haproxy.raise-cookie-lifetime', 'aUnknownApproval', 'U2'), 'bundle-secret'), {});
    await slack.stop();
    await store.stop();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
    // Assess
    expect([help.statusCode, JSON.parse(help.body).text.split('\n')[0]]).toEqual([200, '*Sticky* diagnoses load-balancer sticky-session failures and fixes them with your approval.']);
    expect(JSON.parse(typo.body).text).toBe('No service `chekout` in the catalog. Did you mean `checkout`?');
    expect(click.statusCode).toBe(200);
    expect(slack.of('chat.postEphemeral').map((e) => e.text)).toEqual(['Not applied: this button belongs to a triage Sticky no longer knows.']);
  });
});
