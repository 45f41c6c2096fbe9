import { WebClient } from '@slack/web-api';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { catalogPath, findService } from './catalog/catalog.ts';
import { catalogLoader } from './catalog/remote.ts';
import type { Runtime } from './runtime.ts';
import { isDenied } from './providers/aws/calls.ts';
import { Store } from './store/store.ts';
import { StepFunctionsEngine } from './workflow/engine.ts';

/**
 * Reads a secret from the environment when set, else from the SSM SecureString parameter the
 * deployment names (read at run time, never resolved into a plain environment variable). A
 * parameter that cannot be read fails with its name and the reason, never its value.
 */
export async function secret(envName: string, parameterEnv: string): Promise<string> {
  const direct = process.env[envName];
  if (direct) return direct;
  const name = process.env[parameterEnv];
  if (!name) throw new Error(`${envName} is not set and neither is ${parameterEnv} (the SSM parameter holding it)`);
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  let r;
  try {
    r = await new SSMClient({}).send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  } catch (e) {
    const code = (e as { name?: string }).name ?? 'error';
    throw new Error(`${envName}: cannot read SSM parameter ${name} (${parameterEnv}): ${code}${isDenied(e) ? ` (missing permission ssm:GetParameter${code === 'AccessDeniedException' ? ' or kms:Decrypt' : ''})` : ''}`, { cause: e });
  }
  if (!r.Parameter?.Value) throw new Error(`SSM parameter ${name} is empty`);
  return r.Parameter.Value;
}

/**
 * The AWS runtime: DynamoDB table, Step Functions, Slack over the Web API, and the catalog from
 * the package or, with `STICKY_CATALOG=s3://…` or `ssm:/…`, from S3 or Parameter Store (cached
 * for `STICKY_CATALOG_TTL_SECONDS`, default 60).
 */
export async function runtimeFromEnv(): Promise<Runtime> {
  const table = process.env.STICKY_TABLE ?? 'sticky';
  const endpoint = process.env.STICKY_DYNAMODB_ENDPOINT;
  const store = new Store(new DynamoDBClient(endpoint ? { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}), table);
  const arn = process.env.STICKY_STATE_MACHINE_ARN;
  if (!arn) throw new Error('STICKY_STATE_MACHINE_ARN is not set');
  const token = await secret('SLACK_BOT_TOKEN', 'SLACK_BOT_TOKEN_PARAMETER');
  // No hidden waits: a call that fails or is rate-limited fails fast, and the caller decides (the
  // runbook retries with backoff, the alarm function honours Retry-After within its budget).
  const slack = new WebClient(token, { ...(process.env.SLACK_API_URL ? { slackApiUrl: process.env.SLACK_API_URL } : {}), timeout: 3000, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  const catalog = catalogLoader(catalogPath(undefined, process.env), { ttlMs: Number(process.env.STICKY_CATALOG_TTL_SECONDS ?? 60) * 1000 });
  return {
    store, engine: new StepFunctionsEngine(arn), catalog, service: async (n) => findService(await catalog(), n),
    slack: slack as unknown as Runtime['slack'], now: () => new Date(),
    alarmChannel: process.env.STICKY_ALARM_CHANNEL, dedupeWindowMs: Number(process.env.STICKY_DEDUPE_MINUTES ?? 15) * 60_000,
  };
}
