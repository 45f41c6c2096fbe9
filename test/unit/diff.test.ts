import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { applyLineEdits, editOps, lineOps, type FileEdit } from '../../lib/remediations/apply/edit-lines.ts';
import { formatDiff, hunks, planDiff } from '../../lib/report/diff.ts';
import { plan } from '../../lib/remediations/types.ts';

const tmp = mkdtempSync(join(tmpdir(), 'sticky-diff-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FILE = Array.from({ length: 40 }, (_, i) => (i % 10 === 0 ? `backend b${i / 10}` : `    server s${i} 10.0.0.${i}:80 check`)).join('\n');
const EDITS: FileEdit[] = [
  { line: 2, before: 'server s1 10.0.0.1:80 check', after: 'server s1 10.0.0.1:80 cookie s1 check' },
  { line: 2, before: '', after: 'cookie SERVERID insert indirect nocache' },
  { line: 5, before: 'server s4 10.0.0.4:80 check', after: '' },
  { line: 5, before: '', after: 'server s4b 10.0.0.44:80 check' },
  { line: 31, before: '', after: 'option redispatch' },
  { line: 31, before: '', after: 'option persist' },
];

describe('line operations', () => {
  it('number the edited lines the same with or without the file text', () => {
    // Act
    const full = lineOps(FILE, EDITS).filter((o) => o.kind !== ' ').map((o) => [o.kind, o.kind === '+' ? o.new : o.old, o.text.trim()]);
    const sparse = editOps(EDITS).map((o) => [o.kind, o.kind === '+' ? o.new : o.old, o.text.trim()]);
    // Assess
    expect(sparse).toEqual(full);
    expect(full).toEqual([
      ['-', 2, 'server s1 10.0.0.1:80 check'],
      ['+', 2, 'server s1 10.0.0.1:80 cookie s1 check'],
      ['+', 3, 'cookie SERVERID insert indirect nocache'],
      ['-', 5, 'server s4 10.0.0.4:80 check'],
      ['+', 6, 'server s4b 10.0.0.44:80 check'],
      ['+', 33, 'option redispatch'],
      ['+', 34, 'option persist'],
    ]);
  });

  it('make a unified diff that `patch` applies to the collected file to give exactly what apply writes', () => {
    // Prepare
    const file = join(tmp, 'haproxy.cfg');
    writeFileSync(file, `${FILE}\n`);
    const diff = formatDiff([{ path: file, hunks: hunks(lineOps(`${FILE}\n`, EDITS)) }]).join('\n');
    writeFileSync(join(tmp, 'fix.diff'), `${diff}\n`);
    // Act
    execFileSync('patch', ['--silent', '--posix', file, join(tmp, 'fix.diff')]);
    // Assess
    expect(readFileSync(file, 'utf8')).toBe(applyLineEdits(`${FILE}\n`, EDITS));
    expect(diff.split('\n').filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,7 +1,8 @@', '@@ -30,4 +31,6 @@']);
  });

  it('split edits far apart into hunks even without the text, with headers for an empty side', () => {
    // Act
    const sparse = hunks(editOps(EDITS));
    // Assess
    expect(sparse.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([[2, 1, 2, 2], [5, 1, 6, 1], [31, 0, 33, 2]]);
  });

  it('diff a plan without its file as the edited lines alone', () => {
    // Prepare
    const p = plan('haproxy.raise-cookie-lifetime', 'edge.app', {
      title: 't', risk: 'low', change: { before: '', after: '' }, apply: 'a', rollback: 'r',
      target: { instance: 'edge', edits: [{ file: 'haproxy/edge.cfg', line: 7, before: 'cookie S insert maxidle 1m', after: 'cookie S insert maxidle 2h' }] },
    });
    // Act
    const lines = formatDiff(planDiff(p)!);
    // Assess
    expect(lines).toEqual(['--- haproxy/edge.cfg', '+++ haproxy/edge.cfg', '@@ -7 +7 @@', '-cookie S insert maxidle 1m', '+cookie S insert maxidle 2h']);
    expect(planDiff({ ...p, target: { targetGroupArn: 'arn:x' } })).toBeUndefined();
  });
});
