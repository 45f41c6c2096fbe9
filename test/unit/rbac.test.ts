import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { COLLECT_RULES, CONTROLLER_CONFIG_RULE, REMEDIATE_RULES } from '../../lib/providers/kubernetes/permissions.ts';
import { FIXTURES, analyzeFixture, fixtureNames } from '../support/bundles.ts';

const roles = parseAllDocuments(readFileSync(join(FIXTURES, '..', '..', 'infra', 'kubernetes', 'rbac.yaml'), 'utf8')).map((d) => d.toJS());

describe('Kubernetes RBAC', () => {
  it('grants exactly the verbs the collector and the remediations declare', () => {
    // Assess
    expect(roles.map((r) => [r.kind, r.metadata.name, r.rules])).toEqual([
      ['ClusterRole', 'sticky-collect', COLLECT_RULES],
      ['ClusterRole', 'sticky-remediate', REMEDIATE_RULES],
      ['Role', 'sticky-controller-config', [CONTROLLER_CONFIG_RULE]],
    ]);
  });

  it('covers the patch permission of every Kubernetes plan the fixtures produce', async () => {
    // Prepare
    const allowed = new Set(REMEDIATE_RULES.flatMap((r) => r.resources.map((res) => `patch ${res}`)));
    const needed = new Set<string>();
    // Act
    for (const name of fixtureNames().filter((n) => n.startsWith('k8s-'))) {
      for (const p of (await analyzeFixture(name)).remediations) if (p.layer === 'kubernetes') for (const perm of p.permissions) needed.add(perm);
    }
    // Assess
    expect([...needed].filter((p) => !allowed.has(p))).toEqual([]);
    expect(needed.size).toBeGreaterThan(0);
  });
});
