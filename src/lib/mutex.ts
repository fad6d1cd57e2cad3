const noop = () => undefined;

/** Serialises async critical sections (check-then-write sequences on the store). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    // The tail settles with nothing: it is kept until the next run, and must not keep this
    // run's result (a poll cycle's observations, say) alive until then.
    this.tail = result.then(noop, noop);
    return result;
  }
}
