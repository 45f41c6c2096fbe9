import { isCollection, LineCounter, parseDocument, type Document } from 'yaml';

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

/** Parses one YAML document, keeping line positions. Syntax errors carry their line. */
export function parseLocatedYaml(text: string): LocatedYaml & { errors: { line: number; message: string }[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const errors = doc.errors.map((e) => ({ line: counter.linePos(e.pos[0]).line, message: e.message.split('\n')[0] ?? e.message }));
  return { value: doc.toJS(), lineOf: locate(doc, counter), errors };
}
