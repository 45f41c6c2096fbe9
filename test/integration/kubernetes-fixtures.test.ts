import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import { analyze } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { ServiceSchema } from '../../lib/evidence/service.ts';
import { collect } from '../../lib/providers/collect.ts';
import { kubeconfigDouble, type KubeApiDouble } from '../support/kube-api-double.ts';
import { FIXTURES, fixtureNames } from '../support/bundles.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let cluster: Awaited<ReturnType<typeof kubeconfigDouble>>;
let api: KubeApiDouble;
beforeEach(async () => {
  cluster = await kubeconfigDouble();
  api = cluster.api;
});
afterEach(() => cluster.close());

/** Every object of a fixture's kubernetes/ files (List items unwrapped). */
function objectsOf(fixture: string): Obj[] {
  const folder = join(FIXTURES, fixture, 'kubernetes');
  return readdirSync(folder)
    .flatMap((f) => parseAllDocuments(readFileSync(join(folder, f), 'utf8')).map((d) => d.toJS() as Obj | null))
    .flatMap((o) => (o?.kind === 'List' ? (o.items as Obj[]) : o ? [o] : []));
}

describe('Kubernetes fixtures collected back from the API double', () => {
  it.each(fixtureNames().filter((n) => n.startsWith('k8s-')))('%s: the cluster holds its objects and the collector finds what its expected file lists', async (fixture) => {
    // Prepare
    api.add(...objectsOf(fixture));
    const yaml = parse(readFileSync(join(FIXTURES, fixture, 'service.yaml'), 'utf8')) as Obj;
    const service = ServiceSchema.parse({ ...yaml, kubernetes: { namespace: 'shop', service: 'checkout', ...(yaml.kubernetes ?? {}) } });
    const meta = join(FIXTURES, fixture, 'meta.json');
    const collectedAt = existsSync(meta) ? new Date(JSON.parse(readFileSync(meta, 'utf8')).collectedAt) : new Date();
    const expected = JSON.parse(readFileSync(join(FIXTURES, '..', 'expected', `${fixture}.json`), 'utf8')) as { findings: { id: string; cause: string }[] };
    // Act
    const report = analyze(parseBundle(await collect(service, { layers: ['kubernetes'], now: () => collectedAt })));
    // Assess
    expect(report.notCheckedReasons.kubernetes).toBeUndefined();
    expect(report.findings.map((f) => [f.id, f.cause]).sort()).toEqual(expected.findings.map((f) => [f.id, f.cause]).sort());
    expect(api.refused).toEqual([]);
  });
});
