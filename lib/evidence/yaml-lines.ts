import { getScalarValue, load, parseEvents, SCALAR_STYLE_FOLDED_BLOCK, SCALAR_STYLE_LITERAL_BLOCK, YAMLException, type Event } from 'js-yaml';

/** A parsed YAML document that can tell the line of any path in it. */
export interface LocatedYaml {
  value: unknown;
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
}

/** Where a node of a YAML document starts (a source offset), with its children by key or index. */
interface Position {
  start: number;
  keys?: Map<string, Position>;
  items?: Position[];
}

// js-yaml's event kinds (EVENT_ID): document, sequence, mapping, scalar, alias, end of a collection or document.
const DOCUMENT = 1;
const SEQUENCE = 2;
const MAPPING = 3;
const SCALAR = 4;
const ALIAS = 5;

/**
 * The position tree of every document in a YAML text, from js-yaml's event stream (each event
 * carries its source offset): a collection starts where its first entry (or its bracket) does, a
 * scalar where its value does (a block scalar at its `|` or `>`). Only scalar keys are indexed; a key given twice keeps its first
 * value, as parsers refuse such documents anyway.
 */
function positionTrees(text: string): (Position | undefined)[] {
  const docs: (Position | undefined)[] = [];
  let root: Position | undefined;
  let stack: { node: Position; key: string | null | undefined; asKey: boolean }[] = [];
  /** Places a node under the open collection; true when it is a mapping key (not a value). */
  const place = (node: Position, keyText: string | null): boolean => {
    const top = stack[stack.length - 1];
    if (!top) {
      root = node;
      return false;
    }
    if (top.node.items) {
      top.node.items.push(node);
      return false;
    }
    if (top.key === undefined) {
      top.key = keyText;
      return true;
    }
    if (top.key !== null && !top.node.keys!.has(top.key)) top.node.keys!.set(top.key, node);
    top.key = undefined;
    return false;
  };
  for (const e of parseEvents(text, {}) as Event[]) {
    if (e.type === DOCUMENT) {
      root = undefined;
      stack = [];
    } else if (e.type === MAPPING || e.type === SEQUENCE) {
      const node: Position = e.type === MAPPING ? { start: e.start, keys: new Map() } : { start: e.start, items: [] };
      const asKey = place(node, null);
      stack.push({ node, key: undefined, asKey });
    } else if (e.type === SCALAR) {
      // A block scalar (`|`, `>`) starts at its indicator, on the line of its key, not at its text.
      const block = e.style === SCALAR_STYLE_LITERAL_BLOCK || e.style === SCALAR_STYLE_FOLDED_BLOCK;
      const start = block ? Math.max(text.lastIndexOf('|', e.valueStart), text.lastIndexOf('>', e.valueStart)) : e.valueStart;
      place({ start: start >= 0 ? start : e.valueStart }, getScalarValue(text, e));
    } else if (e.type === ALIAS) {
      place({ start: e.anchorStart }, null);
    } else if (stack.length > 0) {
      const closed = stack.pop()!;
      const parent = stack[stack.length - 1];
      // A collection used as a mapping key: its contents are not addressable by path.
      if (closed.asKey && parent) parent.key = null;
    } else {
      docs.push(root);
    }
  }
  return docs;
}

/** Offsets of each line's start, to turn a source offset into a 1-based line. */
function lineFinder(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/**
 * Line finders for every document of a YAML text, built on first use: the line of a path is the
 * line where its node starts, or where its nearest existing ancestor does, so a missing key still
 * names its parent. Valid input rarely needs one (a finding's evidence, a validation error), so
 * reading the values never pays for it.
 */
export function documentLines(text: string): (doc: number) => LocatedYaml['lineOf'] {
  let trees: (Position | undefined)[] | undefined;
  let lineAt: ((offset: number) => number) | undefined;
  return (doc) => (path) => {
    trees ??= positionTrees(text);
    lineAt ??= lineFinder(text);
    const root = trees[doc];
    if (!root) return undefined;
    let node: Position = root;
    for (const p of path) {
      const next: Position | undefined = node.keys?.get(String(p)) ?? (typeof p === 'number' ? node.items?.[p] : undefined);
      if (!next) break;
      node = next;
    }
    return lineAt(node.start);
  };
}

/** A js-yaml error as this project reports it: the reason, and the 1-based line when known. */
export function yamlError(e: unknown): { line: number; message: string } {
  if (e instanceof YAMLException) return { line: (e.mark?.line ?? 0) + 1, message: e.reason };
  return { line: 1, message: (e as Error).message };
}

/**
 * Parses one YAML document (YAML 1.2 core schema, with js-yaml); `lineOf` tells the line of any
 * path in it. Syntax errors come back with their line instead of being thrown.
 */
export function parseLocatedYaml(text: string): LocatedYaml & { errors: { line: number; message: string }[] } {
  try {
    return { value: load(text), lineOf: documentLines(text)(0), errors: [] };
  } catch (e) {
    return { value: undefined, lineOf: () => undefined, errors: [yamlError(e)] };
  }
}
