import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundle } from '../scripts/package.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const secret = 'bench-secret';
const ts = Math.floor(Date.now() / 1000);
const body = new URLSearchParams({ command: '/sticky', text: 'help', user_id: 'U1', channel_id: 'C1', team_id: 'T1', response_url: 'http://127.0.0.1:1/' }).toString();
const events: Record<string, unknown> = {
  slack: {
    httpMethod: 'POST', path: '/slack/events', isBase64Encoded: false, body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Slack-Request-Timestamp': String(ts), 'X-Slack-Signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}` },
    requestContext: {},
  },
  alarm: { Records: [{ EventSource: 'aws:sns', Sns: { MessageId: 'm1', Timestamp: '2026-11-25T10:00:00Z', Message: 'not an alarm' } }] },
  step: { step: 'no-such-step' },
};

/**
 * Cold start of each Lambda bundle: a fresh Node.js process imports the bundle and answers its
 * first event (Slack: a signed `/sticky help`; alarm: an SNS record; step: a task), timed from
 * process start to the answer. Targets: slack at most 1.5 MB and 250 ms.
 */
const sizes = await bundle();
const harness = (fn: string) => `
const t0 = performance.timeOrigin + performance.now();
const start = performance.now();
const m = await import(${JSON.stringify(join(root, '.build', fn, 'index.mjs'))});
const loaded = performance.now();
let ok;
try { ok = await m.handler(${JSON.stringify(events[fn])}, {}); } catch (e) { ok = { error: e.message }; }
const answered = performance.now();
console.log(JSON.stringify({ load: loaded - start, first: answered - start, sinceProcessStart: answered, ok }));
`;
const env = { ...process.env, SLACK_BOT_ID: 'B0BENCH', SLACK_BOT_USER_ID: 'U0BENCH', SLACK_SIGNING_SECRET: secret, SLACK_BOT_TOKEN: 'xoxb-bench', STICKY_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sticky-triage-bench', AWS_REGION: 'eu-west-1', STICKY_CATALOG: join(root, 'examples', 'none.yaml') };
for (const fn of ['slack', 'alarm', 'step']) {
  const runs: { load: number; first: number; sinceProcessStart: number; ok: unknown }[] = [];
  for (let i = 0; i < 5; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', harness(fn)], { env });
    runs.push(JSON.parse(stdout.trim().split('\n').pop()!));
  }
  const s = sizes[fn]!;
  const status = (runs[0]!.ok as { statusCode?: number; error?: string; ignored?: number }) ?? {};
  console.log(`${fn.padEnd(6)} bundle ${(s.entryBytes / 1024 / 1024).toFixed(2)} MB loaded at start (${(s.totalBytes / 1024 / 1024).toFixed(2)} MB with lazy chunks); load ${median(runs.map((r) => r.load)).toFixed(0)} ms, first answer ${median(runs.map((r) => r.first)).toFixed(0)} ms after import, ${median(runs.map((r) => r.sinceProcessStart)).toFixed(0)} ms after process start${fn === 'slack' ? ' (targets: 1.5 MB, 250 ms)' : ''}; answer ${JSON.stringify(status).slice(0, 60)}`);
}
