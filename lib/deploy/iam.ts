import { COLLECT_IAM_ACTIONS } from '../providers/aws/permissions.ts';
import { EKS_IAM_ACTIONS } from '../providers/kubernetes/eks.ts';
import { ALARM_IAM_ACTIONS } from '../workflow/alarm.ts';
import { REMEDIATE_IAM_ACTIONS } from '../remediations/elbv2/permissions.ts';

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
 * The IAM statements of each function, derived from what the code declares: the collector's
 * read operations, the remediations' write actions (only on resources tagged `sticky:service`),
 * the store table, the state machine (start; resume waiting tasks — the step function resumes a
 * decision recorded before its token, the sweeper re-drives) and the two Slack secrets. Nothing else.
 */
export function iamStatements(): Record<'slack' | 'alarm' | 'step' | 'sweeper', Statement[]> {
  const table: Statement = { Sid: 'Store', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'], Resource: TABLE };
  const decisions: Statement = { Sid: 'Decisions', Effect: 'Allow', Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Resource: MACHINE };
  const token: Statement = { Sid: 'SlackBotToken', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: SSM('slackBotTokenParameter') };
  return {
    slack: [
      table,
      { Sid: 'SlackSecrets', Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: [SSM('slackBotTokenParameter'), SSM('slackSigningSecretParameter')] },
      { Sid: 'Triage', Effect: 'Allow', Action: ['states:StartExecution'], Resource: MACHINE },
      decisions,
    ],
    alarm: [table, token, { Sid: 'Triage', Effect: 'Allow', Action: ['states:StartExecution'], Resource: MACHINE }, { Sid: 'ServiceTags', Effect: 'Allow', Action: [...ALARM_IAM_ACTIONS], Resource: '*' }],
    step: [
      table,
      token,
      decisions,
      { Sid: 'Collect', Effect: 'Allow', Action: [...COLLECT_IAM_ACTIONS, ...EKS_IAM_ACTIONS], Resource: '*' },
      { Sid: 'Remediate', Effect: 'Allow', Action: [...REMEDIATE_IAM_ACTIONS], Resource: '*', Condition: { Null: { [`aws:ResourceTag/${MANAGED_TAG}`]: 'false' } } },
    ],
    sweeper: [table, token, decisions, { Sid: 'Triage', Effect: 'Allow', Action: ['states:StartExecution'], Resource: MACHINE }],
  };
}
