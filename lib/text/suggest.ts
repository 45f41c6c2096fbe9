/**
 * Edit distance between two strings: insertions, deletions, substitutions and swaps of two
 * neighbouring characters (`yse` → `yes`) cost 1 each (optimal string alignment).
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
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

/** Made on first use: building a collator loads ICU's collation data, ~10 ms of a command's start. */
let collator: Intl.Collator | undefined;

/** Printable ASCII other than digits and letters, in the order the `en` collator sorts them. */
const PUNCTUATION = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$';
const isDigit = (c: number) => c >= 48 && c <= 57;

/** An ASCII character's place in the collator's order (digits between punctuation and letters, case ignored); -1 beyond ASCII. */
function rank(c: number): number {
  if (isDigit(c)) return 100;
  if (c >= 65 && c <= 90) return 200 + c - 65;
  if (c >= 97 && c <= 122) return 200 + c - 97;
  return c < 128 ? PUNCTUATION.indexOf(String.fromCharCode(c)) : -1;
}

/**
 * The collator's answer for ASCII strings without asking it: characters by {@link rank}, runs of
 * digits by their value. Undefined when either string leaves ASCII (then the collator decides).
 */
function asciiCompare(a: string, b: string): number | undefined {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      const [si, sj] = [i, j];
      while (i < a.length && isDigit(a.charCodeAt(i))) i++;
      while (j < b.length && isDigit(b.charCodeAt(j))) j++;
      const x = a.slice(si, i).replace(/^0+/, '');
      const y = b.slice(sj, j).replace(/^0+/, '');
      if (x.length !== y.length) return x.length - y.length;
      if (x !== y) return x < y ? -1 : 1;
      continue;
    }
    const ra = rank(ca);
    const rb = rank(cb);
    if (ra < 0 || rb < 0) return undefined;
    if (ra !== rb) return ra - rb;
    i++;
    j++;
  }
  for (let k = i; k < a.length; k++) if (rank(a.charCodeAt(k)) < 0) return undefined;
  for (let k = j; k < b.length; k++) if (rank(b.charCodeAt(k)) < 0) return undefined;
  return (a.length - i > 0 ? 1 : 0) - (b.length - j > 0 ? 1 : 0);
}

/**
 * Compares strings the way people count: `tg-2` before `tg-10`, case-insensitive first (the `en`
 * collator's order; ASCII names, which are nearly all, are compared without loading it).
 */
export function naturalCompare(a: string, b: string): number {
  const fast = asciiCompare(a, b);
  if (fast === undefined) collator ??= new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  return Math.sign(fast ?? collator!.compare(a, b)) || (a < b ? -1 : a > b ? 1 : 0);
}
