import { describe, expect, it } from '@jest/globals';
import { parseKubernetesFile } from '../../lib/evidence/kubernetes.ts';

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

