import { z } from 'zod';
import {
  DescribeAlarmsSchema, DescribeListenersSchema, DescribeLoadBalancersSchema, DescribeRulesSchema, DescribeTagsSchema,
  DescribeTargetGroupsSchema, MetricDataSchema, TargetGroupAttributesSchema, TargetHealthSchema,
} from './aws.ts';
import { BundleError, EvidenceParseError } from './errors.ts';
import { parseHaproxyConfig, type HaproxyConfig } from './haproxy.ts';
import { parseServersState, type ServerState } from './haproxy-state.ts';
import { parseStat, type HaproxyStatRow } from './haproxy-stat.ts';
import { parseKubernetesFile, type KubeObject } from './kubernetes.ts';
import { parseNginxConfig, type NginxConfig } from './nginx.ts';
import { MetaSchema, ProbeExchangesSchema, type Meta, type ProbeExchanges } from './probe.ts';
import { parseService, type Service } from './service.ts';
import { formatIssues } from './zod-format.ts';
import { lineOf } from './source.ts';
import { withoutBom } from './text.ts';
import type { Layer } from './layers.ts';

export { LAYERS, type Layer } from './layers.ts';

/** A bundle as files: bundle-relative path → text. What collectors write and the reader returns. */
export interface RawBundle {
  files: Map<string, string>;
  /** Files that are not text in a known encoding (see `decodeText`): path → the line of the first bad byte and why. */
  undecodable?: Map<string, { line?: number; message: string }>;
}

/** A file that could not be read or parsed; the rest of the bundle is still analyzed. */
export interface Problem {
  file: string;
  line?: number;
  message: string;
}

/** A JSON evidence file: its parsed value and its text (to find lines for evidence). */
export interface JsonFile<T> {
  file: string;
  text: string;
  data: T;
}

/** Everything `analyze` reads: the validated service and the parsed evidence of each layer. */
export interface Evidence {
  service: Service;
  meta: Meta;
  haproxy: HaproxyConfig[];
  serversState: Map<string, { file: string; rows: ServerState[] }>;
  /** `show stat` rows per HAProxy instance (check-down counters, last state change). */
  stats: Map<string, { file: string; rows: HaproxyStatRow[] }>;
  /** `haproxy -v` / `nginx -v` per instance, keyed `haproxy/<instance>` or `nginx/<instance>`. */
  versions: Map<string, string>;
  nginx: NginxConfig[];
  kubernetes: KubeObject[];
  aws: {
    loadBalancers?: JsonFile<z.infer<typeof DescribeLoadBalancersSchema>>;
    targetGroups?: JsonFile<z.infer<typeof DescribeTargetGroupsSchema>>;
    attributes: Map<string, JsonFile<z.infer<typeof TargetGroupAttributesSchema>>>;
    health: Map<string, JsonFile<z.infer<typeof TargetHealthSchema>>>;
    listeners?: JsonFile<z.infer<typeof DescribeListenersSchema>>;
    rules: Map<string, JsonFile<z.infer<typeof DescribeRulesSchema>>>;
    metrics?: JsonFile<z.infer<typeof MetricDataSchema>>;
    alarms?: JsonFile<z.infer<typeof DescribeAlarmsSchema>>;
    tags?: JsonFile<z.infer<typeof DescribeTagsSchema>>;
  };
  probe: JsonFile<ProbeExchanges> | undefined;
  /** Layers with at least one file that parsed. */
  present: Set<Layer>;
  problems: Problem[];
  notes: string[];
}

const stem = (path: string, ext: string) => path.slice(path.lastIndexOf('/') + 1, -ext.length);

function json<T>(schema: z.ZodType<T>, text: string, file: string): JsonFile<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new EvidenceParseError(`invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`, line);
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const key = first.path.filter((p) => typeof p === 'string').pop();
    const line = typeof key === 'string' ? lineOf(text, `"${key}"`) : undefined;
    throw new EvidenceParseError(formatIssues(r.error, '').replace(/^: /, '').split('\n')[0]!, line);
  }
  return { file, text, data: r.data };
}

/**
 * Parses a raw bundle into {@link Evidence}. Pure: no I/O, no clock. A missing or invalid
 * `service.yaml` throws {@link BundleError}; any other malformed or undecodable file becomes a
 * {@link Problem} and its layer is analyzed from the files that did parse. Even a parser that
 * fails on a file in a way nobody foresaw only makes that file a problem: one bad file never
 * crashes the report. A leading byte-order mark is skipped and CRLF line ends are read as LF, in
 * every file type.
 */
export function parseBundle(raw: RawBundle): Evidence {
  const bad = raw.undecodable?.get('service.yaml');
  if (bad) throw new BundleError(`service.yaml${bad.line !== undefined ? `:${bad.line}` : ''}: ${bad.message}`);
  const serviceText = raw.files.get('service.yaml');
  if (serviceText === undefined) throw new BundleError('service.yaml: missing (every bundle needs the service\'s catalog entry)');
  const ev: Evidence = {
    service: parseService(withoutBom(serviceText).replace(/\r\n/g, '\n')), meta: { notChecked: {}, notes: [] }, haproxy: [], serversState: new Map(), stats: new Map(), versions: new Map(), nginx: [],
    kubernetes: [], aws: { attributes: new Map(), health: new Map(), rules: new Map() }, probe: undefined,
    present: new Set(), problems: [], notes: [],
  };
  for (const [file, why] of [...(raw.undecodable ?? [])].sort(([a], [b]) => a.localeCompare(b))) {
    if (file === 'service.yaml') continue;
    if (layoutLayer(file)) ev.problems.push({ file, ...(why.line !== undefined ? { line: why.line } : {}), message: why.message });
    else ev.notes.push(`ignored ${file}: not a file of the evidence bundle layout`);
  }
  const paths = [...raw.files.keys()].sort();
  for (const path of paths) {
    if (path === 'service.yaml') continue;
    const text = withoutBom(raw.files.get(path)!).replace(/\r\n/g, '\n');
    try {
      const layer = readFile(ev, path, text);
      if (layer === 'meta') continue;
      if (layer) ev.present.add(layer);
      else ev.notes.push(`ignored ${path}: not a file of the evidence bundle layout`);
    } catch (e) {
      if (e instanceof EvidenceParseError) ev.problems.push({ file: path, ...(e.line !== undefined ? { line: e.line } : {}), message: e.message });
      else ev.problems.push({ file: path, message: `the parser failed on it (${(e as Error).name}: ${(e as Error).message})` });
    }
  }
  return ev;
}

/**
 * The layer a bundle path belongs to under the bundle layout (docs/evidence-bundle.md), `meta` for
 * meta.json, undefined for other files: the one statement of the layout, which {@link parseBundle}
 * uses both for files it reads and for files it could not decode.
 */
export function layoutLayer(path: string): Layer | 'meta' | undefined {
  if (path === 'meta.json') return 'meta';
  if (/^haproxy\/[^/]+\.(cfg|servers-state|stat|version)$/.test(path)) return 'haproxy';
  if (/^nginx\/[^/]+\.(conf|version)$/.test(path)) return 'nginx';
  if (/^kubernetes\/.+\.ya?ml$/.test(path)) return 'kubernetes';
  if (path === 'probe/exchanges.json') return 'probe';
  if (/^aws\/(describe-(load-balancers|target-groups|listeners|alarms|tags)|metrics)\.json$/.test(path)) return 'aws';
  if (/^aws\/(target-group-attributes|target-health|describe-rules)\/[^/]+\.json$/.test(path)) return 'aws';
  return undefined;
}

function readFile(ev: Evidence, path: string, text: string): Layer | 'meta' | undefined {
  if (!layoutLayer(path)) return undefined;
  let m: RegExpExecArray | null;
  if (path === 'meta.json') {
    ev.meta = json(MetaSchema, text, path).data;
    ev.notes.push(...ev.meta.notes);
    return 'meta';
  }
  if ((m = /^haproxy\/([^/]+)\.cfg$/.exec(path))) {
    ev.haproxy.push(parseHaproxyConfig(text, path, m[1]!));
    return 'haproxy';
  }
  if ((m = /^haproxy\/([^/]+)\.servers-state$/.exec(path))) {
    ev.serversState.set(m[1]!, { file: path, rows: parseServersState(text, path) });
    return 'haproxy';
  }
  if ((m = /^haproxy\/([^/]+)\.stat$/.exec(path))) {
    ev.stats.set(m[1]!, { file: path, rows: parseStat(text, path) });
    return 'haproxy';
  }
  if ((m = /^(haproxy|nginx)\/([^/]+)\.version$/.exec(path))) {
    ev.versions.set(`${m[1]}/${m[2]}`, text.trim());
    return m[1] as Layer;
  }
  if ((m = /^nginx\/([^/]+)\.conf$/.exec(path))) {
    ev.nginx.push(parseNginxConfig(text, path, m[1]!));
    return 'nginx';
  }
  if (/^kubernetes\/.+\.ya?ml$/.test(path)) {
    ev.kubernetes.push(...parseKubernetesFile(text, path));
    return 'kubernetes';
  }
  if (path === 'probe/exchanges.json') {
    ev.probe = json(ProbeExchangesSchema, text, path);
    return 'probe';
  }
  const aws = ev.aws;
  switch (path) {
    case 'aws/describe-load-balancers.json': aws.loadBalancers = json(DescribeLoadBalancersSchema, text, path); return 'aws';
    case 'aws/describe-target-groups.json': aws.targetGroups = json(DescribeTargetGroupsSchema, text, path); return 'aws';
    case 'aws/describe-listeners.json': aws.listeners = json(DescribeListenersSchema, text, path); return 'aws';
    case 'aws/metrics.json': aws.metrics = json(MetricDataSchema, text, path); return 'aws';
    case 'aws/describe-alarms.json': aws.alarms = json(DescribeAlarmsSchema, text, path); return 'aws';
    case 'aws/describe-tags.json': aws.tags = json(DescribeTagsSchema, text, path); return 'aws';
  }
  if (/^aws\/target-group-attributes\/[^/]+\.json$/.test(path)) {
    aws.attributes.set(stem(path, '.json'), json(TargetGroupAttributesSchema, text, path));
    return 'aws';
  }
  if (/^aws\/target-health\/[^/]+\.json$/.test(path)) {
    aws.health.set(stem(path, '.json'), json(TargetHealthSchema, text, path));
    return 'aws';
  }
  if (/^aws\/describe-rules\/[^/]+\.json$/.test(path)) {
    aws.rules.set(stem(path, '.json'), json(DescribeRulesSchema, text, path));
    return 'aws';
  }
  return undefined;
}
