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
 */
const bot = process.env.SLACK_BOT_TOKEN;
const appToken = process.env.SLACK_APP_TOKEN;
if (!bot || !appToken) {
  console.error('npm run dev needs SLACK_BOT_TOKEN (xoxb-...) and SLACK_APP_TOKEN (xapp-..., Socket Mode) in the environment; see infra/slack-app-manifest.socket-mode.yml');
  process.exit(2);
}
const { store, stop } = await localStore({ path: '.sticky-dev' });
const slack = new WebClient(bot);
let cached: Promise<Catalog> | undefined;
const catalog = () => (cached ??= loadCatalog(catalogPath(undefined, process.env)));
const now = () => new Date();
const engine = new LocalEngine({ store, slack: slack as never, catalog, now });
const stopSweeper = startSweeper({ store, slack: slack as never, catalog, now, engine }, 60_000);
setRuntime({ store, engine, catalog, service: async (n) => findService(await catalog(), n), slack: slack as never, now, alarmChannel: process.env.STICKY_ALARM_CHANNEL, dedupeWindowMs: 15 * 60_000 });
const app = new App({ token: bot, appToken, socketMode: true, logLevel: LogLevel.INFO });
registerCommands(app);
registerActions(app);
await app.start();
console.log(`sticky dev bot connected over Socket Mode; catalog ${catalogPath(undefined, process.env)}; Ctrl-C stops it`);
process.on('SIGINT', () => void app.stop().then(stopSweeper).then(stop).then(() => process.exit(0)));
