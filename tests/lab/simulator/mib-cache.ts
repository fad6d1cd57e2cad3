/**
 * Which agents hold a built MIB tree. net-snmp's tree costs about 1 MB for a 48-port switch, so
 * 500 built trees would be half a gigabyte; the simulator builds a tree when a request arrives
 * and keeps only the most recently used ones (least recently used is dropped). A dropped tree
 * loses nothing: every value is a function of the device model and the clock.
 */
export class MibCache {
  private readonly resident = new Map<object, () => void>();
  private built = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`residentMibs must be a positive integer, not ${capacity}`);
    }
  }

  /** Marks `key` as just used, building its tree first if it has none; evicts the oldest. */
  touch(key: object, build: () => void, evict: () => void): void {
    if (this.resident.has(key)) {
      const ev = this.resident.get(key)!;
      this.resident.delete(key);
      this.resident.set(key, ev);
      return;
    }
    build();
    this.built++;
    this.resident.set(key, evict);
    while (this.resident.size > this.capacity) {
      const [oldest, drop] = this.resident.entries().next().value as [object, () => void];
      this.resident.delete(oldest);
      drop();
    }
  }

  forget(key: object): void {
    const drop = this.resident.get(key);
    this.resident.delete(key);
    drop?.();
  }

  get size(): number {
    return this.resident.size;
  }

  /** Trees built so far (a rebuild after eviction counts again). */
  get builds(): number {
    return this.built;
  }
}
