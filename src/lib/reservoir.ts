import { randomInt } from 'node:crypto';

/**
 * A uniform sample of a stream of unknown length (Li's algorithm L: O(k log(n/k)) random draws,
 * not one per item). `take()` says whether the next item is kept; only then is it made and
 * handed to `put()`, so the items passed over cost nothing.
 */
export class Reservoir<T> {
  readonly items: T[] = [];
  private seen = 0;
  private next = 0;
  private w = 1;
  private slot = -1;

  constructor(private readonly k: number) {}

  take(): boolean {
    if (this.k <= 0) return false;
    this.seen++;
    if (this.seen <= this.k) {
      this.slot = this.seen - 1;
      return true;
    }
    if (this.seen !== this.next) return false;
    this.slot = randomInt(this.k);
    return true;
  }

  put(item: T): void {
    this.items[this.slot] = item;
    if (this.seen >= this.k) {
      this.w *= Math.exp(Math.log(uniform()) / this.k);
      this.next = this.seen + Math.floor(Math.log(uniform()) / Math.log(1 - this.w)) + 1;
    }
  }
}

/** A uniform number in (0, 1) from the CSPRNG: which files get verified is not predictable. */
function uniform(): number {
  return (randomInt(2 ** 47) + 1) / (2 ** 47 + 2);
}
