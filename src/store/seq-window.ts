/**
 * Sequence numbers handed out before their batch commits. Batches may commit in another order
 * than they took their numbers, so readers are only shown numbers below the lowest one still in
 * flight: a reader never sees 11 while 10 may still appear behind it.
 */
export class SeqWindow {
  private last: number;
  /** First number of each block in flight, with its size. */
  private readonly inFlight = new Map<number, number>();

  constructor(last: number) {
    this.last = last;
  }

  /** Takes `n` consecutive numbers; returns the first. Settle them once the batch is done. */
  take(n: number): number {
    const first = this.last + 1;
    this.last += n;
    this.inFlight.set(first, n);
    return first;
  }

  /**
   * The batch that took the block from `first` committed (ok) or failed. A failed block that is
   * still the newest is handed out again, so a failure leaves no hole in the numbering.
   */
  settle(first: number, ok: boolean): void {
    const n = this.inFlight.get(first);
    if (n === undefined) return;
    this.inFlight.delete(first);
    if (!ok && first + n - 1 === this.last) this.last = first - 1;
  }

  /** Every number up to this one is committed (or failed and will never appear). */
  visibleThrough(): number {
    let low = Infinity;
    for (const first of this.inFlight.keys()) if (first < low) low = first;
    return low === Infinity ? this.last : low - 1;
  }

  /** The newest number handed out. */
  newest(): number {
    return this.last;
  }

  get pending(): number {
    return this.inFlight.size;
  }
}
