/** Levenshtein distance between two strings (insertions, deletions and substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidates closest to a mistyped name, best first: an edit distance of at most a third of
 * its length (1 to 3; a shared prefix counts 2 less), so `chek` finds `check` and `haproxy-cookie`
 * finds `haproxy-cookie-ttl`, while `fish` does not suggest `bash`.
 * Used wherever a person types a name: commands, options, services, lab scenarios.
 */
export function closest(candidates: Iterable<string>, name: string, max = 3): string[] {
  const typed = name.toLowerCase();
  return [...new Set(candidates)]
    .map((n) => {
      const c = n.toLowerCase();
      return { n, d: editDistance(c, typed) - (typed.length > 1 && (c.startsWith(typed) || typed.startsWith(c)) ? 2 : 0) };
    })
    .filter((x) => x.d <= Math.min(3, Math.max(1, Math.floor(name.length / 3))))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, max)
    .map((x) => x.n);
}

/** `; did you mean a, b?` for a message, or nothing when no candidate is close. */
export function didYouMean(candidates: Iterable<string>, name: string): string {
  const close = closest(candidates, name);
  return close.length ? `; did you mean ${close.join(', ')}?` : '';
}

/** Compares strings the way people count: `tg-2` before `tg-10`, case-insensitive first. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);
}
