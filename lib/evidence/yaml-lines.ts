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

/** Parses one YAML document, keeping line positions. Syntax errors, and alias bombs, carry their line. */
export function parseLocatedYaml(text: string): LocatedYaml & { errors: { line: number; message: string }[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const errors = doc.errors.map((e) => ({ line: counter.linePos(e.pos[0]).line, message: e.message.split('\n')[0] ?? e.message }));
  if (errors.length > 0) return { value: undefined, lineOf: locate(doc, counter), errors };
  const converted = toValue(doc, counter);
  return 'error' in converted
    ? { value: undefined, lineOf: locate(doc, counter), errors: [converted.error] }
    : { value: converted.value, lineOf: locate(doc, counter), errors };
}
