import { z } from 'zod';
import { BundleError } from './errors.ts';
import { parseLocatedYaml } from './yaml-lines.ts';
import { formatIssues } from './zod-format.ts';

const hostName = z.string().regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, 'must be a host name');
const urlPath = z.string().startsWith('/', 'must start with "/"');

/** Where the live check finds the service on AWS (ignored by `analyze`). */
export const AwsLocationSchema = z.strictObject({
  region: z.string().min(1),
  targetGroupArns: z.array(z.string().startsWith('arn:')).optional(),
  listenerArns: z.array(z.string().startsWith('arn:')).optional(),
  loadBalancerArns: z.array(z.string().startsWith('arn:')).optional(),
  /** How far back the CloudWatch metrics go (default 60 minutes). */
  metricsMinutes: z.number().int().min(5).max(1440).default(60),
});

/** Where the live check finds the service in Kubernetes (ignored by `analyze`). */
export const KubernetesLocationSchema = z.strictObject({
  namespace: z.string().min(1),
  context: z.string().optional(),
  ingress: z.string().optional(),
  service: z.string().optional(),
  deployment: z.string().optional(),
  statefulSet: z.string().optional(),
  /** Reach an EKS cluster with the role Sticky runs as (AWS Lambda has no kubeconfig). */
  eks: z.strictObject({ cluster: z.string().min(1), region: z.string().min(1) }).optional(),
});

/**
 * Where an HAProxy or NGINX entry runs when it is not on this machine: EC2 (or hybrid) instances
 * reached through Systems Manager Run Command, named by id or by tags. Every instance found is
 * one instance of the layer (`<name>@<instance id>` in the bundle). `reload` replaces the
 * default graceful reload (`systemctl reload haproxy` / `systemctl reload nginx`).
 */
export const SsmLocationSchema = z
  .strictObject({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as eu-west-1'),
    instanceIds: z.array(z.string().regex(/^(i-[0-9a-f]{8}([0-9a-f]{9})?|mi-[0-9a-f]{17})$/, 'must be an EC2 instance id (i-…) or a managed instance id (mi-…)')).min(1).max(50).optional(),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
    reload: z.string().min(1).max(500).optional(),
  })
  .refine((s) => (s.instanceIds ? 1 : 0) + (s.tags && Object.keys(s.tags).length ? 1 : 0) === 1, 'give either instanceIds or tags (one of them, not empty)');

const remotePaths = (e: { config: string; runtime?: string | undefined; ssm?: unknown }, ctx: z.RefinementCtx) => {
  if (!e.ssm) return;
  if (!e.config.startsWith('/')) ctx.addIssue({ code: 'custom', path: ['config'], message: 'must be an absolute path on the instance when ssm is given' });
  if (e.runtime && !/^(\/|unix@\/|ipv4@|ipv6@)/.test(e.runtime)) ctx.addIssue({ code: 'custom', path: ['runtime'], message: 'must be an absolute socket path or ipv4@host:port on the instance when ssm is given' });
};

/** One HAProxy instance: config path, Runtime API address, the backend that serves the service. */
export const HaproxyLocationSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only'),
  config: z.string().min(1),
  runtime: z.string().optional(),
  backend: z.string().optional(),
  /** The master process's pid file (`haproxy -W -p FILE`), for graceful reloads (SIGUSR2). */
  pidFile: z.string().optional(),
  /** The `haproxy` binary that checks a candidate configuration (`-c`) (default: `haproxy` on PATH). */
  binary: z.string().optional(),
  /** On EC2 through SSM Run Command instead of this machine (paths are then paths on the instance). */
  ssm: SsmLocationSchema.optional(),
}).superRefine(remotePaths);

/** One NGINX instance: config path and the upstream that serves the service. */
export const NginxLocationSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only'),
  config: z.string().min(1),
  upstream: z.string().optional(),
  /** The `nginx` binary to run `-T`, `-t` and `-s reload` with (default: `nginx` on PATH). */
  binary: z.string().optional(),
  /** On EC2 through SSM Run Command instead of this machine (paths are then paths on the instance). */
  ssm: SsmLocationSchema.optional(),
}).superRefine(remotePaths);

/**
 * The live probe: the only URL Sticky ever requests for this service. It plays `sessions`
 * independent browsers: each opens with one request without cookies, then sends its share of
 * `requests` with the cookies it was given; at most `concurrency` requests are in flight at once.
 * The defaults (15 + 15 requests) send no more than the probe's earlier 10 + 20.
 */
export const ProbeLocationSchema = z
  .strictObject({
    url: z.url({ protocol: /^(https?|wss?)$/ }),
    backendHeader: z.string().default('X-Backend-Server'),
    /** Requests sent with a session's cookies, shared among the sessions. */
    requests: z.number().int().min(2).max(200).default(15),
    cookie: z.string().optional(),
    /** Independent sessions (default 15, never more than `requests`): each one is a chance to catch a first-request move. */
    sessions: z.number().int().min(1).max(50).optional(),
    /** Requests (and WebSocket upgrades) in flight at once. */
    concurrency: z.number().int().min(1).max(100).default(32),
  })
  .refine((p) => p.sessions === undefined || p.sessions <= p.requests, {
    path: ['sessions'], message: 'at most probe.requests: each session sends at least one request with its cookies',
  });

/**
 * A catalog entry, exactly the `service.yaml` of docs/evidence-bundle.md plus optional additions:
 * `approvers` and `approvals` (who may approve fixes, and how many of them per risk),
 * `slackChannel`, and `sessionCookie` (the app's own session cookie name, used by fixes that
 * hash on it). Unknown keys are rejected so a typo never silently disables
 * a rule.
 */
export const ServiceSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must match [a-z0-9][a-z0-9-]{0,62}'),
  hosts: z.array(hostName).min(1),
  paths: z.array(urlPath).min(1).default(['/']),
  sessionTimeoutSeconds: z.number().int().positive(),
  clients: z.enum(['public', 'internal']).default('public'),
  tls: z.boolean().default(true),
  crossSite: z.boolean().default(false),
  websocketPaths: z.array(urlPath).default([]),
  sessionCookie: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a cookie name').optional(),
  approvers: z.array(z.string().regex(/^[UWS][A-Z0-9]+$/, 'must be a Slack user (U…/W…) or user-group (S…) id')).optional(),
  /** How many distinct approvers a fix of each risk needs (default 1); for high risk the requester never counts. */
  approvals: z.strictObject({
    low: z.number().int().min(1).max(5).optional(),
    medium: z.number().int().min(1).max(5).optional(),
    high: z.number().int().min(1).max(5).optional(),
  }).optional(),
  /** The Slack channel alarm-triggered triages are posted to. */
  slackChannel: z.string().regex(/^[CGD][A-Z0-9]+$/, 'must be a Slack channel id').optional(),
  aws: AwsLocationSchema.optional(),
  kubernetes: KubernetesLocationSchema.optional(),
  haproxy: z.array(HaproxyLocationSchema).optional(),
  nginx: z.array(NginxLocationSchema).optional(),
  probe: ProbeLocationSchema.optional(),
});

/** A validated catalog entry with defaults applied. */
export type Service = z.infer<typeof ServiceSchema>;

/**
 * Parses and validates `service.yaml` text. Every problem is reported at once, each as
 * `file:line: field: reason`, inside one {@link BundleError}.
 */
export function parseService(text: string, file = 'service.yaml'): Service {
  const doc = parseLocatedYaml(text);
  if (doc.errors.length > 0) {
    throw new BundleError(doc.errors.map((e) => `${file}:${e.line}: ${e.message}`).join('\n'));
  }
  const result = ServiceSchema.safeParse(doc.value ?? {});
  if (!result.success) throw new BundleError(formatIssues(result.error, file, doc.lineOf));
  return result.data;
}
