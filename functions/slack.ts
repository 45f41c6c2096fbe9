import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import { secret } from '../lib/runtime-env.ts';
import { register as registerActions } from '../lib/slack/listeners/actions.ts';
import { register as registerCommands } from '../lib/slack/listeners/commands.ts';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let built: Promise<Handler> | undefined;

async function build(): Promise<Handler> {
  const receiver = new AwsLambdaReceiver({ signingSecret: await secret('SLACK_SIGNING_SECRET', 'SLACK_SIGNING_SECRET_PARAMETER'), logLevel: LogLevel.WARN });
  const app = new App({
    token: await secret('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN_PARAMETER'),
    receiver,
    processBeforeResponse: true,
    tokenVerificationEnabled: false,
    ...(process.env.SLACK_BOT_ID && process.env.SLACK_BOT_USER_ID ? { botId: process.env.SLACK_BOT_ID, botUserId: process.env.SLACK_BOT_USER_ID } : {}),
    clientOptions: { ...(process.env.SLACK_API_URL ? { slackApiUrl: process.env.SLACK_API_URL } : {}), retryConfig: { retries: 2 } },
  });
  registerCommands(app);
  registerActions(app);
  return (await receiver.start()) as unknown as Handler;
}

/**
 * API Gateway → Bolt. With SLACK_BOT_ID and SLACK_BOT_USER_ID set, Bolt skips its `auth.test`
 * round trip on a cold start. Slack's own retries (X-Slack-Retry-Num) are answered 200 and dropped: the
 * first delivery was processed, and processing it twice would start a second triage.
 */
export const handler: Handler = async (event, context) => {
  const retry = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'x-slack-retry-num');
  if (retry) return { statusCode: 200, headers: { 'X-Slack-No-Retry': '1' }, body: '' };
  built ??= build();
  return (await built)(event, context);
};
