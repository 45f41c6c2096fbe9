import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseKubernetesFile, parseKubernetesFileLocated, type KubeObject } from '../../lib/evidence/kubernetes.ts';
import { FIXTURES, fixtureNames } from '../support/bundles.ts';

/** Every field path of an object, for comparing where each one is said to be. */
function paths(v: unknown, base: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [base];
  return [base, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...base, Array.isArray(v) ? Number(k) : k]))];
}
const view = (objs: KubeObject[]) => objs.map((o) => ({ kind: o.kind, name: o.name, namespace: o.namespace, raw: o.raw, lines: paths(o.raw).map((p) => o.ref(p).line) }));

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

  it('reads every fixture exactly as the located parse does, values and lines', () => {
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
      expect([file, view(parseKubernetesFile(text, file))]).toEqual([file, view(parseKubernetesFileLocated(text, file))]);
    }
  });

  it('counts lines across documents, and leaves a file the fast reader refuses to the located parse', () => {
    // Prepare
    const text = '# objects\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n--- # second\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\nspec: {x: 1, x: 2}\n';
    // Act
    const act = () => parseKubernetesFile(text, 'k.yaml');
    const [a, b] = parseKubernetesFile(text.replace('x: 1, x: 2', 'x: 1'), 'k.yaml');
    // Assess
    expect([a!.ref(['metadata', 'name']).line, b!.ref(['metadata', 'name']).line, b!.ref(['spec', 'x']).line]).toEqual([5, 10, 11]);
    expect(act).toThrow('Map keys must be unique');
  });

  it('rejects an object without metadata.name at its line', () => {
    // Act
    const act = () => parseKubernetesFile('apiVersion: v1\nkind: Service\nmetadata:\n  namespace: shop\n', 'k.yaml');
    // Assess
    expect(act).toThrow('metadata.name: Invalid input: expected string, received undefined');
  });
});
