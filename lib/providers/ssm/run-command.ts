import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, SendCommandCommand, SSMClient, type GetCommandInvocationCommandOutput } from '@aws-sdk/client-ssm';
import { awsCall, RateLimiter, realClock, type Clock } from '../aws/calls.ts';
import { ProviderError } from '../errors.ts';
import { MANAGED_INSTANCE_TAG, RUN_SHELL_SCRIPT } from './permissions.ts';
import type { SsmLocation } from './instances.ts';

/** Why an instance could not be reached: the kinds the README's troubleshooting table lists. */
export type SsmFailure = 'not-managed' | 'offline' | 'timeout' | 'denied' | 'failed';

/**
 * One instance could not be collected from or changed through Run Command. The message is the
 * reason the report shows after `not checked: <instance>: `; the other instances go on.
 */
export class SsmInstanceError extends ProviderError {
  readonly kind: SsmFailure;
  constructor(kind: SsmFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

const clients = new Map<string, SSMClient>();
const limiters = new WeakMap<Clock, Map<string, RateLimiter>>();

/** One SSM client per region (standard retry mode), created on first use. */
export function ssmClient(region: string): SSMClient {
  let c = clients.get(region);
  if (!c) clients.set(region, (c = new SSMClient({ region, retryMode: 'standard' })));
  return c;
}

/** Every SSM call of one region goes through one token bucket, so many instances never throttle the account. */
function limiter(region: string, clock: Clock): RateLimiter {
  let byRegion = limiters.get(clock);
  if (!byRegion) limiters.set(clock, (byRegion = new Map()));
  let l = byRegion.get(region);
  if (!l) byRegion.set(region, (l = new RateLimiter(10, 20, clock)));
  return l;
}

const nameOf = (e: unknown): string => ((e as { cause?: { name?: string } }).cause?.name ?? (e as { name?: string }).name ?? '');

/** The instances a catalog entry names, split into those whose agent is online and those that cannot be reached (with the reason). */
export interface ResolvedInstances {
  online: string[];
  unreachable: Record<string, SsmInstanceError>;
}

/**
 * Finds the managed instances of an entry with DescribeInstanceInformation (by id, or by tag
 * with `tag:<key>` filters, following every page): an id Systems Manager does not know is not
 * managed, an agent whose ping status is not Online is offline. Instances matched by tags that
 * are offline are reported too, so a dead machine is never silently left out.
 */
export async function resolveInstances(client: SSMClient, loc: SsmLocation, clock: Clock = realClock): Promise<ResolvedInstances> {
  const filters = loc.instanceIds ? [{ Key: 'InstanceIds', Values: loc.instanceIds }] : Object.entries(loc.tags ?? {}).map(([k, v]) => ({ Key: `tag:${k}`, Values: [v] }));
  const found = new Map<string, { ping: string; last?: Date }>();
  let token: string | undefined;
  do {
    const page = await awsCall('ssm', 'DescribeInstanceInformation', limiter(loc.region, clock), () => client.send(new DescribeInstanceInformationCommand({ Filters: filters, MaxResults: 50, ...(token ? { NextToken: token } : {}) })), clock);
    for (const i of page.InstanceInformationList ?? []) if (i.InstanceId) found.set(i.InstanceId, { ping: i.PingStatus ?? 'unknown', ...(i.LastPingDateTime ? { last: i.LastPingDateTime } : {}) });
    token = page.NextToken;
  } while (token);
  const out: ResolvedInstances = { online: [], unreachable: {} };
  const ids = loc.instanceIds ?? [...found.keys()].sort();
  for (const id of ids) {
    const info = found.get(id);
    if (!info) out.unreachable[id] = new SsmInstanceError('not-managed', `not a managed instance in ${loc.region} (InvalidInstanceId): Systems Manager has no agent registered for it`);
    else if (info.ping !== 'Online') out.unreachable[id] = new SsmInstanceError('offline', `the SSM agent is offline (${info.ping}${info.last ? `, last seen ${info.last.toISOString()}` : ''})`);
    else out.online.push(id);
  }
  if (ids.length === 0) {
    const tags = Object.entries(loc.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
    throw new ProviderError(`no managed instance is tagged ${tags} in ${loc.region}`);
  }
  return out;
}

/** What one Run Command invocation ended with. */
export interface CommandResult {
  commandId: string;
  status: string;
  statusDetails: string;
  responseCode: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runShellScript}. */
export interface RunOptions {
  region: string;
  /** Shown in the Run Command console and CloudTrail (at most 100 characters). */
  comment: string;
  /** When to stop waiting (clock time, ms). */
  deadline: number;
  /** How long the agent lets the script run before it stops it. */
  executionTimeoutSeconds: number;
  clock?: Clock;
}

const norm = (s: string | undefined) => (s ?? '').replace(/\s+/g, '').toLowerCase();

/**
 * Runs one bash script on one instance: SendCommand with `AWS-RunShellScript`, then polls
 * GetCommandInvocation (every 250 ms, backing off to 2 s) until the invocation reaches a final
 * state or the deadline passes; InvocationDoesNotExist right after the send is waited out, as the
 * SDK's CommandExecuted waiter does. Success and Failed return the output (a script reports its
 * own refusals through its exit code and result lines); an instance that is not managed, an agent
 * that is offline or never picks the command up, a command that runs out of time and a denied
 * call are {@link SsmInstanceError}s of the matching kind.
 */
export async function runShellScript(client: SSMClient, instanceId: string, script: string, o: RunOptions): Promise<CommandResult> {
  const clock = o.clock ?? realClock;
  const lim = limiter(o.region, clock);
  let commandId: string;
  try {
    const sent = await awsCall('ssm', 'SendCommand', lim, () => client.send(new SendCommandCommand({
      DocumentName: RUN_SHELL_SCRIPT,
      InstanceIds: [instanceId],
      Parameters: { commands: [script], executionTimeout: [String(o.executionTimeoutSeconds)] },
      TimeoutSeconds: 30,
      Comment: o.comment.slice(0, 100),
    })), clock);
    commandId = sent.Command?.CommandId ?? '';
    if (!commandId) throw new SsmInstanceError('failed', 'SendCommand returned no command id');
  } catch (e) {
    if (e instanceof SsmInstanceError) throw e;
    const name = nameOf(e);
    if (name === 'InvalidInstanceId') throw new SsmInstanceError('not-managed', `not a managed instance in ${o.region} that can run commands (InvalidInstanceId)`, { cause: e });
    if (/AccessDenied/.test(name) || /^missing permission/.test((e as Error).message)) {
      throw new SsmInstanceError('denied', `access denied to ssm:SendCommand (the bot may run ${RUN_SHELL_SCRIPT} only on instances tagged ${MANAGED_INSTANCE_TAG})`, { cause: e });
    }
    throw new SsmInstanceError('failed', (e as Error).message, { cause: e });
  }
  let delay = 250;
  let last: GetCommandInvocationCommandOutput | undefined;
  const started = clock.now();
  for (;;) {
    await clock.sleep(Math.max(0, Math.min(delay, o.deadline - clock.now())));
    try {
      last = await awsCall('ssm', 'GetCommandInvocation', lim, () => client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })), clock);
    } catch (e) {
      const name = nameOf(e);
      if (/^missing permission/.test((e as Error).message)) throw new SsmInstanceError('denied', 'access denied to ssm:GetCommandInvocation', { cause: e });
      if (name !== 'InvocationDoesNotExist') throw new SsmInstanceError('failed', (e as Error).message, { cause: e });
    }
    const status = last?.Status;
    if (status && !['Pending', 'InProgress', 'Delayed'].includes(status)) break;
    if (clock.now() >= o.deadline) {
      const waited = clock.now() - started;
      if (status === 'InProgress') throw new SsmInstanceError('timeout', `the command was still running after ${waited} ms (command ${commandId})`);
      if (status === 'Delayed') throw new SsmInstanceError('offline', `the SSM agent is not reachable: the command is Delayed after ${waited} ms (command ${commandId})`);
      throw new SsmInstanceError('timeout', `the SSM agent did not pick the command up within ${waited} ms (command ${commandId})`);
    }
    delay = Math.min(2000, Math.round(delay * 1.5));
  }
  const inv = last!;
  const details = norm(inv.StatusDetails);
  const result: CommandResult = {
    commandId, status: inv.Status ?? '', statusDetails: inv.StatusDetails ?? '', responseCode: inv.ResponseCode ?? -1,
    stdout: inv.StandardOutputContent ?? '', stderr: inv.StandardErrorContent ?? '',
  };
  if (inv.Status === 'Success' || (inv.Status === 'Failed' && details === 'failed')) return result;
  if (details === 'deliverytimedout' || details === 'undeliverable') throw new SsmInstanceError('offline', `the command could not be delivered: the SSM agent is offline (${inv.StatusDetails})`);
  if (details === 'executiontimedout' || inv.Status === 'TimedOut') throw new SsmInstanceError('timeout', `the command ran out of time on the instance (${inv.StatusDetails}, limit ${o.executionTimeoutSeconds} s)`);
  throw new SsmInstanceError('failed', `the command ended ${inv.Status}${inv.StatusDetails && inv.StatusDetails !== inv.Status ? ` (${inv.StatusDetails})` : ''}${result.stderr ? `: ${result.stderr.trim().split('\n').pop()}` : ''}`);
}
