import type { Io } from '../../lib/cli/main.ts';

/**
 * An {@link Io} that records what the CLI writes: `tty` makes stdout a terminal of `columns`
 * columns (colour, wrapping); `extra` adds a `confirm` or a `verify`.
 */
export function capture(env: NodeJS.ProcessEnv = {}, tty = false, columns?: number, extra: Partial<Io> = {}): Io & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s), isTTY: tty, ...(columns ? { columns } : {}) },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env,
    ...extra,
    out: () => out,
    err: () => err,
  };
}
