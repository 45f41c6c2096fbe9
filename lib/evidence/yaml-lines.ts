import { getScalarValue, load, parseEvents, SCALAR_STYLE_FOLDED_BLOCK, SCALAR_STYLE_LITERAL_BLOCK, type Event } from 'js-yaml';
import { isAlias, isCollection, LineCounter, parseDocument, visit, type Document } from 'yaml';

/** A parsed YAML document that can tell the line of any path in it. */
export interface LocatedYaml {
  value: unknown;
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
}

/**
 * Wraps a `yaml` Document so rules and validation errors can point at `file:line`. The walk
 * falls back to the nearest ancestor that exists, so a missing key still names its parent.
 */
export function locate(doc: Document, counter: LineCounter, base: ReadonlyArray<string | number> = []): LocatedYaml['lineOf'] {
  return (path) => {
    const full = [...base, ...path];
    for (let n = full.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(full.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (node && range && (n === full.length || isCollection(node) || n < full.length)) {
        return counter.linePos(range[0]).line;
      }
    }
    return undefined;
  };
}

/**
 * Turns a parsed document into plain values without letting it run away: a "billion laughs"
 * alias bomb (the `yaml` package refuses to expand more than 100 aliases) or any other
 * conversion error becomes an error at the line of the first alias (or of the document), never
 * an exception out of the parser.
 */
export function toValue(doc: Document, counter: LineCounter): { value: unknown } | { error: { line: number; message: string } } {
  try {
    return { value: doc.toJS() };
  } catch (e) {
    let at = (doc.contents as { range?: number[] } | null)?.range?.[0] ?? 0;
    visit(doc, {
      Alias: (_key, node) => {
        if (!isAlias(node) || !node.range) return undefined;
        at = node.range[0];
        return visit.BREAK;
      },
    });
    const message = /alias/i.test((e as Error).message)
      ? 'refused: more YAML aliases (*name) to expand than any real file needs (an alias bomb?)'
      : `cannot read this YAML: ${(e as Error).message}`;
    return { error: { line: counter.linePos(at).line, message } };
  }
}

/**
 * The careful parse: the `yaml` library, recording every node's position. Syntax errors, and
 * alias bombs, carry their line.
 */
function parseWithPositions(text: string): LocatedYaml & { errors: { line: number; message: string }[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const errors = doc.errors.map((e) => ({ line: counter.linePos(e.pos[0]).line, message: e.message.split('\n')[0] ?? e.message }));
  if (errors.length > 0) return { value: undefined, lineOf: locate(doc, counter), errors };
  const converted = toValue(doc, counter);
  return 'error' in converted
    ? { value: undefined, lineOf: locate(doc, counter), errors: [converted.error] }
    : { value: converted.value, lineOf: locate(doc, counter), errors };
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

/**
 * Whether a text may use YAML aliases (`*name` outside quotes). Such text takes the careful
 * parse, which refuses alias bombs; files as kubectl and people write them have none.
 */
export function mayHaveAliases(text: string): boolean {
  return /(?:^|[\s[{,:-])\*[^\s,[\]{}]/m.test(text);
}

/**
 * Parses one YAML document (YAML 1.2 core schema); `lineOf` tells the line of any path in it.
 * The values are read with js-yaml, several times faster, and lines are found from its event
 * stream only when asked for, which valid input rarely needs. Text with aliases, and text js-yaml
 * refuses, takes the careful parse, so errors carry the same messages and lines as they always
 * have.
 */
export function parseLocatedYaml(text: string): LocatedYaml & { errors: { line: number; message: string }[] } {
  if (!mayHaveAliases(text)) {
    try {
      return { value: load(text), lineOf: documentLines(text)(0), errors: [] };
    } catch {
      // The careful parse below reports the error.
    }
  }
  return parseWithPositions(text);
}
