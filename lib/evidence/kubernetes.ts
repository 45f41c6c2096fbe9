import { loadAll } from 'js-yaml';
import { LineCounter, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { EvidenceParseError } from './errors.ts';
import { documentLines, locate, mayHaveAliases, toValue, type LocatedYaml } from './yaml-lines.ts';
import type { SourceRef } from './source.ts';

/** An empty YAML key (`annotations:` with nothing under it) reads as null; the API server takes it as absent, and so do we. */
const emptyIsAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null ? undefined : v), schema);

/** The minimum every Kubernetes object in a bundle must have. */
export const KubeObjectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    annotations: emptyIsAbsent(z.record(z.string(), z.string()).optional()),
    labels: emptyIsAbsent(z.record(z.string(), z.string()).optional()),
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
 * positions. Values are read with js-yaml (YAML 1.2 core schema, several times faster); where each
 * field sits is worked out only when a finding or an error cites it, from the same parser's event
 * stream, so reading thousands of objects does not pay for locating every node. A file with
 * aliases, or one js-yaml refuses, takes the careful parse, which refuses alias bombs and names
 * every error as before.
 */
export function parseKubernetesFile(text: string, file: string): KubeObject[] {
  if (!mayHaveAliases(text)) {
    let docs: unknown[] | undefined;
    try {
      docs = loadAll(text);
    } catch {
      docs = undefined;
    }
    if (docs) {
      const lines = documentLines(text);
      const out: KubeObject[] = [];
      docs.forEach((value, i) => {
        if (value !== null && value !== undefined) collectObjects(value, lines(i), file, out);
      });
      return out;
    }
  }
  return parseCarefully(text, file);
}

/** The careful parse: the `yaml` library, recording every node's position; alias bombs refused. */
function parseCarefully(text: string, file: string): KubeObject[] {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false });
  if (!Array.isArray(docs)) throw new EvidenceParseError('not a YAML stream');
  const out: KubeObject[] = [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) throw new EvidenceParseError(err.message.split('\n')[0] ?? err.message, counter.linePos(err.pos[0]).line);
    const converted = toValue(doc, counter);
    if ('error' in converted) throw new EvidenceParseError(converted.error.message, converted.error.line);
    const value = converted.value;
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
