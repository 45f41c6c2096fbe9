import type { LineEdit } from '../remediations/config-edit.ts';
import { dumpSection, editOps, editsByFile, lineOps, type LineOp } from '../remediations/apply/edit-lines.ts';
import type { Plan } from '../remediations/types.ts';

/** One hunk of a unified diff: its header numbers and its lines. */
export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  ops: LineOp[];
}

/** The diff of one file a plan edits, named as a person opens it. */
export interface FileDiff {
  path: string;
  hunks: Hunk[];
}

function hunkOf(ops: LineOp[]): Hunk {
  const olds = ops.filter((o) => o.kind !== '+');
  const news = ops.filter((o) => o.kind !== '-');
  const first = ops[0]!;
  return {
    oldStart: olds.length ? olds[0]!.old : first.old - 1,
    oldLines: olds.length,
    newStart: news.length ? news[0]!.new : first.new - 1,
    newLines: news.length,
    ops,
  };
}

/**
 * Splits line operations into hunks with `context` unchanged lines around each change; operations
 * that are not next to each other in the file (edited lines alone, without the text) split too.
 */
export function hunks(ops: LineOp[], context = 2): Hunk[] {
  const keep = new Set<number>();
  ops.forEach((o, i) => {
    if (o.kind === ' ') return;
    for (let j = Math.max(0, i - context); j <= Math.min(ops.length - 1, i + context); j++) keep.add(j);
  });
  const out: Hunk[] = [];
  let current: LineOp[] = [];
  let last = -2;
  for (const i of [...keep].sort((a, b) => a - b)) {
    const prev = ops[last];
    const adjacent = i === last + 1 && prev !== undefined && ops[i]!.old <= (prev.kind === '+' ? prev.old - 1 : prev.old) + 1;
    if (current.length && !adjacent) {
      out.push(hunkOf(current));
      current = [];
    }
    current.push(ops[i]!);
    last = i;
  }
  if (current.length) out.push(hunkOf(current));
  return out;
}

/**
 * The unified diff of a config-edit plan against the collected files: each file named as a
 * person opens it (the original file of an `nginx -T` section, else the bundle's copy of the
 * config), real line numbers on both sides, and the exact text that will be written, with
 * indentation. Without the file's text (`files` absent) only the edited lines are shown.
 * Undefined for plans that do not edit files.
 */
export function planDiff(plan: Plan, files?: ReadonlyMap<string, string>, context = 2): FileDiff[] | undefined {
  const edits = plan.target.edits as LineEdit[] | undefined;
  if (!Array.isArray(edits) || edits.length === 0) return undefined;
  return editsByFile(edits).map((g) => {
    const bundled = files?.get(g.bundleFile);
    const text = bundled === undefined ? undefined : g.origin ? dumpSection(bundled, g.path) : bundled;
    const ops = text === undefined ? editOps(g.edits) : lineOps(text, g.edits);
    return { path: g.path, hunks: hunks(ops, context) };
  });
}

const range = (start: number, lines: number) => (lines === 1 ? `${start}` : `${start},${lines}`);

/** A file diff as unified-diff lines: `--- a`, `+++ b`, `@@ -l,n +l,n @@`, then ` `/`-`/`+` lines. */
export function formatDiff(diff: FileDiff[]): string[] {
  return diff.flatMap((f) => [
    `--- ${f.path}`,
    `+++ ${f.path}`,
    ...f.hunks.flatMap((h) => [`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.ops.map((o) => `${o.kind}${o.text}`)]),
  ]);
}
