import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessDeniedException, DescribeInstanceInformationCommand, GetCommandInvocationCommand, InvalidDocument, InvalidInstanceId,
  InvalidInstanceInformationFilterValue, InvalidParameters, InvocationDoesNotExist, SendCommandCommand, SSMClient,
  type DescribeInstanceInformationCommandInput, type GetCommandInvocationCommandInput, type SendCommandCommandInput,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';

/** A node Systems Manager knows: its tags and whether its agent answers. */
export interface ManagedNode {
  instanceId: string;
  tags?: Record<string, string>;
  ping?: 'Online' | 'ConnectionLost' | 'Inactive';
}

/** One invocation of a command on one node, as GetCommandInvocation reports it. */
interface Invocation {
  commandId: string;
  instanceId: string;
  comment: string;
  commands: string;
  sentAt: number;
  deliveryTimeoutMs: number;
  status: 'Pending' | 'InProgress' | 'Delayed' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
  details: string;
  code: number;
  stdout: string;
  stderr: string;
  /** GetCommandInvocation answers InvocationDoesNotExist this many more times (the record is created asynchronously). */
  hidden: number;
  done: Promise<void>;
  pid?: number;
}

const ACCOUNT = '123456789012';
const meta = { $metadata: { httpStatusCode: 400 } };

/**
 * Systems Manager Run Command at the client, for the documented behaviour Sticky relies on:
 * DescribeInstanceInformation with its `InstanceIds` and `tag:<key>` filters and pagination;
 * SendCommand validating the document (only `AWS-RunShellScript` exists here), its parameters
 * and limits, refusing an unknown instance with InvalidInstanceId and, like the bot's IAM policy,
 * an instance without the `sticky:service` tag with AccessDeniedException; GetCommandInvocation
 * answering InvocationDoesNotExist right after the send, then Pending/InProgress, then the final
 * state with the first 24,000 characters of stdout and 8,000 of stderr. A command sent to an
 * Online node really runs on this machine, as the agent runs it: the commands joined into
 * `_script.sh` in a fresh working folder, run with `sh -c`, killed at `executionTimeout`. A node
 * whose agent is offline leaves the invocation Delayed until its delivery timeout. Any other
 * operation or parameter throws: it is not modelled.
 */
export class SsmDouble {
  readonly nodes = new Map<string, ManagedNode>();
  readonly invocations: Invocation[] = [];
  readonly calls: { op: string; input: Record<string, unknown> }[] = [];
  /** Errors to throw on the next calls of an operation, in order. */
  readonly faults = new Map<string, Error[]>();
  /** Whether SendCommand enforces the `sticky:service` tag as the derived IAM policy does. */
  enforceTagPolicy = true;
  readonly region: string;
  private readonly mock = mockClient(SSMClient);
  private readonly now: () => number;

  constructor(nodes: ManagedNode[], opts: { region?: string; now?: () => number } = {}) {
    this.region = opts.region ?? 'eu-west-1';
    this.now = opts.now ?? Date.now;
    for (const n of nodes) this.nodes.set(n.instanceId, { ping: 'Online', ...n });
    this.mock.onAnyCommand().callsFake((input: unknown) => {
      throw new Error(`SSM double: this operation is not modelled (${JSON.stringify(input).slice(0, 120)})`);
    });
    this.mock.on(DescribeInstanceInformationCommand).callsFake((i: DescribeInstanceInformationCommandInput) => this.describe(i));
    this.mock.on(SendCommandCommand).callsFake((i: SendCommandCommandInput) => this.send(i));
    this.mock.on(GetCommandInvocationCommand).callsFake((i: GetCommandInvocationCommandInput) => this.get(i));
  }

  /** Stops faking the client and waits for every script still running. */
  async restore(): Promise<void> {
    this.mock.restore();
    await Promise.all(this.invocations.map((i) => i.done));
  }

  /** The scripts sent, in order, with the instance each went to. */
  sent(): { instanceId: string; comment: string; script: string }[] {
    return this.invocations.map((i) => ({ instanceId: i.instanceId, comment: i.comment, script: i.commands }));
  }

  private record(op: string, input: object): void {
    this.calls.push({ op, input: input as Record<string, unknown> });
    const queued = this.faults.get(op);
    if (queued?.length) throw queued.shift()!;
  }

  private describe(i: DescribeInstanceInformationCommandInput) {
    this.record('DescribeInstanceInformation', i);
    if (i.Filters && i.InstanceInformationFilterList) throw new InvalidInstanceInformationFilterValue({ message: 'Filters and InstanceInformationFilterList cannot be used together', ...meta });
    if (i.InstanceInformationFilterList) throw new Error('SSM double: InstanceInformationFilterList is not modelled');
    const max = i.MaxResults ?? 50;
    if (max < 5 || max > 50) throw Object.assign(new Error(`1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50`), { name: 'ValidationException', ...meta });
    let nodes = [...this.nodes.values()];
    for (const f of i.Filters ?? []) {
      const values = f.Values ?? [];
      if (values.length === 0) throw new InvalidInstanceInformationFilterValue({ message: `filter ${f.Key} needs values`, ...meta });
      if (f.Key === 'InstanceIds') nodes = nodes.filter((n) => values.includes(n.instanceId));
      else if (f.Key?.startsWith('tag:')) nodes = nodes.filter((n) => values.includes(n.tags?.[f.Key!.slice(4)] ?? '\u0000'));
      else throw new Error(`SSM double: filter key ${f.Key} is not modelled`);
    }
    const start = i.NextToken ? Number(i.NextToken) : 0;
    const page = nodes.slice(start, start + max);
    return {
      InstanceInformationList: page.map((n) => ({
        InstanceId: n.instanceId, PingStatus: n.ping, LastPingDateTime: new Date(this.now() - (n.ping === 'Online' ? 20_000 : 3_600_000)),
        AgentVersion: '3.3.1142.0', IsLatestVersion: true, PlatformType: 'Linux', PlatformName: 'Amazon Linux', PlatformVersion: '2023',
        ResourceType: 'EC2Instance', IPAddress: '10.0.1.17', ComputerName: `ip-10-0-1-17.${this.region}.compute.internal`,
      })),
      ...(start + max < nodes.length ? { NextToken: String(start + max) } : {}),
    };
  }

  private send(i: SendCommandCommandInput) {
    this.record('SendCommand', i);
    if (i.DocumentName !== 'AWS-RunShellScript') throw new InvalidDocument({ message: `Document ${i.DocumentName} does not exist in your account`, ...meta });
    if (i.Targets || i.OutputS3BucketName || i.CloudWatchOutputConfig || i.NotificationConfig || i.DocumentHash) throw new Error('SSM double: targets, S3 or CloudWatch output and notifications are not modelled');
    const ids = i.InstanceIds ?? [];
    if (ids.length < 1 || ids.length > 50) throw new InvalidParameters({ message: 'InstanceIds must name 1 to 50 instances', ...meta });
    const params = i.Parameters ?? {};
    for (const k of Object.keys(params)) if (!['commands', 'workingDirectory', 'executionTimeout'].includes(k)) throw new InvalidParameters({ message: `Parameter "${k}" is not defined in the document`, ...meta });
    if (!params.commands?.length) throw new InvalidParameters({ message: 'Parameter "commands" is required', ...meta });
    const timeout = params.executionTimeout?.[0] ?? '3600';
    if (!/^\d+$/.test(timeout) || Number(timeout) < 1 || Number(timeout) > 172_800) throw new InvalidParameters({ message: 'executionTimeout must be 1 to 172800 seconds', ...meta });
    const delivery = i.TimeoutSeconds ?? 3600;
    if (delivery < 30 || delivery > 2_592_000) throw Object.assign(new Error(`1 validation error detected: Value '${delivery}' at 'timeoutSeconds' failed to satisfy constraint`), { name: 'ValidationException', ...meta });
    if ((i.Comment ?? '').length > 100) throw Object.assign(new Error("Value at 'comment' failed to satisfy constraint: Member must have length less than or equal to 100"), { name: 'ValidationException', ...meta });
    for (const id of ids) {
      const node = this.nodes.get(id);
      if (!node) throw new InvalidInstanceId({ message: 'Instances [[' + id + ']] not in a valid state for account ' + ACCOUNT, ...meta });
      if (this.enforceTagPolicy && node.tags?.['sticky:service'] === undefined) {
        throw new AccessDeniedException({ message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/sticky-prod-step/sticky-prod-step is not authorized to perform: ssm:SendCommand on resource: arn:aws:ec2:${this.region}:${ACCOUNT}:instance/${id} because no identity-based policy allows the ssm:SendCommand action`, Message: `not authorized to perform: ssm:SendCommand on ${id}`, ...meta });
      }
    }
    const commandId = randomUUID();
    const commands = params.commands.join('\n');
    for (const id of ids) this.invocations.push(this.start(commandId, id, commands, Number(timeout), delivery, i.Comment ?? ''));
    const sentAt = this.now();
    return {
      Command: {
        CommandId: commandId, DocumentName: i.DocumentName, DocumentVersion: '$DEFAULT', Comment: i.Comment ?? '', ExpiresAfter: new Date(sentAt + delivery * 1000),
        Parameters: params, InstanceIds: ids, Targets: [], RequestedDateTime: new Date(sentAt), Status: 'Pending', StatusDetails: 'Pending',
        MaxConcurrency: '50', MaxErrors: '0', TargetCount: ids.length, CompletedCount: 0, ErrorCount: 0, DeliveryTimedOutCount: 0, TimeoutSeconds: delivery,
      },
    };
  }

  private start(commandId: string, instanceId: string, commands: string, timeoutSeconds: number, deliverySeconds: number, comment: string): Invocation {
    const inv: Invocation = {
      commandId, instanceId, comment, commands, sentAt: this.now(), deliveryTimeoutMs: deliverySeconds * 1000,
      status: 'Pending', details: 'Pending', code: -1, stdout: '', stderr: '', hidden: 1, done: Promise.resolve(),
    };
    if (this.nodes.get(instanceId)!.ping !== 'Online') {
      inv.status = 'Delayed';
      inv.details = 'Delayed';
      return inv;
    }
    const dir = mkdtempSync(join(tmpdir(), 'sticky-ssm-orchestration-'));
    const script = join(dir, '_script.sh');
    writeFileSync(script, commands, { mode: 0o700 });
    inv.status = 'InProgress';
    inv.details = 'InProgress';
    inv.done = new Promise((resolve) => {
      const child = spawn('sh', ['-c', script], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, LANG: 'C.UTF-8' } });
      inv.pid = child.pid;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, timeoutSeconds * 1000);
      child.on('close', (code) => {
        clearTimeout(timer);
        inv.stdout = Buffer.concat(out).toString('utf8');
        inv.stderr = Buffer.concat(err).toString('utf8');
        if (timedOut) {
          Object.assign(inv, { status: 'TimedOut', details: 'ExecutionTimedOut', code: -1 });
          inv.stderr += '\nfailed to run commands: context deadline exceeded';
        } else if (code === 0) Object.assign(inv, { status: 'Success', details: 'Success', code: 0 });
        else {
          Object.assign(inv, { status: 'Failed', details: 'Failed', code: code ?? 1 });
          inv.stderr += `failed to run commands: exit status ${code}`;
        }
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
    });
    return inv;
  }

  private get(i: GetCommandInvocationCommandInput) {
    this.record('GetCommandInvocation', i);
    const inv = this.invocations.find((x) => x.commandId === i.CommandId && x.instanceId === i.InstanceId);
    if (!inv || inv.hidden-- > 0) throw new InvocationDoesNotExist({ message: 'An error occurred (InvocationDoesNotExist)', ...meta });
    if (inv.status === 'Delayed' && this.now() - inv.sentAt >= inv.deliveryTimeoutMs) Object.assign(inv, { status: 'TimedOut', details: 'DeliveryTimedOut' });
    const final = !['Pending', 'InProgress', 'Delayed'].includes(inv.status);
    return {
      CommandId: inv.commandId, InstanceId: inv.instanceId, Comment: inv.comment, DocumentName: 'AWS-RunShellScript', DocumentVersion: '$DEFAULT',
      PluginName: 'aws:runShellScript', ResponseCode: final ? inv.code : -1, Status: inv.status, StatusDetails: inv.details,
      ExecutionStartDateTime: inv.status === 'Pending' || inv.status === 'Delayed' ? '' : new Date(inv.sentAt).toISOString(),
      ExecutionElapsedTime: '', ExecutionEndDateTime: final ? new Date(this.now()).toISOString() : '',
      StandardOutputContent: final ? inv.stdout.slice(0, 24_000) : '', StandardOutputUrl: '',
      StandardErrorContent: final ? inv.stderr.slice(0, 8_000) : '', StandardErrorUrl: '',
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
    };
  }
}
