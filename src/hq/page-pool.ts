import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';

const gzip = promisify(gzipCb);

/**
 * The buffers /metrics pages are written into, reused. A 1,000-device page is some 15 MB; a fresh
 * buffer per scrape is external memory that makes V8 run full collections (two a scrape with the
 * box's small heap settings) and leaves the process' RSS high after a burst of scrapes. A page's
 * buffer comes back only once the page has been replaced and nobody sends or compresses it any
 * more (see Page), so a page on its way to a slow client is never overwritten.
 */
export class PagePool {
  private readonly free: Buffer[] = [];

  /** One free buffer is enough when scrapes come one at a time: the page being served is the other. */
  constructor(private readonly keep = 1) {}

  /**
   * A buffer of at least `bytes` (its contents are garbage: write before reading). New ones get
   * a quarter more, so that the next page, a few bytes longer, still fits in them.
   */
  take(bytes: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= bytes);
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    return Buffer.allocUnsafe(Math.ceil(bytes * 1.25));
  }

  give(buf: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buf);
  }
}

/** One built /metrics page, shared by every request that gets it. */
export class Page {
  private senders = 0;
  private retired = false;
  private returned = false;
  private compressed: Promise<Buffer> | undefined;

  constructor(
    /** The page's bytes (a view into `buffer`). */
    readonly body: Buffer,
    /** Milliseconds the page took to build (sent as Server-Timing). */
    readonly buildMs: number,
    private readonly buffer: Buffer,
    private readonly pool: PagePool,
  ) {}

  /**
   * Marks the page as being sent; call the returned function once the response is done. A
   * request that cannot tell when it is done simply never releases: its buffer is then left to
   * the garbage collector instead of the pool.
   */
  hold(): () => void {
    this.senders += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.senders -= 1;
      this.recycle();
    };
  }

  /** No new request will get this page; its buffer returns once the last sender is done. */
  retire(): void {
    this.retired = true;
    // After the current turn: a request that got the page a moment ago holds it first.
    setImmediate(() => this.recycle());
  }

  /** The page gzip-compressed (once, on first request; the page is held meanwhile). */
  gzipped(): Promise<Buffer> {
    if (!this.compressed) {
      const release = this.hold();
      this.compressed = gzip(this.body, { level: 1 }).finally(release);
    }
    return this.compressed;
  }

  private recycle(): void {
    if (!this.retired || this.senders > 0 || this.returned) return;
    this.returned = true;
    this.pool.give(this.buffer);
  }
}
