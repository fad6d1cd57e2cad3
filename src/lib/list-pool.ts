/**
 * Lists that many owners hold alike, kept once while any owner holds them: the switches of one
 * model with the same firmware poll the same few hundred OIDs, and a thousand copies of that list
 * cost some 3 MiB of heap. `share` gives back a list equal to the one given (same length, same
 * elements by ===), possibly one handed out before. Lists are looked up by a hash of their
 * elements, so the pool itself holds no copy of them; a list no owner holds any more goes with
 * the garbage collector (WeakRef), and its entry with it (FinalizationRegistry).
 *
 * A shared list is frozen: one owner changing it would change it for all.
 */
type Element = string | number;

export class ListPool {
  private readonly buckets = new Map<number, WeakRef<readonly Element[]>[]>();
  private readonly cleanup = new FinalizationRegistry<number>((hash) => this.prune(hash));

  /** `hash`: another hash function (a test's that makes every list collide). */
  constructor(private readonly hash: (list: readonly Element[]) => number = hashOf) {}

  share<T extends Element>(list: readonly T[]): readonly T[] {
    const hash = this.hash(list);
    const bucket = this.buckets.get(hash);
    if (bucket) {
      for (const ref of bucket) {
        const known = ref.deref();
        if (known && sameList(known, list)) return known as readonly T[];
      }
    }
    const kept = Object.isFrozen(list) ? list : Object.freeze([...list]);
    const ref = new WeakRef<readonly Element[]>(kept);
    if (bucket) bucket.push(ref);
    else this.buckets.set(hash, [ref]);
    this.cleanup.register(kept, hash);
    return kept;
  }

  /** Distinct lists held (for tests and diagnostics; collected ones may still count until pruned). */
  get size(): number {
    let n = 0;
    for (const bucket of this.buckets.values()) n += bucket.length;
    return n;
  }

  private prune(hash: number): void {
    const bucket = this.buckets.get(hash);
    if (!bucket) return;
    const alive = bucket.filter((ref) => ref.deref() !== undefined);
    if (alive.length === 0) this.buckets.delete(hash);
    else this.buckets.set(hash, alive);
  }
}

function sameList(a: readonly Element[], b: readonly Element[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** FNV-1a over the elements (strings by UTF-16 unit, numbers by their text), with the types. */
function hashOf(list: readonly Element[]): number {
  let h = 0x811c9dc5 ^ list.length;
  for (const e of list) {
    const s = typeof e === 'number' ? `#${e}` : e;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x1f, 0x01000193);
  }
  return h >>> 0;
}
