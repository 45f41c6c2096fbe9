import type { LineEdit } from '../config-edit.ts';

const indentOf = (line: string | undefined) => /^\s*/.exec(line ?? '')?.[0] ?? '';

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
 * has), which is what a hunk header needs when one side of it is empty.
 */
export interface LineOp {
  kind: ' ' | '-' | '+';
  old: number;
  new: number;
  text: string;
}

/**
 * Applies line edits to a file's lines and returns every line as an operation: replacements keep
 * the old line's indentation, insertions take the indentation of the block they go into, several
 * insertions after one line keep their order, deletions remove the line. Every edit refers to the
 * original numbering; the operations carry both numberings, so a diff of them shows real line
 * numbers and the text that is actually written.
 */
export function lineOps(text: string, edits: FileEdit[]): LineOp[] {
  const lines = text.split('\n');
  const byLine = new Map<number, FileEdit[]>();
  for (const e of edits) byLine.set(e.line, [...(byLine.get(e.line) ?? []), e]);
  const out: LineOp[] = [];
  let next = 1;
  lines.forEach((current, i) => {
    const n = i + 1;
    const here = byLine.get(n) ?? [];
    const replace = here.find((e) => e.before !== '');
    if (replace) {
      out.push({ kind: '-', old: n, new: next, text: current });
      if (replace.after !== '') out.push({ kind: '+', old: n + 1, new: next++, text: `${indentOf(current)}${replace.after.trim()}` });
    } else out.push({ kind: ' ', old: n, new: next++, text: current });
    const inserts = here.filter((e) => e.before === '');
    if (inserts.length > 0) {
      const following = lines.slice(i + 1).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
      const indent = indentOf(current).length < indentOf(following).length ? indentOf(following) : indentOf(current) || '    ';
      for (const e of inserts) out.push({ kind: '+', old: n + 1, new: next++, text: `${indent}${e.after.trim()}` });
    }
  });
  return out;
}

/**
 * The same operations for the edited lines alone, when the file's text is not at hand (a report
 * rendered without its bundle): numbers in both files are worked out from the edits, texts are
 * the edits' own.
 */
export function editOps(edits: FileEdit[]): LineOp[] {
  const sorted = [...edits].sort((a, b) => a.line - b.line || Number(a.before === '') - Number(b.before === ''));
  const out: LineOp[] = [];
  let shift = 0;
  for (const e of sorted) {
    if (e.before !== '') {
      out.push({ kind: '-', old: e.line, new: e.line + shift, text: e.before });
      if (e.after !== '') out.push({ kind: '+', old: e.line + 1, new: e.line + shift, text: e.after });
      else shift--;
    } else {
      out.push({ kind: '+', old: e.line + 1, new: e.line + shift + 1, text: e.after });
      shift++;
    }
  }
  return out;
}

/** Applies line edits to a file's text (see {@link lineOps}) and returns the new text. */
export function applyLineEdits(text: string, edits: FileEdit[]): string {
  return lineOps(text, edits).filter((o) => o.kind !== '-').map((o) => o.text).join('\n');
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
  const lines = dump.split('\n');
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
