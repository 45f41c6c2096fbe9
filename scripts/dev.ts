import { App, LogLevel } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { catalogPath, findService, loadCatalog, type Catalog } from '../lib/catalog/catalog.ts';
import { setRuntime } from '../lib/runtime.ts';
import { register as registerActions } from '../lib/slack/listeners/actions.ts';
import { register as registerCommands } from '../lib/slack/listeners/commands.ts';
import { localStore } from '../lib/store/store.ts';
import { LocalEngine } from '../lib/workflow/engine-local.ts';
import { startSweeper } from '../lib/workflow/sweeper.ts';

/**
 * The bot on a real workspace without AWS: the same listeners over Socket Mode, the triage state
 * machine in this process with the sweeper every minute, the store on dynalite on disk (`.sticky-dev/`). Needs SLACK_BOT_TOKEN
 * and SLACK_APP_TOKEN (an app-level token with connections:write), and a catalog.
 * (SLACK_API_URL points it at another Web API, as the tests do.)
 */
const bot = process.env.SLACK_BOT_TOKEN;
const appToken = process.env.SLACK_APP_TOKEN;
if (!bot || !appToken) {
  console.error('npm run dev needs SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-..., Socket Mode) in the environment; see infra/slack-app-manifest.socket-mode.yml');
  process.exit(2);
}
const apiUrl = process.env.SLACK_API_URL;
const clientOptions = { ...(apiUrl ? { slackApiUrl: apiUrl } : {}) };

/** Why a token cannot be used, in one sentence, from a Web API error. */
function explain(variable: string, e: unknown): string {
  const err = e as { code?: string; data?: { error?: string }; original?: Error; statusCode?: number; message?: string };
  if (err.code === 'slack_webapi_platform_error') {
    const hint = err.data?.error === 'not_allowed_token_type' ? ` (${variable} must be ${variable === 'SLACK_APP_TOKEN' ? 'an app-level token, xapp-..., with connections:write' : 'a bot token, xoxb-...'})` : '';
    return `Slack refused ${variable}: ${err.data?.error ?? 'error'}${hint}`;
  }
  if (err.code === 'slack_webapi_request_error') return `cannot reach Slack at ${apiUrl ?? 'https://slack.com/api/'} (${err.original?.message ?? err.message}): check the network, a proxy or a firewall`;
  if (err.code === 'slack_webapi_http_error') return `Slack answered HTTP ${err.statusCode} while checking ${variable}`;
  return `could not check ${variable}: ${err.message ?? String(e)}`;
}

/**
 * Checks both tokens once, before anything starts, with no retries: Bolt and the Socket Mode
 * client would otherwise retry an unreachable or refused Slack forever, logging a warning each
 * time. Returns what is wrong, or nothing.
 */
async function preflight(): Promise<string | undefined> {
  const options = { ...clientOptions, retryConfig: { retries: 0 }, timeout: 10_000, logLevel: LogLevel.ERROR };
  try {
    await new WebClient(bot, options).auth.test();
  } catch (e) {
    return explain('SLACK_BOT_TOKEN', e);
  }
  try {
    await new WebClient(appToken, options).apps.connections.open();
  } catch (e) {
    return explain('SLACK_APP_TOKEN', e);
  }
  return undefined;
}

const problem = await preflight();
if (problem) {
  console.error(`npm run dev: ${problem}. Nothing was started.`);
  process.exit(2);
}
const { store, stop } = await localStore({ path: '.sticky-dev' });
const slack = new WebClient(bot, clientOptions);
let cached: Promise<Catalog> | undefined;
const catalog = () => (cached ??= loadCatalog(catalogPath(undefined, process.env)));
const now = () => new Date();
const engine = new LocalEngine({ store, slack: slack as never, catalog, now });
const stopSweeper = startSweeper({ store, slack: slack as never, catalog, now, engine }, 60_000);
setRuntime({ store, engine, catalog, service: async (n) => findService(await catalog(), n), slack: slack as never, now, alarmChannel: process.env.STICKY_ALARM_CHANNEL, dedupeWindowMs: 15 * 60_000 });
const app = new App({ token: bot, appToken, socketMode: true, logLevel: LogLevel.INFO, clientOptions });
registerCommands(app);
registerActions(app);
await app.start();
console.log(`sticky dev bot connected over Socket Mode; catalog ${catalogPath(undefined, process.env)}; Ctrl-C stops it`);
process.on('SIGINT', () => void app.stop().then(stopSweeper).then(stop).then(() => process.exit(0)));
