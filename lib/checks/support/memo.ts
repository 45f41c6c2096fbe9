/**
 * Caches a pure derivation of two objects (a parsed config and the service, say), so the many
 * checks that read the same derived view compute it once per analysis. Entries die with the
 * objects (WeakMap), so nothing outlives a report.
 */
export function memo2<A extends object, B extends object, R>(fn: (a: A, b: B) => R): (a: A, b: B) => R {
  const cache = new WeakMap<A, WeakMap<B, R>>();
  return (a, b) => {
    let inner = cache.get(a);
    if (!inner) cache.set(a, (inner = new WeakMap()));
    if (inner.has(b)) return inner.get(b)!;
    const r = fn(a, b);
    inner.set(b, r);
    return r;
  };
}

/** {@link memo2} for one argument. */
export function memo1<A extends object, R>(fn: (a: A) => R): (a: A) => R {
  const cache = new WeakMap<A, R>();
  return (a) => {
    if (cache.has(a)) return cache.get(a)!;
    const r = fn(a);
    cache.set(a, r);
    return r;
  };
}
