import { withoutBom } from '../../evidence/text.ts';
import type { LineEdit } from '../config-edit.ts';

const indentOf = (line: string | undefined) => /^[ \t]*/.exec(line ?? '')?.[0] ?? '';

/** One line edit in a file's own numbering: replace `line` (`before` set), delete it (`after` empty) or insert after it (`before` empty). */
export interface FileEdit {
  line: number;
  before: string;
  after: string;
}

/**
 * One line of a change, in unified-diff terms: kept (` `), removed (`-`) or added (`+`). `old`
 * and `new` are its line numbers before and after the change; a removed line's `new` and an
 * added line's `old` are where it would sit on the other side (the number the next line there
 * has), which is what a hunk header needs when one side of it is empty. `at` is the original
 * line the operation belongs to (0 for an insertion at the top).
 */
export interface LineOp {
  kind: ' ' | '-' | '+';
  old: number;
  new: number;
  text: string;
  at: number;
}

/**
 * Applies line edits to a file's lines and returns every line as an operation: replacements keep
 * the old line's indentation, insertions take the indentation of the block they go into, several
 * insertions after one line keep their order, deletions remove the line. A multi-line `after` is
 * written line by line at that indentation (its own relative indentation kept); an insertion
 * after line 0 goes at the top; a file with CRLF line ends keeps them on the lines written.
 * Every edit refers to the original numbering; the operations carry both numberings, so a diff of
 * them shows real line numbers and the text that is actually written.
 */
export function lineOps(text: string, edits: FileEdit[]): LineOp[] {
  const lines = text.split('\n');
  const byLine = new Map<number, FileEdit[]>();
  for (const e of edits) byLine.set(e.line, [...(byLine.get(e.line) ?? []), e]);
  const out: LineOp[] = [];
  let next = 1;
  const put = (at: number, indent: string, after: string, cr: string) => {
    const parts = after.replace(/\r/g, '').split('\n');
    const base = indentOf(parts.find((p) => p.trim() !== '')).length;
    parts.forEach((p, k) => {
      const body = k === 0 ? `${indent}${p.trim()}` : p.trim() === '' ? '' : `${indent}${p.slice(Math.min(base, indentOf(p).length)).trimEnd()}`;
      out.push({ kind: '+', old: at + 1, new: next++, text: `${body}${cr}`, at });
    });
  };
  const first = lines.find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  for (const e of byLine.get(0) ?? []) put(0, indentOf(first), e.after, lines[0]?.endsWith('\r') ? '\r' : '');
  lines.forEach((current, i) => {
    const n = i + 1;
    const cr = current.endsWith('\r') ? '\r' : '';
    const here = byLine.get(n) ?? [];
    const replace = here.find((e) => e.before !== '');
    if (replace) {
      out.push({ kind: '-', old: n, new: next, text: current, at: n });
      if (replace.after !== '') put(n, indentOf(current), replace.after, cr);
    } else out.push({ kind: ' ', old: n, new: next++, text: current, at: n });
    const inserts = here.filter((e) => e.before === '');
    if (inserts.length > 0) {
      const following = lines.slice(i + 1).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
      const indent = indentOf(current).length < indentOf(following).length ? indentOf(following) : indentOf(current) || '    ';
      for (const e of inserts) put(n, indent, e.after, cr);
    }
  });
  return out;
}

/** The file's new text after the edits (see {@link lineOps}). */
export function applyLineEdits(text: string, edits: FileEdit[]): string {
  return lineOps(text, edits).filter((o) => o.kind !== '-').map((o) => o.text).join('\n');
}

/**
 * The same edits as what each original line becomes: `[line]` when it is untouched, `[]` when it
 * is deleted, several lines when others are inserted after it (an insertion at the top goes
 * before the first line's block). A remote apply ships only the changed entries and splices
 * them into the live file.
 */
export function lineBlocks(text: string, edits: FileEdit[]): string[][] {
  const blocks: string[][] = text.split('\n').map(() => []);
  for (const o of lineOps(text, edits)) if (o.kind !== '-') blocks[Math.max(0, o.at - 1)]!.push(o.text);
  return blocks;
}

/**
 * The same operations for the edited lines alone, when the file's text is not at hand (a report
 * rendered without its bundle): numbers in both files are worked out from the edits (a multi-line
 * `after` counts all its lines), texts are the edits' own.
 */
export function editOps(edits: FileEdit[]): LineOp[] {
  const sorted = [...edits].sort((a, b) => a.line - b.line || Number(a.before === '') - Number(b.before === ''));
  const out: LineOp[] = [];
  let shift = 0;
  const height = (t: string) => t.split('\n').length;
  for (const e of sorted) {
    if (e.before !== '') {
      out.push({ kind: '-', old: e.line, new: e.line + shift, text: e.before, at: e.line });
      if (e.after !== '') {
        out.push({ kind: '+', old: e.line + 1, new: e.line + shift, text: e.after, at: e.line });
        shift += height(e.after) - 1;
      } else shift--;
    } else {
      out.push({ kind: '+', old: e.line + 1, new: e.line + shift + 1, text: e.after, at: e.line });
      shift += height(e.after);
    }
  }
  return out;
}

/** The live path and line of an edit: its `origin` for `nginx -T` dumps, else the instance's config file. */
export function liveTarget(edit: LineEdit, configPath: string): { path: string; line: number } {
  if (edit.origin) {
    const at = edit.origin.lastIndexOf(':');
    return { path: edit.origin.slice(0, at), line: Number(edit.origin.slice(at + 1)) };
  }
  return { path: configPath, line: edit.line };
}

/**
 * A plan's edits grouped by the file a person opens: the original file of an `nginx -T` dump
 * section (numbered as that file is), else the bundle file (a copy of the live config). Each
 * group keeps the bundle file its text can be read from.
 */
export function editsByFile(edits: LineEdit[]): { path: string; bundleFile: string; origin: boolean; edits: FileEdit[] }[] {
  const groups = new Map<string, { path: string; bundleFile: string; origin: boolean; edits: FileEdit[] }>();
  for (const e of edits) {
    const t = liveTarget(e, e.file);
    const g = groups.get(t.path) ?? { path: t.path, bundleFile: e.file, origin: Boolean(e.origin), edits: [] };
    g.edits.push({ line: t.line, before: e.before, after: e.after });
    groups.set(t.path, g);
  }
  return [...groups.values()];
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
