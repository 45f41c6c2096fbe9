import type { z } from 'zod';

/**
 * Turns zod issues into one line each: `file:line: a.b[0].c: reason`. `lineOf` maps an issue
 * path to a line when the source kept positions (YAML); JSON sources pass a finder or nothing.
 */
export function formatIssues(
  error: z.ZodError,
  file: string,
  lineOf?: (path: ReadonlyArray<string | number>) => number | undefined,
): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const field = path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
      const line = lineOf?.(issue.code === 'unrecognized_keys' && issue.keys[0] ? [...path, issue.keys[0]] : path);
      const where = line !== undefined ? `${file}:${line}` : file;
      return `${where}: ${field || '(top level)'}: ${issue.message}`;
    })
    .join('\n');
}
