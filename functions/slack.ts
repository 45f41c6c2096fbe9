import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import { getRuntime } from '../lib/runtime.ts';
import { secret } from '../lib/runtime-env.ts';
import { register as registerActions } from '../lib/slack/listeners/actions.ts';
import { register as registerCommands } from '../lib/slack/listeners/commands.ts';
import { SIGNATURE_WINDOW_SECONDS, verifySlackRequest } from '../lib/slack/request.ts';
import { describeError } from '../lib/workflow/errors.ts';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let built: Promise<{ bolt: Handler; signingSecret: string }> | undefined;

async function build(): Promise<{ bolt: Handler; signingSecret: string }> {
  const signingSecret = await secret('SLACK_SIGNING_SECRET', 'SLACK_SIGNING_SECRET_PARAMETER');
  // The handler below verifies every request before Bolt sees it (signature, a window both ways,
  // replays), so Bolt does not compute the same HMAC again.
  const receiver = new AwsLambdaReceiver({ signingSecret, logLevel: LogLevel.WARN, signatureVerification: false });
  const app = new App({
    token: await secret('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN_PARAMETER'),
    receiver,
    processBeforeResponse: true,
    tokenVerificationEnabled: false,
    ...(process.env.SLACK_BOT_ID && process.env.SLACK_BOT_USER_ID ? { botId: process.env.SLACK_BOT_ID, botUserId: process.env.SLACK_BOT_USER_ID } : {}),
    clientOptions: { ...(process.env.SLACK_API_URL ? { slackApiUrl: process.env.SLACK_API_URL } : {}), timeout: 2000, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true },
  });
  registerCommands(app);
  registerActions(app);
  return { bolt: (await receiver.start()) as unknown as Handler, signingSecret };
}

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: body === '' ? '' : JSON.stringify(body),
});
const ephemeral = (text: string) => json(200, { response_type: 'ephemeral', text });

/**
 * API Gateway → Bolt, never throwing. Before Bolt sees a request, Sticky checks it itself: its
 * shape, the v0 signature and a timestamp inside five minutes either way (401 otherwise), the
 * body (400 when signed but malformed), Slack's own retries (answered 200 and dropped: the first
 * delivery was handled) and replays (the same signed request is processed once: its signature is
 * claimed in the table for the window). Whatever fails after that becomes an ephemeral answer
 * with the reason, inside Slack's three seconds. With SLACK_BOT_ID and SLACK_BOT_USER_ID set, Bolt
 * skips its `auth.test` round trip on a cold start.
 */
export const handler: Handler = async (event, context) => {
  let app: { bolt: Handler; signingSecret: string };
  try {
    built ??= build();
    app = await built;
  } catch (e) {
    built = undefined;
    console.error(JSON.stringify({ message: 'Slack app could not start', error: describeError(e) }));
    return json(500, { error: 'Sticky is not configured (signing secret or bot token unavailable)' });
  }
  const now = Date.now();
  const v = verifySlackRequest(event, app.signingSecret, Math.floor(now / 1000));
  if (!v.ok) {
    console.warn(JSON.stringify({ message: 'request refused', status: v.status, reason: v.reason }));
    return json(v.status, { error: v.reason });
  }
  if (v.retry) return json(200, '', { 'X-Slack-No-Retry': '1' });
  try {
    const rt = await getRuntime();
    if (!(await rt.store.claimRequest(v.replayKey, now, 2 * SIGNATURE_WINDOW_SECONDS * 1000))) {
      console.warn(JSON.stringify({ message: 'replayed request dropped', kind: v.kind }));
      return v.kind === 'command' ? ephemeral('This request was already received; Sticky handles each one once.') : json(200, '');
    }
  } catch (e) {
    console.error(JSON.stringify({ message: 'store unavailable for the replay check', error: describeError(e) }));
    return v.kind === 'command' ? ephemeral(`Sticky's store is not answering (${describeError(e)}); nothing was started. Try again in a minute.`) : json(200, '');
  }
  try {
    return await app.bolt(event, context);
  } catch (e) {
    console.error(JSON.stringify({ message: 'Slack request failed', kind: v.kind, error: describeError(e) }));
    return v.kind === 'command' ? ephemeral(`Sticky could not handle this: ${describeError(e)}`) : json(200, '');
  }
};
