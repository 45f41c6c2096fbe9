import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCode, type Report } from '../../lib/checks/analyze.ts';
import { CAUSES, type Cause } from '../../lib/checks/types.ts';
import { ReportJsonSchema, toJson } from '../../lib/report/json.ts';
import { FIXTURES, analyzeFixture, fixtureNames } from '../support/bundles.ts';

/**
 * The exact findings each fixture bundle must produce, one file per fixture in test/expected:
 * `{ exit, findings: [{ id, cause, severity, resource }] }` (an empty list: healthy). Run with
 * STICKY_UPDATE_EXPECTED=1 to rewrite them from the analyzer, then review the diff like code.
 */
const EXPECTED_DIR = join(FIXTURES, '..', 'expected');
interface Expected {
  exit: number;
  findings: { id: string; cause: Cause; severity: string; resource: string }[];
}
const expectedOf = (name: string): Expected => JSON.parse(readFileSync(join(EXPECTED_DIR, `${name}.json`), 'utf8')) as Expected;
const EXPECTED: Record<string, Cause[]> = Object.fromEntries(
  readdirSync(EXPECTED_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort()
    .map((name) => [name, [...new Set(expectedOf(name).findings.map((f) => f.cause))].sort()]),
);

function summarize(report: Report): Expected {
  return {
    exit: exitCode(report),
    findings: report.findings.map((f) => ({ id: f.id, cause: f.cause, severity: f.severity, resource: f.resource })).sort((a, b) => a.id.localeCompare(b.id)),
  };
}

function writeExpected(name: string, e: Expected): void {
  const body = e.findings.length ? `[\n${e.findings.map((f) => `    ${JSON.stringify(f)}`).join(',\n')}\n  ]` : '[]';
  writeFileSync(join(EXPECTED_DIR, `${name}.json`), `{\n  "exit": ${e.exit},\n  "findings": ${body}\n}\n`);
}

describe('fixture bundles', () => {
  it('has an expectation for every fixture folder and at least 40 of them', () => {
    // Prepare / Act
    const names = fixtureNames();
    // Assess
    expect(names).toEqual(Object.keys(EXPECTED).sort());
    expect(names.length).toBeGreaterThanOrEqual(40);
  });

  it.each(Object.keys(EXPECTED))('%s yields exactly its findings and exit code', async (name) => {
    // Act
    const got = summarize(await analyzeFixture(name));
    if (process.env.STICKY_UPDATE_EXPECTED === '1') writeExpected(name, got);
    // Assess
    expect(got).toEqual(expectedOf(name));
  });

  it.each(Object.keys(EXPECTED))('%s renders JSON that matches the contract schema', async (name) => {
    // Act
    const json = toJson(await analyzeFixture(name));
    // Assess
    const parsed = ReportJsonSchema.safeParse(JSON.parse(JSON.stringify(json)));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    for (const f of json.findings) if (f.remediation) expect(json.remediations.map((r) => r.id)).toContain(f.remediation);
    expect(new Set(json.findings.map((f) => f.id)).size).toBe(json.findings.length);
  });

  it('produces every cause code of CAUSES.md from some fixture', () => {
    // Prepare
    const produced = new Set(Object.values(EXPECTED).flat());
    // Assess
    expect([...CAUSES].filter((c) => !produced.has(c))).toEqual([]);
  });

  it.each(Object.entries(EXPECTED).filter(([n, c]) => c.length === 0 && !n.startsWith('mixed')).map(([n]) => n))('%s exits 0 with no warning or critical finding', async (name) => {
    // Act
    const report = await analyzeFixture(name);
    // Assess
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(exitCode(report)).toBe(0);
  });
});

describe('plans', () => {
  it.each(Object.keys(EXPECTED))('%s: every finding points at a plan of the report', async (name) => {
    // Act
    const report = await analyzeFixture(name);
    // Assess
    const ids = new Set(report.remediations.map((p) => p.id));
    expect(report.findings.filter((f) => !f.remediation || !ids.has(f.remediation)).map((f) => f.id)).toEqual([]);
    expect(report.remediations.every((p) => report.findings.some((f) => f.remediation === p.id))).toBe(true);
  });
});

describe('example incidents (npm start)', () => {
  it.each([
    ['blue-green-alb', ['group-stickiness-missing']],
    ['cart-logouts-kubernetes', ['cookie-not-set']],
    ['checkout-incident', ['affinity-ttl-short', 'draining-missing', 'rolling-deploy-termination']],
    ['healthy-nginx', []],
  ])('examples/%s shows %j', async (name, causes) => {
    // Act
    const { analyze } = await import('../../lib/checks/analyze.ts');
    const { parseBundle } = await import('../../lib/evidence/bundle.ts');
    const { readBundle } = await import('../../lib/evidence/read-bundle.ts');
    const { join } = await import('node:path');
    const report = analyze(parseBundle(await readBundle(join(FIXTURES, '..', '..', 'examples', name))));
    // Assess
    expect([...new Set(report.findings.map((f) => f.cause))].sort()).toEqual(causes);
  });
});
