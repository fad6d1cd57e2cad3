/**
 * Deterministic randomness without state: every value is a hash of (seed, what it is for), so a
 * device looks the same however often its MIB is rebuilt and in whatever order values are read.
 */

/** 32-bit FNV-1a of a string. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The finaliser of MurmurHash3: spreads every input bit over the output. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A float in [0, 1) for this seed and these keys. */
export function rand(seed: number, ...keys: (string | number)[]): number {
  return mix((seed ^ hash32(keys.join('\u0000'))) >>> 0) / 4294967296;
}

/** An integer in [min, max] (inclusive) for this seed and these keys. */
export function randInt(
  seed: number,
  min: number,
  max: number,
  ...keys: (string | number)[]
): number {
  return min + Math.floor(rand(seed, ...keys) * (max - min + 1));
}

/** One of the items, chosen by this seed and these keys. */
export function pick<T>(seed: number, items: readonly T[], ...keys: (string | number)[]): T {
  return items[Math.floor(rand(seed, ...keys) * items.length)]!;
}
