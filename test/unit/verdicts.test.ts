import { describe, expect, it } from '@jest/globals';
import { analyze, exitCode } from '../../lib/checks/analyze.ts';
import { parseBundle } from '../../lib/evidence/bundle.ts';
import { readBundle } from '../../lib/evidence/read-bundle.ts';
import { join } from 'node:path';
import { FIXTURES, analyzeFiles } from '../support/bundles.ts';

/** A copy of a fixture bundle's files, with changes. */
async function fixture(name: string, change: Record<string, string>): Promise<Record<string, string>> {
  return { ...Object.fromEntries((await readBundle(join(FIXTURES, name))).files), ...change };
}

describe('what counts as checked', () => {
  it('does not count a layer as checked when one of its files could not be read, though its other files are analyzed', async () => {
    // Prepare
    const files = await fixture('multi-layer-incident', { 'aws/describe-load-balancers.json': '{bad' });
    // Act
    const report = analyzeFiles(files);
    // Assess
    expect([report.verdict, exitCode(report), report.checked.includes('aws'), report.incomplete]).toEqual(['unreadable', 2, false, ['aws']]);
    expect(report.notCheckedReasons.aws).toMatch(/^could not read aws\/describe-load-balancers\.json(:\d+)?: invalid JSON/);
    expect(report.findings.map((f) => f.id)).toContain('elbv2.checkout-tg.deregistration-delay');
  });

  it('takes meta.json at its word: a layer it says could not be collected is not checked, even with files', async () => {
    // Prepare
    const files = await fixture('nginx-healthy', { 'meta.json': JSON.stringify({ collectedAt: '2026-11-25T10:00:00Z', notChecked: { nginx: 'collecting nginx timed out after 10000 ms' } }) });
    // Act
    const report = analyzeFiles(files);
    // Assess
    expect([report.verdict, exitCode(report), report.checked, report.incomplete]).toEqual(['not-checked', 3, [], ['nginx']]);
    expect(report.notCheckedReasons.nginx).toBe('collecting nginx timed out after 10000 ms');
  });

  it('reads the reason older bundles gave for a layer the service never had as no reason at all', async () => {
    // Prepare
    const files = await fixture('nginx-healthy', { 'meta.json': JSON.stringify({ notChecked: { aws: 'no aws section in the catalog entry' } }) });
    // Act
    const report = analyzeFiles(files);
    // Assess
    expect([report.verdict, report.checked, report.incomplete, report.notCheckedReasons.aws]).toEqual(['healthy', ['nginx'], [], 'not part of this service']);
  });

  it.each(['aws/describe-tags.json', 'haproxy/edge1.version'])('reports an undecodable %s as unreadable evidence, like every other file of the layout', async (file) => {
    // Prepare
    const files = new Map(Object.entries(await fixture('multi-layer-incident', {})));
    // Act
    const report = analyze(parseBundle({ files, undecodable: new Map([[file, { line: 1, message: 'not UTF-8 or UTF-16 text' }]]) }));
    // Assess
    expect([report.verdict, report.problems]).toEqual(['unreadable', [{ file, line: 1, message: 'not UTF-8 or UTF-16 text' }]]);
    expect(report.notes.filter((n) => n.includes(file))).toEqual([]);
  });
});
