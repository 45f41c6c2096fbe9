import type { Report } from '../checks/analyze.ts';
import type { Severity } from '../checks/types.ts';

/** `1 critical, 2 warnings, 1 info`: the counts of each severity present, worst first. */
export function severityCounts(r: Report): { severity: Severity; text: string }[] {
  return (['critical', 'warning', 'info'] as const)
    .map((s) => ({ severity: s, n: r.findings.filter((f) => f.severity === s).length }))
    .filter((c) => c.n > 0)
    .map((c) => ({ severity: c.severity, text: `${c.n} ${c.severity}${c.n > 1 && c.severity === 'warning' ? 's' : ''}` }));
}

/** What a partial check could not see: the named layers not checked, then the instances of checked layers (`edge1@i-0abc`). */
export function missingParts(r: Report): string[] {
  const instances = Object.keys(r.notCheckedReasons).filter((k) => k.includes('/')).sort().map((k) => k.slice(k.indexOf('/') + 1));
  return [...r.incomplete, ...instances];
}
