import type { RawBundle } from '../evidence/bundle.ts';
import { ProbeExchangesSchema } from '../evidence/probe.ts';
import { naturalCompare } from '../text/suggest.ts';

/** Requests per backend in one phase of the live probe, for the "Requests per backend" chart. */
export interface BackendCounts {
  label: string;
  counts: [string, number][];
}

/**
 * Requests per backend in each probe phase (without and with a cookie jar), backends in natural
 * order (`app2` before `app10`). What the bot's report and `--format blocks`/`text` draw; empty
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
  // With several probe sessions each one sticks to its own backend, so the jar counts spread.
  const sessions = exchanges.some((x) => x.session !== undefined);
  return [{ label: 'without a cookie jar', counts: count('no-jar') }, { label: sessions ? 'with a cookie jar (each session must stay on one)' : 'with a cookie jar (must stay on one)', counts: count('jar') }];
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
