/**
 * Values that many owners hold alike, kept once while any owner holds them: the switches of one
 * model with the same firmware poll the same few hundred OIDs, and a thousand copies of that list
 * cost some 3 MiB of heap; their ports, named alike, are 25,000 small objects. `share` gives back
 * a value equal to the one given, possibly one handed out before. Values are looked up by a hash,
 * so the pool itself holds no copy of them, only a WeakRef each (some 60 bytes with its map
 * entry): a value no owner holds any more goes with the garbage collector, and its entry is swept
 * away once as many values were added since the last sweep as there were entries then.
 *
 * A shared value is frozen (one owner changing it would change it for all): whoever shares a value
 * gives it up, and keeps what comes back.
 */
export class ValuePool<T extends object> {
  /** One WeakRef, or several when hashes collide. */
  private readonly buckets = new Map<number, WeakRef<T> | WeakRef<T>[]>();
  private added = 0;
  private sweepAt = 1024;

  constructor(
    private readonly hash: (value: T) => number,
    private readonly same: (a: T, b: T) => boolean,
  ) {}

  share(value: T): T {
    const hash = this.hash(value);
    const bucket = this.buckets.get(hash);
    const known = this.find(bucket, value);
    if (known !== undefined) return known;
    const kept = Object.freeze(value);
    const ref = new WeakRef<T>(kept);
    if (bucket === undefined) this.buckets.set(hash, ref);
    else if (Array.isArray(bucket)) bucket.push(ref);
    else this.buckets.set(hash, [bucket, ref]);
    if (++this.added >= this.sweepAt) this.sweep();
    return kept;
  }

  private find(bucket: WeakRef<T> | WeakRef<T>[] | undefined, value: T): T | undefined {
    if (bucket === undefined) return undefined;
    for (const ref of Array.isArray(bucket) ? bucket : [bucket]) {
      const v = ref.deref();
      if (v !== undefined && this.same(v, value)) return v;
    }
    return undefined;
  }

  /** Distinct values still held by an owner (for tests and diagnostics: it looks at every one). */
  get size(): number {
    let n = 0;
    for (const bucket of this.buckets.values())
      for (const ref of Array.isArray(bucket) ? bucket : [bucket]) if (ref.deref()) n++;
    return n;
  }

  /** Entries the pool keeps, those of collected values not yet swept away included. */
  get entries(): number {
    let n = 0;
    for (const bucket of this.buckets.values()) n += Array.isArray(bucket) ? bucket.length : 1;
    return n;
  }

  /** Drops the entries of values that were collected. */
  private sweep(): void {
    for (const [hash, bucket] of this.buckets) {
      if (!Array.isArray(bucket)) {
        if (!bucket.deref()) this.buckets.delete(hash);
        continue;
      }
      const alive = bucket.filter((ref) => ref.deref() !== undefined);
      if (alive.length === 0) this.buckets.delete(hash);
      else this.buckets.set(hash, alive.length === 1 ? alive[0]! : alive);
    }
    this.added = 0;
    this.sweepAt = Math.max(1024, this.entries);
  }
}

type Element = string | number;

/** Lists of strings and numbers, equal when they have the same elements (===) in the same order. */
export class ListPool {
  private readonly pool: ValuePool<readonly Element[]>;

  /** `hash`: another hash function (a test's that makes every list collide). */
  constructor(hash: (list: readonly Element[]) => number = hashList) {
    this.pool = new ValuePool(hash, sameList);
  }

  share<T extends Element>(list: readonly T[]): readonly T[] {
    return this.pool.share(list) as readonly T[];
  }

  get size(): number {
    return this.pool.size;
  }
}

function sameList(a: readonly Element[], b: readonly Element[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * FNV-1a over the elements: strings by UTF-16 unit, anything else by its text after a `#` (so "#1"
 * and 1 hash alike; equality, not the hash, tells them apart).
 */
export function hashList(list: readonly (Element | boolean | undefined)[]): number {
  let h = 0x811c9dc5 ^ list.length;
  for (const e of list) {
    const s = typeof e === 'string' ? e : `#${e}`;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x1f, 0x01000193);
  }
  return h >>> 0;
}
