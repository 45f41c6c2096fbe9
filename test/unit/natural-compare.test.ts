import { describe, expect, it } from '@jest/globals';
import { naturalCompare } from '../../lib/text/suggest.ts';

/** A small deterministic generator, so a failure names the same pair every run. */
function random(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('naturalCompare', () => {
  it('orders ASCII names exactly as the en collator does, without loading it', () => {
    // Prepare
    const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
    const reference = (a: string, b: string) => Math.sign(collator.compare(a, b)) || (a < b ? -1 : a > b ? 1 : 0);
    const chars = ' _-.,:/0123456789aAbBzZ~$#';
    const next = random(15);
    const word = () => Array.from({ length: Math.floor(next() * 7) }, () => chars[Math.floor(next() * chars.length)]).join('');
    const pairs = Array.from({ length: 20_000 }, () => [word(), word()] as const);
    // Act
    const differ = pairs.filter(([a, b]) => naturalCompare(a, b) !== reference(a, b));
    // Assess
    expect(differ).toEqual([]);
    expect(['tg-10', 'tg-2', 'TG-1', 'app10', 'app2', 'app_1'].sort(naturalCompare)).toEqual(['app_1', 'app2', 'app10', 'TG-1', 'tg-2', 'tg-10']);
  });

  it('leaves names beyond ASCII to the collator', () => {
    // Act / Assess
    expect(['zeta', 'éclair', 'apple'].sort(naturalCompare)).toEqual(['apple', 'éclair', 'zeta']);
  });
});
