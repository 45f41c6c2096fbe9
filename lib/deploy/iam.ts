import { COLLECT_IAM_ACTIONS } from '../providers/aws/permissions.ts';
import { EKS_IAM_ACTIONS } from '../providers/kubernetes/eks.ts';
import { ALARM_IAM_ACTIONS } from '../workflow/alarm.ts';
import { REMEDIATE_IAM_ACTIONS } from '../remediations/elbv2/permissions.ts';
import { MANAGED_INSTANCE_TAG, RUN_SHELL_SCRIPT, SSM_READ_IAM_ACTIONS, SSM_RUN_IAM_ACTION } from '../providers/ssm/permissions.ts';
import { parseRemoteLocation } from '../catalog/remote.ts';

/** An IAM policy statement (CloudFormation intrinsic functions allowed in Resource). */
export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string>>;
}

/** The tag a load balancer resource must carry before Sticky may change it. */
export const MANAGED_TAG = 'sticky:service';

const TABLE = { 'Fn::GetAtt': ['StickyTable', 'Arn'] };
/** A parameter ARN; the name comes from serverless.yml's `custom` (resolved at packaging time). */
const SSM = (custom: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter\${self:custom.${custom}}` });
const MACHINE = { 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:sticky-triage-${sls:stage}' };

/**
 * Run Command for HAProxy and NGINX on EC2: SendCommand needs the document and every instance it
 * targets; it is allowed for `AWS-RunShellScript` only, on EC2 and hybrid instances (any region
 * a catalog entry names) that carry the `sticky:service` tag. Reading a command's status and
 * listing managed instances have no resource-level permissions.
 */
const RUN_COMMAND: Statement[] = [
  { Sid: 'RunCommandStatus', Effect: 'Allow', Action: [...SSM_READ_IAM_ACTIONS], Resource: '*' },
  { Sid: 'RunCommandDocument', Effect: 'Allow', Action: [SSM_RUN_IAM_ACTION], Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:*::document/${RUN_SHELL_SCRIPT}` } },
  {
    Sid: 'RunCommandInstances', Effect: 'Allow', Action: [SSM_RUN_IAM_ACTION],
    Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:instance/*' }, { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:*:${AWS::AccountId}:managed-instance/*' }],
    Condition: { StringLike: { [`ssm:resourceTag/${MANAGED_INSTANCE_TAG}`]: '*' } },
  },
];

/** Read access to a catalog kept in S3 or Parameter Store (`STICKY_CATALOG=s3://…` or `ssm:/…`); none for a packaged file. */
export function catalogStatements(location: string | undefined): Statement[] {
  if (!location || !/^(s3:\/\/|ssm:)/.test(location)) return [];
  const where = parseRemoteLocation(location);
  if (where.kind === 's3') return [{ Sid: 'Catalog', Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${where.bucket}/${where.key}` } }];
  const name = where.name.startsWith('/') ? where.name : `/${where.name}`;
  return [{ Sid: 'Catalog', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}` } }];
}

/**
 * The IAM statements of each function, derived from what the code declares: the collector's
 * read operations, the remediations' write actions (only on resources tagged `sticky:service`),
 * Run Command on tagged instances, the store table, the state machine (start; resume waiting
 * tasks — the step function resumes a decision recorded before its token, the sweeper re-drives),
 * the two Slack secrets and, when the catalog lives in S3 or Parameter Store, read access to it.
 * Nothing else.
 */
export function iamStatements(opts: { catalog?: string } = {}): Record<'slack' | 'alarm' | 'step' | 'sweeper', Statement[]> {
  const table: Statement = { Sid: 'Store', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'], Resource: TABLE };
  const decisions: Statement = { Sid: 'Decisions', Effect: 'Allow', Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Resource: MACHINE };
  const token: Statement = { Sid: 'SlackBotToken', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: SSM('slackBotTokenParameter') };
  const catalog = catalogStatements(opts.catalog);
  return {
    slack: [
      ...catalog,
      table,
      { Sid: 'SlackSecrets', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [SSM('slackBotTokenParameter'), SSM('slackSigningSecretParameter')] },
      { Sid: 'Triage', Effect: 'Allow', Action: ['states:StartExecution'], Resource: MACHINE },
      decisions,
    ],
    alarm: [...catalog, table, token, { Sid: 'Triage', Effect: 'Allow', Action: ['states:StartExecution'], Resource: MACHINE }, { Sid: 'ServiceTags', Effect: 'Allow', Action: [...ALARM_IAM_ACTIONS], Resource: '*' }],
    step: [
      ...catalog,
      table,
      token,
      decisions,
      { Sid: 'Collect', Effect: 'Allow', Action: [...COLLECT_IAM_ACTIONS, ...EKS_IAM_ACTIONS], Resource: '*' },
      { Sid: 'Remediate', Effect: 'Allow', Action: [...REMEDIATE_IAM_ACTIONS], Resource: '*', Condition: { Null: { [`aws:ResourceTag/${MANAGED_TAG}`]: 'false' } } },
      ...RUN_COMMAND,
    ],
    sweeper: [table, token, decisions, { Sid: 'Triage', Effect: 'Allow', Action: ['states:StartExecution'], Resource: MACHINE }],
  };
}
