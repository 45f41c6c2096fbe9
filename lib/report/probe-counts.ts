import type { RawBundle } from '../evidence/bundle.ts';
import { ProbeExchangesSchema } from '../evidence/probe.ts';
import { naturalCompare } from '../text/suggest.ts';

/** Requests per backend in one phase of the live probe, for the "Requests per backend" chart. */
export interface BackendCounts {
  label: string;
  counts: [string, number][];
}

/**
 * Requests per backend without a cookie jar, then, with cookies, the probe's sessions by the one
 * backend each stayed on (and how many moved), backends in natural order (`app2` before `app10`).
 * Older bundles without sessions show requests per backend with the jar. What the bot's report and `--format blocks`/`text` draw; empty
 * when the bundle has no probe or its probe file cannot be read (the report says why elsewhere).
 */
export function probeCounts(raw: RawBundle): BackendCounts[] {
  const text = raw.files.get('probe/exchanges.json');
  if (!text) return [];
  let exchanges;
  try {
    const parsed = ProbeExchangesSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return [];
    exchanges = parsed.data.exchanges;
  } catch {
    return [];
  }
  const count = (phase: string): [string, number][] => {
    const m = new Map<string, number>();
    for (const x of exchanges) if (x.phase === phase && x.response?.backend) m.set(x.response.backend, (m.get(x.response.backend) ?? 0) + 1);
    return [...m].sort(([a], [b]) => naturalCompare(a, b));
  };
  const noJar: BackendCounts = { label: 'requests without a cookie jar', counts: count('no-jar') };
  if (!exchanges.some((x) => x.session !== undefined)) return [noJar, { label: 'requests with a cookie jar (must stay on one)', counts: count('jar') }];
  // Each session is one browser: it sticks when all its requests with cookies reached one backend.
  // Requests summed over sessions would look like spreading even when every session stuck.
  const bySession = new Map<number, Set<string>>();
  for (const x of exchanges) {
    if (x.phase !== 'jar' || x.session === undefined || !x.response?.backend) continue;
    bySession.set(x.session, (bySession.get(x.session) ?? new Set()).add(x.response.backend));
  }
  const homes = new Map<string, number>();
  let moved = 0;
  for (const backends of bySession.values()) {
    if (backends.size === 1) homes.set([...backends][0]!, (homes.get([...backends][0]!) ?? 0) + 1);
    else moved++;
  }
  const counts = [...homes].sort(([a], [b]) => naturalCompare(a, b));
  if (moved) counts.push(['moved between backends', moved]);
  return [noJar, { label: `sessions with a cookie jar: ${bySession.size - moved} of ${bySession.size} stayed on one backend`, counts }];
}

/** A text bar chart of requests per backend, one line each: `app1 ████████ 8`. */
export function backendChart(rows: BackendCounts[]): string {
  const shown = rows.filter((r) => r.counts.length > 0);
  if (shown.length === 0) return '';
  const max = Math.max(1, ...shown.flatMap((r) => r.counts.map(([, n]) => n)));
  const width = Math.max(...shown.flatMap((r) => r.counts.map(([b]) => b.length)), 4);
  return shown
    .map((r) => `${r.label}\n${r.counts.map(([b, n]) => `${b.padEnd(width)} ${'█'.repeat(Math.max(1, Math.round((n / max) * 20)))} ${n}`).join('\n')}`)
    .join('\n');
}
