import { EvidenceParseError } from './errors.ts';

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a HAProxy/NGINX time value (`10m`, `1h`, `500ms`, `30`) into milliseconds. A bare
 * number takes `defaultUnit`: HAProxy timeouts and `inter` are milliseconds, cookie `maxidle`
 * and `maxlife` are seconds, NGINX durations are seconds.
 */
export function parseDurationMs(value: string, defaultUnit: 'ms' | 's'): number {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new EvidenceParseError(`"${value}" is not a time value`);
  const unit = m[2] ?? defaultUnit;
  return Number(m[1]) * (UNITS[unit] ?? 1);
}

/** Like {@link parseDurationMs} but returns undefined instead of throwing. */
export function tryDurationMs(value: string | undefined, defaultUnit: 'ms' | 's'): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDurationMs(value, defaultUnit);
  } catch {
    return undefined;
  }
}

/**
 * Renders seconds the way people say them, never rounding across a threshold that matters
 * (3599 s is `59 min 59 s`, not `60 min`): `90 s`, `10 min`, `1 h 30 min`, `2 d`. At most the two
 * largest units are shown.
 */
export function humanSeconds(seconds: number): string {
  if (seconds < 120 && seconds % 60 !== 0) return `${seconds} s`;
  let rest = Math.round(seconds);
  const units: [number, string][] = [[86_400, 'd'], [3600, 'h'], [60, 'min'], [1, 's']];
  const parts: string[] = [];
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(n > 0 ? `${n} ${name}` : '');
  }
  return parts.slice(0, 2).filter(Boolean).join(' ') || '0 s';
}
