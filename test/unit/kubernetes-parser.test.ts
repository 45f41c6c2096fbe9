import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { LineCounter, parseAllDocuments } from 'yaml';
import { parseKubernetesFile } from '../../lib/evidence/kubernetes.ts';
import { FIXTURES, fixtureNames } from '../support/bundles.ts';

/**
 * The reference: the \`yaml\` library, which records the position of every node as it parses.
 * Each object with the line of each of its fields, found the way the parser did before it read
 * with js-yaml: the node's own start, or its nearest existing ancestor's.
 */
function reference(text: string) {
  const counter = new LineCounter();
  return parseAllDocuments(text, { lineCounter: counter }).flatMap((doc) => {
    const value = doc.toJS() as { kind?: string; items?: unknown[] } | null;
    if (value === null || value === undefined) return [];
    const lineOf = (path: (string | number)[]) => {
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        const range = (node as { range?: [number] } | undefined)?.range;
        if (node && range) return counter.linePos(range[0]).line;
      }
      return undefined;
    };
    const objects = value.kind?.endsWith('List') && Array.isArray(value.items) ? value.items.map((raw, i) => ({ raw, base: ['items', i] })) : [{ raw: value, base: [] }];
    return objects.map(({ raw, base }) => ({ raw, lines: Object.fromEntries(paths(raw).map((p) => [p.join('.'), lineOf([...base, ...p])])) }));
  });
}

/** Every field path of an object, for comparing where each one is said to be. */
function paths(v: unknown, base: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [base];
  return [base, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...base, Array.isArray(v) ? Number(k) : k]))];
}
const view = (text: string) => parseKubernetesFile(text, 'k.yaml').map((o) => ({ raw: o.raw, lines: Object.fromEntries(paths(o.raw).map((p) => [p.join('.'), o.ref(p).line])) }));

describe('parseKubernetesFile', () => {
  it('reads a kind: List and points at the line of a nested field', () => {
    // Prepare
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata:',
      '    name: checkout',
      '    namespace: shop',
      '  spec:',
      '    sessionAffinity: ClientIP',
    ].join('\n');
    // Act
    const [svc] = parseKubernetesFile(text, 'kubernetes/all.yaml');
    // Assess
    expect([svc!.kind, svc!.name, svc!.namespace]).toEqual(['Service', 'checkout', 'shop']);
    expect(svc!.ref(['spec', 'sessionAffinity'], 'sessionAffinity: ClientIP')).toEqual({ file: 'kubernetes/all.yaml', line: 10, text: 'sessionAffinity: ClientIP' });
  });

  it('reads several --- documents and skips empty ones', () => {
    // Act
    const objs = parseKubernetesFile('---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\n', 'k.yaml');
    // Assess
    expect(objs.map((o) => `${o.kind}/${o.name}`)).toEqual(['Service/a', 'Deployment/b']);
  });

  it('reads every fixture as the yaml library does, values and the line of every field', () => {
    // Prepare
    const files = fixtureNames().flatMap((f) => {
      const dir = join(FIXTURES, f, 'kubernetes');
      try {
        return readdirSync(dir).map((name) => join(dir, name));
      } catch {
        return [];
      }
    });
    expect(files.length).toBeGreaterThan(20);
    // Act / Assess
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect([file, view(text)]).toEqual([file, reference(text)]);
    }
  });

  it('counts lines across documents and names the line of a syntax error', () => {
    // Prepare
    const text = '# objects\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n--- # second\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\nspec: {x: 1, x: 2}\n';
    // Act
    const error = (() => {
      try {
        parseKubernetesFile(text, 'k.yaml');
      } catch (e) {
        return e as { message: string; line: number };
      }
      return undefined;
    })();
    const [a, b] = parseKubernetesFile(text.replace('x: 1, x: 2', 'x: 1'), 'k.yaml');
    // Assess
    expect([a!.ref(['metadata', 'name']).line, b!.ref(['metadata', 'name']).line, b!.ref(['spec', 'x']).line]).toEqual([5, 10, 11]);
    expect([error?.message, error?.line]).toEqual(['Map keys must be unique', 11]);
  });

  it('rejects an object without metadata.name at its line', () => {
    // Act
    const act = () => parseKubernetesFile('apiVersion: v1\nkind: Service\nmetadata:\n  namespace: shop\n', 'k.yaml');
    // Assess
    expect(act).toThrow('metadata.name: Invalid input: expected string, received undefined');
  });

  it('reads an empty annotations or labels key as absent, as the API server does', () => {
    // Act
    const [o] = parseKubernetesFile('apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations:\n  labels:\n', 'k.yaml');
    // Assess
    expect([o!.raw.metadata.annotations, o!.raw.metadata.labels]).toEqual([undefined, undefined]);
  });
});

