/** Where a fact was read: a bundle-relative file, a 1-based line and the line's text. */
export interface SourceRef {
  file: string;
  line?: number;
  text?: string;
  /** For `nginx -T` dumps: the original file and line the dump section came from. */
  origin?: string;
}

/**
 * Formats a reference as the contract's evidence string, `file:line: text`, so an operator can
 * open the exact line. A line read from an `nginx -T` dump is cited at the file and line it came
 * from (`/etc/nginx/conf.d/app.conf:12`), which is what a person opens and what a fix edits, not
 * at its line in the dump. The text is trimmed and cut at 160 characters to keep reports readable.
 */
export function cite(ref: SourceRef, detail?: string): string {
  const where = ref.origin ?? (ref.line !== undefined ? `${ref.file}:${ref.line}` : ref.file);
  const text = detail ?? ref.text?.trim();
  if (!text) return where;
  const short = text.length > 160 ? `${text.slice(0, 157)}...` : text;
  return `${where}: ${short}`;
}

/**
 * Finds the 1-based line of the first occurrence of `needle` in `text` at or after `fromLine`.
 * Used for JSON evidence (AWS CLI output) where no parser keeps positions.
 */
export function lineOf(text: string, needle: string, fromLine = 1): number | undefined {
  let start = 0;
  for (let l = 1; l < fromLine; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  const at = text.indexOf(needle, start);
  if (at < 0) return undefined;
  let line = fromLine;
  for (let i = start; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
