import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  AccessDeniedException, DescribeInstanceInformationCommand, GetCommandInvocationCommand, InvalidInstanceId, InvocationDoesNotExist,
  SendCommandCommand, SSMClient, type GetCommandInvocationCommandOutput, type SendCommandCommandOutput, type InstanceInformation,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { analyze, exitCode } from '../../lib/checks/analyze.ts';
import { renderText } from '../../lib/cli/render-text.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { ServiceSchema } from '../../lib/evidence/service.ts';
import { renderBlocks } from '../../lib/slack/blocks.ts';
import { collect } from '../../lib/providers/collect.ts';
import { decodePayload, parsePayloadHeader, parseScriptResult } from '../../lib/providers/ssm/output.ts';
import { resolveInstances, runShellScript, ssmClient, SsmInstanceError } from '../../lib/providers/ssm/run-command.ts';
import { CHUNK, q, spliceInstructions } from '../../lib/providers/ssm/scripts.ts';
import { lineBlocks } from '../../lib/remediations/apply/edit-lines.ts';
import { virtualClock } from '../support/aws-fake.ts';

const REGION = 'eu-west-1';
const A = 'i-0a1b2c3d4e5f60718';
const B = 'i-0fedcba9876543210';
const meta = { $metadata: {} };
let ssm = mockClient(SSMClient);
afterEach(() => {
  ssm.restore();
  ssm = mockClient(SSMClient);
});

const invocation = (o: Partial<GetCommandInvocationCommandOutput>): GetCommandInvocationCommandOutput => ({
  CommandId: 'c0ffee00-0000-4000-8000-000000000001', InstanceId: A, DocumentName: 'AWS-RunShellScript', DocumentVersion: '$DEFAULT', PluginName: 'aws:runShellScript',
  ResponseCode: -1, Status: 'InProgress', StatusDetails: 'InProgress', StandardOutputContent: '', StandardOutputUrl: '', StandardErrorContent: '', StandardErrorUrl: '', ...meta, ...o,
});
const sent = (id = 'c0ffee00-0000-4000-8000-000000000001'): SendCommandCommandOutput => ({ Command: { CommandId: id, DocumentName: 'AWS-RunShellScript', Status: 'Pending', StatusDetails: 'Pending' }, ...meta });
const done = (stdout: string, o: Partial<GetCommandInvocationCommandOutput> = {}) => invocation({ Status: 'Success', StatusDetails: 'Success', ResponseCode: 0, StandardOutputContent: stdout, ...o });

/** A collection payload framed, compressed and encoded exactly as the collection script prints it. */
function payload(parts: [string, string][]): string {
  return gzipSync(Buffer.concat(parts.flatMap(([name, text]) => [Buffer.from(`${Buffer.byteLength(text)} ${name}\n`), Buffer.from(text), Buffer.from('\n')]))).toString('base64');
}
const printed = (b64: string) => `STICKY-PAYLOAD 1 ${b64.length} ${Math.max(1, Math.ceil(b64.length / CHUNK))} ${createHash('sha256').update(b64).digest('hex')}\n${b64.slice(0, CHUNK)}\nSTICKY-END\n`;

const CFG = 'global\n    stats socket /run/haproxy/admin.sock mode 660 level admin\n\ndefaults\n    mode http\n    option redispatch\n    default-server inter 5s fall 3 rise 2\n\nfrontend web\n    bind :80\n    default_backend app\n\nbackend app\n    cookie SERVERID insert indirect nocache maxidle 10m\n    server app1 10.0.1.11:8080 cookie app1 check\n    server app2 10.0.1.12:8080 cookie app2 check\n';

describe('Run Command', () => {
  it('sends AWS-RunShellScript to one instance and waits out InvocationDoesNotExist and InProgress for the output', async () => {
    // Prepare
    const clock = virtualClock();
    ssm.on(SendCommandCommand).resolves(sent());
    ssm.on(GetCommandInvocationCommand)
      .rejectsOnce(new InvocationDoesNotExist({ message: 'InvocationDoesNotExist', ...meta }))
      .resolvesOnce(invocation({}))
      .resolves(done('hello\n'));
    // Act
    const r = await runShellScript(ssmClient(REGION), A, 'echo hello', { region: REGION, comment: 'sticky: collect haproxy edge1', deadline: clock.now() + 10_000, executionTimeoutSeconds: 60, clock });
    // Assess
    expect(ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input)).toEqual([{
      DocumentName: 'AWS-RunShellScript', InstanceIds: [A], Parameters: { commands: ['echo hello'], executionTimeout: ['60'] }, TimeoutSeconds: 30, Comment: 'sticky: collect haproxy edge1',
    }]);
    expect(ssm.commandCalls(GetCommandInvocationCommand).map((c) => c.args[0].input)).toEqual(Array(3).fill({ CommandId: 'c0ffee00-0000-4000-8000-000000000001', InstanceId: A }));
    expect([r.status, r.responseCode, r.stdout]).toEqual(['Success', 0, 'hello\n']);
  });

  it.each([
    ['an instance SSM does not manage', () => ssm.on(SendCommandCommand).rejects(new InvalidInstanceId({ message: 'Instances [[i-0a1b2c3d4e5f60718]] not in a valid state for account 123456789012', ...meta })), 'not-managed', 'not a managed instance in eu-west-1 that can run commands (InvalidInstanceId)'],
    ['a denied SendCommand', () => ssm.on(SendCommandCommand).rejects(new AccessDeniedException({ message: 'not authorized', Message: 'not authorized', ...meta })), 'denied', 'access denied to ssm:SendCommand (the bot may run AWS-RunShellScript only on instances tagged sticky:service)'],
    ['an agent that never picks the command up', () => ssm.on(SendCommandCommand).resolves(sent()).on(GetCommandInvocationCommand).resolves(invocation({ Status: 'Delayed', StatusDetails: 'Delayed' })), 'offline', 'the SSM agent is not reachable: the command is Delayed after 5000 ms (command c0ffee00-0000-4000-8000-000000000001)'],
    ['a command still running at the deadline', () => ssm.on(SendCommandCommand).resolves(sent()).on(GetCommandInvocationCommand).resolves(invocation({})), 'timeout', 'the command was still running after 5000 ms (command c0ffee00-0000-4000-8000-000000000001)'],
    ['a delivery timeout', () => ssm.on(SendCommandCommand).resolves(sent()).on(GetCommandInvocationCommand).resolves(invocation({ Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut' })), 'offline', 'the command could not be delivered: the SSM agent is offline (DeliveryTimedOut)'],
    ['an execution timeout', () => ssm.on(SendCommandCommand).resolves(sent()).on(GetCommandInvocationCommand).resolves(invocation({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut', StandardErrorContent: 'failed to run commands: context deadline exceeded' })), 'timeout', 'the command ran out of time on the instance (ExecutionTimedOut, limit 60 s)'],
    ['an undeliverable command', () => ssm.on(SendCommandCommand).resolves(sent()).on(GetCommandInvocationCommand).resolves(invocation({ Status: 'Failed', StatusDetails: 'Undeliverable' })), 'offline', 'the command could not be delivered: the SSM agent is offline (Undeliverable)'],
  ])('turns %s into a reason of its own kind', async (_what, arrange, kind, message) => {
    // Prepare
    const clock = virtualClock();
    arrange();
    // Act
    const act = runShellScript(ssmClient(REGION), A, 'true', { region: REGION, comment: 'c', deadline: clock.now() + 5000, executionTimeoutSeconds: 60, clock });
    // Assess
    await expect(act).rejects.toThrow(SsmInstanceError);
    await expect(act).rejects.toMatchObject({ kind, message });
  });

  it('returns a script that failed with its exit code and output, for the caller to read its result lines', async () => {
    // Prepare
    const clock = virtualClock();
    ssm.on(SendCommandCommand).resolves(sent()).on(GetCommandInvocationCommand).resolves(invocation({ Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 10, StandardOutputContent: 'STICKY-REFUSED /etc/haproxy/haproxy.cfg changed since the evidence was collected; collect again before applying\n', StandardErrorContent: 'failed to run commands: exit status 10' }));
    // Act
    const r = await runShellScript(ssmClient(REGION), A, 'true', { region: REGION, comment: 'c', deadline: clock.now() + 5000, executionTimeoutSeconds: 60, clock });
    // Assess
    expect([r.status, r.responseCode, parseScriptResult(r.stdout).outcome]).toEqual(['Failed', 10, { kind: 'refused', reason: '/etc/haproxy/haproxy.cfg changed since the evidence was collected; collect again before applying' }]);
  });
});

describe('finding the instances of a catalog entry', () => {
  it('follows every page of a tag search and reports the offline agents and unknown ids with their reasons', async () => {
    // Prepare
    const info = (id: string, ping: 'Online' | 'ConnectionLost' = 'Online'): InstanceInformation => ({ InstanceId: id, PingStatus: ping, LastPingDateTime: new Date('2026-11-25T09:58:00Z'), PlatformType: 'Linux', ResourceType: 'EC2Instance' });
    ssm.on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [info(A)], NextToken: 'page-2', ...meta })
      .resolvesOnce({ InstanceInformationList: [info(B, 'ConnectionLost')], ...meta });
    // Act
    const byTag = await resolveInstances(ssmClient(REGION), { region: REGION, tags: { Role: 'edge', Env: 'prod' } }, virtualClock());
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [info(A)], ...meta });
    const byId = await resolveInstances(ssmClient(REGION), { region: REGION, instanceIds: [A, 'i-0123456789abcdef9'] }, virtualClock());
    // Assess
    expect(ssm.commandCalls(DescribeInstanceInformationCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Key: 'tag:Role', Values: ['edge'] }, { Key: 'tag:Env', Values: ['prod'] }], MaxResults: 50 },
      { Filters: [{ Key: 'tag:Role', Values: ['edge'] }, { Key: 'tag:Env', Values: ['prod'] }], MaxResults: 50, NextToken: 'page-2' },
      { Filters: [{ Key: 'InstanceIds', Values: [A, 'i-0123456789abcdef9'] }], MaxResults: 50 },
    ]);
    expect([byTag.online, Object.fromEntries(Object.entries(byTag.unreachable).map(([k, e]) => [k, [e.kind, e.message]]))]).toEqual([[A], { [B]: ['offline', 'the SSM agent is offline (ConnectionLost, last seen 2026-11-25T09:58:00.000Z)'] }]);
    expect([byId.online, Object.fromEntries(Object.entries(byId.unreachable).map(([k, e]) => [k, [e.kind, e.message]]))]).toEqual([[A], { 'i-0123456789abcdef9': ['not-managed', 'not a managed instance in eu-west-1 (InvalidInstanceId): Systems Manager has no agent registered for it'] }]);
  });

  it('fails the entry when no managed instance carries its tags, or when listing instances is denied', async () => {
    // Prepare
    ssm.on(DescribeInstanceInformationCommand).resolvesOnce({ InstanceInformationList: [], ...meta }).rejects(new AccessDeniedException({ message: 'denied', Message: 'denied', ...meta }));
    // Act
    const none = resolveInstances(ssmClient(REGION), { region: REGION, tags: { Role: 'edge' } }, virtualClock());
    await expect(none).rejects.toThrow('no managed instance is tagged Role=edge in eu-west-1');
    const denied = resolveInstances(ssmClient(REGION), { region: REGION, tags: { Role: 'edge' } }, virtualClock());
    // Assess
    await expect(denied).rejects.toThrow('missing permission ssm:DescribeInstanceInformation');
  });
});

describe('collecting HAProxy through SSM', () => {
  const service = (extra: Record<string, unknown> = {}) => ServiceSchema.parse({
    name: 'checkout', hosts: ['shop.example.com'], sessionTimeoutSeconds: 3600, tls: false,
    haproxy: [{ name: 'edge1', config: '/etc/haproxy/haproxy.cfg', runtime: '/run/haproxy/admin.sock', ssm: { region: REGION, tags: { Role: 'edge' } }, ...extra }],
  });

  it('decodes each instance into its own bundle files and reports the one that could not be checked, with exit code 3 when nothing else is wrong', async () => {
    // Prepare
    const clock = virtualClock();
    const healthy = CFG.replace('maxidle 10m', 'maxidle 2h');
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: A, PingStatus: 'Online' }, { InstanceId: B, PingStatus: 'Online' }], ...meta });
    ssm.on(SendCommandCommand).callsFake((input: { InstanceIds: string[] }) => sent(`cmd-${input.InstanceIds[0]}`));
    ssm.on(GetCommandInvocationCommand, { InstanceId: A }).resolves(done(printed(payload([['version', 'HAProxy version 2.8.5-1ubuntu3 2024/04/01\n'], ['file /etc/haproxy/haproxy.cfg', healthy], ['error runtime show servers state', 'neither socat nor python3 is installed on the instance to reach the Runtime API\n']]))));
    ssm.on(GetCommandInvocationCommand, { InstanceId: B }).resolves(invocation({ InstanceId: B, Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut' }));
    // Act
    const raw = await collect(service(), { layers: ['haproxy'], clock, timeoutMs: 10_000 });
    const report = analyze(parseBundle(raw));
    // Assess
    expect([...raw.files.keys()].filter((k) => k.startsWith('haproxy/')).sort()).toEqual([`haproxy/edge1@${A}.cfg`, `haproxy/edge1@${A}.version`]);
    expect(raw.files.get(`haproxy/edge1@${A}.cfg`)).toBe(healthy);
    expect(report.notCheckedReasons).toMatchObject({ [`haproxy/edge1@${B}`]: `edge1@${B}: the command ran out of time on the instance (ExecutionTimedOut, limit 60 s)` });
    expect(report.notes).toEqual([`haproxy edge1@${A}: server states not collected: neither socat nor python3 is installed on the instance to reach the Runtime API`]);
    expect([report.findings, exitCode(report)]).toEqual([[], 3]);
    expect(renderText(report)).toContain(`  not checked: edge1@${B}: the command ran out of time on the instance (ExecutionTimedOut, limit 60 s)\n`);
    const blocks = renderBlocks(report);
    expect((blocks.blocks[0] as { text: { text: string } }).text.text).toBe(`:warning: checkout: no problem found, but not checked: edge1@${B}`);
    expect(JSON.stringify(blocks.blocks[1])).toContain(`not checked: edge1@${B}: the command ran out of time on the instance (ExecutionTimedOut, limit 60 s)`);
  });

  it('fails the layer with every reason when no instance could be collected, and never accepts a corrupted payload', async () => {
    // Prepare
    const clock = virtualClock();
    const b64 = payload([['file /etc/haproxy/haproxy.cfg', CFG]]);
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: A, PingStatus: 'Online' }, { InstanceId: B, PingStatus: 'Inactive' }], ...meta });
    ssm.on(SendCommandCommand).resolves(sent());
    ssm.on(GetCommandInvocationCommand).resolves(done(printed(b64).replace(b64.slice(0, 8), 'AAAAAAAA')));
    // Act
    const raw = await collect(service(), { layers: ['haproxy'], clock, timeoutMs: 10_000 });
    // Assess
    expect(JSON.parse(raw.files.get('meta.json')!).notChecked.haproxy).toBe(`edge1@${A}: the collection output does not match its checksum; edge1@${B}: the SSM agent is offline (Inactive)`);
  });

  it('reassembles a payload sent in chunks and checks its length and checksum', () => {
    // Prepare
    const big = Array.from({ length: 3000 }, (_, i) => `    # ${createHash('sha256').update(String(i)).digest('hex')}`).join('\n');
    const b64 = payload([['file /etc/haproxy/haproxy.cfg', CFG + big]]);
    const header = parsePayloadHeader(printed(b64));
    // Act
    const parts = decodePayload(header, b64);
    // Assess
    expect([header.chunks, header.first.length]).toEqual([Math.ceil(b64.length / CHUNK), CHUNK]);
    expect(parts).toEqual([{ name: 'file /etc/haproxy/haproxy.cfg', text: CFG + big }]);
    expect(() => decodePayload(header, b64.slice(0, -4))).toThrow(`the collection output is ${b64.length - 4} characters long, ${b64.length} were announced`);
  });
});

describe('the scripts', () => {
  it('quotes every value as one shell word and ships only the changed lines of a file', () => {
    // Prepare
    const text = 'backend app\n    cookie SERVERID insert maxidle 10m\n    server a 10.0.0.1:80\n';
    const blocks = lineBlocks(text, [{ line: 2, before: 'cookie SERVERID insert maxidle 10m', after: 'cookie SERVERID insert maxidle 2h' }, { line: 3, before: '', after: 'server b 10.0.0.2:80' }]);
    // Act
    const splice = spliceInstructions(blocks, text.split('\n'));
    // Assess
    expect(q("it's $(rm -rf /)")).toBe("'it'\\''s $(rm -rf /)'");
    expect(splice).toBe('2\t1\n    cookie SERVERID insert maxidle 2h\n3\t2\n    server a 10.0.0.1:80\n    server b 10.0.0.2:80\n');
  });
});

describe('the catalog', () => {
  it('takes HAProxy and NGINX entries on EC2 by instance ids or tags, and rejects what cannot work with the field named', async () => {
    // Prepare
    const { parseCatalogText } = await import('../../lib/catalog/catalog.ts');
    const base = 'name: checkout\nhosts: [shop.example.com]\nsessionTimeoutSeconds: 3600\n';
    // Act
    const ok = parseCatalogText(`${base}haproxy:\n  - name: edge1\n    config: /etc/haproxy/haproxy.cfg\n    ssm: { region: eu-west-1, tags: { Role: edge } }\nnginx:\n  - name: edge\n    config: /etc/nginx/nginx.conf\n    ssm: { region: eu-west-1, instanceIds: [${A}], reload: "nginx -s reload" }\n`, 'c.yaml');
    const both = () => parseCatalogText(`${base}haproxy:\n  - name: edge1\n    config: haproxy.cfg\n    ssm: { region: eu-west-1, tags: { Role: edge }, instanceIds: [i-123] }\n`, 'c.yaml');
    // Assess
    expect([ok[0]!.haproxy![0]!.ssm, ok[0]!.nginx![0]!.ssm]).toEqual([{ region: 'eu-west-1', tags: { Role: 'edge' } }, { region: 'eu-west-1', instanceIds: [A], reload: 'nginx -s reload' }]);
    expect(both).toThrow([
      'c.yaml:7: haproxy[0].ssm.instanceIds[0]: must be an EC2 instance id (i-…) or a managed instance id (mi-…)',
      'c.yaml:7: haproxy[0].ssm: give either instanceIds or tags (one of them, not empty)',
      'c.yaml:6: haproxy[0].config: must be an absolute path on the instance when ssm is given',
    ].join('\n'));
  });
});
