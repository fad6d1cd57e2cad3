/**
 * A typed array of at least `size` elements with `a`'s contents (`a` itself when it is big
 * enough), new elements set to `fillWith`. It grows by an eighth at a time, not by doubling: the
 * per-device arrays of a thousand devices would be a third empty.
 */
export function grown<T extends Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array>(
  a: T,
  size: number,
  fillWith = 0,
): T {
  if (size <= a.length) return a;
  const n = Math.max(size, a.length + Math.max(8, a.length >> 3));
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  if (fillWith !== 0) b.fill(fillWith, a.length);
  return b;
}
