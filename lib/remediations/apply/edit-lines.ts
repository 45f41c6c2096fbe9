import { withoutBom } from '../../evidence/text.ts';
import type { LineEdit } from '../config-edit.ts';

const indentOf = (line: string | undefined) => /^[ \t]*/.exec(line ?? '')?.[0] ?? '';

/**
 * Applies line edits to a file's text: replacements keep the old line's indentation,
 * insertions take the indentation of the block they go into, several insertions after one
 * line keep their order, deletions remove the line. A multi-line `after` is written line by line
 * at that indentation (its own relative indentation kept). Lines are 1-based (an insertion
 * after line 0 goes at the top); every edit refers to the original numbering. A file with CRLF
 * line ends keeps them on the lines written.
 */
export function applyLineEdits(text: string, edits: { line: number; before: string; after: string }[]): string {
  return lineBlocks(text, edits).flat().join('\n');
}

/**
 * The same edits as {@link applyLineEdits}, as what each original line becomes: `[line]` when it
 * is untouched, `[]` when it is deleted, several lines when others are inserted after it (an
 * insertion at the top goes before the first line's block). A remote apply ships only the
 * changed entries and splices them into the live file.
 */
export function lineBlocks(text: string, edits: { line: number; before: string; after: string }[]): string[][] {
  const lines = text.split('\n');
  const byLine = new Map<number, { line: number; before: string; after: string }[]>();
  for (const e of edits) byLine.set(e.line, [...(byLine.get(e.line) ?? []), e]);
  const put = (out: string[], indent: string, after: string, cr: string) => {
    const parts = after.replace(/\r/g, '').split('\n');
    const base = indentOf(parts.find((p) => p.trim() !== '')).length;
    parts.forEach((p, k) => out.push(k === 0 ? `${indent}${p.trim()}${cr}` : p.trim() === '' ? cr : `${indent}${p.slice(Math.min(base, indentOf(p).length)).trimEnd()}${cr}`));
  };
  const top: string[] = [];
  for (const e of byLine.get(0) ?? []) {
    const first = lines.find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    put(top, indentOf(first), e.after, lines[0]?.endsWith('\r') ? '\r' : '');
  }
  return lines.map((current, i) => {
    const out: string[] = i === 0 ? [...top] : [];
    const cr = current.endsWith('\r') ? '\r' : '';
    const here = byLine.get(i + 1) ?? [];
    const replace = here.find((e) => e.before !== '');
    if (replace) {
      if (replace.after !== '') put(out, indentOf(current), replace.after, cr);
    } else out.push(current);
    const inserts = here.filter((e) => e.before === '');
    if (inserts.length > 0) {
      const next = lines.slice(i + 1).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
      const indent = indentOf(current).length < indentOf(next).length ? indentOf(next) : indentOf(current) || '    ';
      for (const e of inserts) put(out, indent, e.after, cr);
    }
    return out;
  });
}

/** The live path and line of an edit: its `origin` for `nginx -T` dumps, else the instance's config file. */
export function liveTarget(edit: LineEdit, configPath: string): { path: string; line: number } {
  if (edit.origin) {
    const at = edit.origin.lastIndexOf(':');
    return { path: edit.origin.slice(0, at), line: Number(edit.origin.slice(at + 1)) };
  }
  return { path: configPath, line: edit.line };
}

/** The text an `nginx -T` dump holds for one file (or the whole text when it has no markers). */
export function dumpSection(dump: string, path: string): string | undefined {
  const marker = /^# configuration file (.+):\s*$/;
  const lines = withoutBom(dump).split('\n');
  if (!lines.some((l) => marker.test(l))) return dump;
  let out: string[] | undefined;
  for (const l of lines) {
    const m = marker.exec(l);
    if (m) {
      if (out) break;
      if (m[1] === path) out = [];
      continue;
    }
    out?.push(l);
  }
  return out?.join('\n');
}
