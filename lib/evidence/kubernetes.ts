import { load } from 'js-yaml';
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { z } from 'zod';
import { EvidenceParseError } from './errors.ts';
import { locate, type LocatedYaml } from './yaml-lines.ts';
import type { SourceRef } from './source.ts';

/** The minimum every Kubernetes object in a bundle must have. */
export const KubeObjectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
});

/** A Kubernetes object as `kubectl get -o yaml` prints it, with a line finder for evidence. */
export interface KubeObject {
  kind: string;
  name: string;
  namespace: string | undefined;
  /** The object itself (loosely typed: rules read the fields they need). */
  raw: Record<string, unknown> & z.infer<typeof KubeObjectSchema>;
  file: string;
  ref(path: ReadonlyArray<string | number>, text?: string): SourceRef;
}

/**
 * Parses one `kubernetes/*.yaml` file: a single object, several `---` documents or a `kind: List`
 * (as `kubectl get -o yaml` prints several objects). Each object is validated and keeps its line
 * positions. Values are read with js-yaml, about ten times faster than a parse that records where
 * every node is; the line of a field is found only when a finding cites it, by parsing that one
 * document again with positions. A file the fast reader refuses (a syntax error, a directive) is
 * parsed the located way, so every error names its line exactly as before.
 */
export function parseKubernetesFile(text: string, file: string): KubeObject[] {
  return readFast(text, file) ?? parseKubernetesFileLocated(text, file);
}

/** One document of a multi-document stream: its text and the line it starts on (1-based). */
interface Chunk {
  text: string;
  line: number;
}

/** Splits a stream at its `---` lines (a document marker at column 0 always starts a new document); undefined for streams with directives or `...` ends. */
function documents(text: string): Chunk[] | undefined {
  const chunks: Chunk[] = [];
  let start = 0;
  let line = 1;
  let startLine = 1;
  for (let at = 0; at <= text.length; line++) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    const first = text.charCodeAt(at);
    if (first === 0x25 /* % */ || (first === 0x2e /* . */ && /^\.\.\.(?:[ \t\r]|$)/.test(text.slice(at, end)))) return undefined;
    if (first === 0x2d /* - */ && at > start && /^---(?:[ \t\r]|$)/.test(text.slice(at, end))) {
      chunks.push({ text: text.slice(start, at), line: startLine });
      start = at;
      startLine = line;
    }
    if (nl < 0) break;
    at = nl + 1;
  }
  chunks.push({ text: text.slice(start), line: startLine });
  return chunks;
}

function readFast(text: string, file: string): KubeObject[] | undefined {
  const chunks = documents(text);
  if (!chunks) return undefined;
  const out: KubeObject[] = [];
  for (const chunk of chunks) {
    let value: unknown;
    try {
      value = load(chunk.text);
    } catch {
      return undefined;
    }
    if (value === null || value === undefined) continue;
    let located: LocatedYaml['lineOf'] | undefined;
    const lineOf: LocatedYaml['lineOf'] = (path) => {
      if (!located) {
        const counter = new LineCounter();
        const inner = locate(parseDocument(chunk.text, { lineCounter: counter, prettyErrors: false }), counter);
        located = (p) => {
          const l = inner(p);
          return l === undefined ? undefined : l + chunk.line - 1;
        };
      }
      return located(path);
    };
    collectObjects(value, lineOf, file, out);
  }
  return out;
}

/**
 * The located way: every node's position recorded while parsing, exact errors with lines. The
 * reference the fast reader is tested against.
 */
export function parseKubernetesFileLocated(text: string, file: string): KubeObject[] {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false });
  if (!Array.isArray(docs)) throw new EvidenceParseError('not a YAML stream');
  const out: KubeObject[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) throw new EvidenceParseError(err.message.split('\n')[0] ?? err.message, counter.linePos(err.pos[0]).line);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    collectObjects(value, locate(doc, counter), file, out);
  }
  return out;
}

/** Validates the object (or every item of a `kind: List`) of one document and adds it to `out`. */
function collectObjects(value: unknown, lineOf: LocatedYaml['lineOf'], file: string, out: KubeObject[]): void {
  const add = (obj: unknown, base: (string | number)[]) => {
    const parsed = KubeObjectSchema.safeParse(obj);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = [...base, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
      throw new EvidenceParseError(`${path.join('.') || 'object'}: ${issue.message}`, lineOf(path));
    }
    const raw = parsed.data as KubeObject['raw'];
    out.push({
      kind: raw.kind, name: raw.metadata.name, namespace: raw.metadata.namespace, raw, file,
      ref: (path, text) => {
        const line = lineOf([...base, ...path]);
        return { file, ...(line !== undefined ? { line } : {}), text: text ?? path.join('.') };
      },
    });
  };
  const v = value as { kind?: unknown; items?: unknown };
  if (v.kind === 'List' || (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items))) {
    (Array.isArray(v.items) ? v.items : []).forEach((item, i) => add(item, ['items', i]));
  } else {
    add(value, []);
  }
}

/** Reads a nested field from a loosely typed object: `get(obj, 'spec', 'template', 'spec')`. */
export function get(obj: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/** Reads a nested field as an array (empty when absent or not an array). */
export function list(obj: unknown, ...path: (string | number)[]): unknown[] {
  const v = get(obj, ...path);
  return Array.isArray(v) ? v : [];
}
