import { dump } from 'js-yaml';
import { layersOf } from '../catalog/catalog.ts';
import type { Layer, RawBundle } from '../evidence/bundle.ts';
import type { Service } from '../evidence/service.ts';
import { withTimeout } from './errors.ts';
import { usesSsm } from './ssm/instances.ts';
import type { Clock } from './aws/calls.ts';

/** Progress of one layer, for the terminal (stderr) and later for Slack. */
export type Progress = { layer: Layer; state: 'start' | 'done' | 'failed'; detail?: string };

/** Options of a live collection. */
export interface CollectOptions {
  /**
   * One deadline for the whole collection, in ms: every layer runs concurrently and is cut off
   * by it (each layer also has its own cap, 10 s, 60 s for AWS). Whatever was collected by then
   * is returned; the rest is "not checked: … timed out".
   */
  timeoutMs?: number;
  /** Only these layers (verification re-collects the one a plan changed). */
  layers?: Layer[];
  trigger?: string;
  onProgress?: (p: Progress) => void;
  /** The clock, injectable for tests. */
  now?: () => Date;
  /** Sleep and time for rate limits and back-offs (virtual in tests). */
  clock?: Clock;
}

/** Collects one layer; `signal` aborts when the layer's deadline passes, so no work outlives it. */
type Collector = (s: Service, timeoutMs: number, opts: CollectOptions, signal: AbortSignal) => Promise<{ files: Record<string, string>; notes: string[]; notChecked?: Record<string, string> }>;

/**
 * AWS: ELB evidence, then CloudWatch for the target groups found. The SDK is loaded only when a
 * service has an `aws:` section. CloudWatch failing alone leaves the ELB evidence checked.
 */
const collectAws: Collector = async (s, _t, opts) => {
  const [{ ElasticLoadBalancingV2Client }, { CloudWatchClient }, elb, cw] = await Promise.all([
    import('@aws-sdk/client-elastic-load-balancing-v2'), import('@aws-sdk/client-cloudwatch'), import('./aws/elbv2.ts'), import('./aws/cloudwatch.ts'),
  ]);
  const region = s.aws!.region;
  const e = await elb.collectElbv2(s, new ElasticLoadBalancingV2Client({ region, retryMode: 'standard' }), opts.clock);
  const files = elb.elbv2Files(e);
  const notes: string[] = [];
  try {
    Object.assign(files, await cw.collectCloudwatch(new CloudWatchClient({ region, retryMode: 'standard' }), e.targetGroups, e.loadBalancers, opts.now?.() ?? new Date(), s.aws!.metricsMinutes, opts.clock));
  } catch (err) {
    notes.push(`aws: CloudWatch not collected: ${(err as Error).message}`);
  }
  return { files, notes };
};

/** One collector per layer, each loaded only when a service has that layer (the SDKs and HTTP clients stay out of every cold start). */
const COLLECTORS: Partial<Record<Layer, Collector>> = {
  aws: collectAws,
  kubernetes: async (s) => (await import('./kubernetes/collect.ts')).collectKubernetes(s),
  haproxy: async (s, t, o) => {
    if (usesSsm(s, 'haproxy')) return (await import('./ssm/collect.ts')).collectSsmLayer('haproxy', s, t, o);
    const { collectHaproxy } = await import('./haproxy/collect.ts');
    return merge(await Promise.all((s.haproxy ?? []).map((h) => collectHaproxy(h, t))));
  },
  nginx: async (s, t, o) => {
    if (usesSsm(s, 'nginx')) return (await import('./ssm/collect.ts')).collectSsmLayer('nginx', s, t, o);
    const { collectNginx } = await import('./nginx/collect.ts');
    return merge(await Promise.all((s.nginx ?? []).map((n) => collectNginx(n, t))));
  },
  probe: async (s, t, _opts, signal) => {
    const { probeService } = await import('./probe/probe.ts');
    return { files: { 'probe/exchanges.json': `${JSON.stringify(await probeService(s, t, signal), null, 2)}\n` }, notes: [] };
  },
};

function merge(parts: { files: Record<string, string>; notes: string[] }[]) {
  return { files: Object.assign({}, ...parts.map((p) => p.files)) as Record<string, string>, notes: parts.flatMap((p) => p.notes) };
}

/**
 * Collects every layer of a service concurrently into an evidence bundle (docs/evidence-bundle.md). Each
 * layer has its own deadline and fails alone: its reason goes to `meta.json` `notChecked` and
 * the other layers are still returned.
 */
export async function collect(service: Service, opts: CollectOptions = {}): Promise<RawBundle> {
  const cap = (l: Layer) => (l === 'aws' ? 60_000 : usesSsm(service, l) ? 30_000 : 10_000);
  const timeoutOf = (l: Layer) => Math.min(cap(l), opts.timeoutMs ?? cap(l));
  const files = new Map<string, string>([['service.yaml', dump(service)]]);
  const notChecked: Record<string, string> = {};
  const notes: string[] = [];
  const wanted = layersOf(service);
  const layers = (opts.layers ?? wanted).filter((l) => wanted.includes(l));
  await Promise.all(
    layers.map(async (layer) => {
      const collector = COLLECTORS[layer];
      if (!collector) {
        notChecked[layer] = `the ${layer} collector is not available yet`;
        opts.onProgress?.({ layer, state: 'failed', detail: notChecked[layer] });
        return;
      }
      opts.onProgress?.({ layer, state: 'start' });
      try {
        const got = await withTimeout(`collecting ${layer}`, timeoutOf(layer), (signal) => collector(service, timeoutOf(layer), opts, signal));
        for (const [k, v] of Object.entries(got.files)) files.set(k, v);
        notes.push(...got.notes);
        Object.assign(notChecked, got.notChecked);
        opts.onProgress?.({ layer, state: 'done' });
      } catch (e) {
        notChecked[layer] = (e as Error).message;
        opts.onProgress?.({ layer, state: 'failed', detail: notChecked[layer] });
      }
    }),
  );
  const meta = { collectedAt: (opts.now?.() ?? new Date()).toISOString(), trigger: opts.trigger ?? 'cli', notChecked, ...(notes.length ? { notes } : {}) };
  files.set('meta.json', `${JSON.stringify(meta, null, 2)}\n`);
  return { files };
}
