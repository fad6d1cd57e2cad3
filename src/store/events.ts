import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { HIGH, timeKey } from './keys.js';
import type { EventRecord } from './types.js';

/** Events (new device, device missing, …), newest last; the incidents feature consumes them. */
export class EventsStore {
  readonly sub: Sub<EventRecord>;
  /**
   * Keys of events the incident service has not folded in yet, written in the same batch as the
   * event: it consumes them in its own batches, so a crash in between loses and repeats nothing.
   */
  readonly inbox: Sub<string>;
  constructor(db: Db) {
    this.sub = sub<EventRecord>(db, 'events');
    this.inbox = sub<string>(db, 'event-inbox');
  }
  /** The event and its inbox entry (one batch with the change that caused it). */
  appendOps(e: Omit<EventRecord, 'key' | 'at'>, nowMs: number): BatchOp[] {
    const k = timeKey(nowMs);
    return [
      {
        type: 'put',
        sublevel: this.sub,
        key: k,
        value: { ...e, key: k, at: new Date(nowMs).toISOString() },
      },
      { type: 'put', sublevel: this.inbox, key: k, value: k },
    ];
  }
  /** The oldest unprocessed events, at most `limit` (a missing event is skipped with its entry). */
  async pending(limit: number): Promise<Array<{ inboxKey: string; event?: EventRecord }>> {
    const keys: string[] = [];
    for await (const k of this.inbox.keys({ limit })) keys.push(k);
    const events = await this.sub.getMany(keys);
    return keys.map((k, i) => ({ inboxKey: k, ...(events[i] ? { event: events[i] } : {}) }));
  }
  doneOp(inboxKey: string): BatchOp {
    return { type: 'del', sublevel: this.inbox, key: inboxKey };
  }
  async get(key: string): Promise<EventRecord | undefined> {
    return this.sub.get(key);
  }
  /** Keys of events older than the cutoff (ISO time), oldest first, at most `limit`. */
  async keysBefore(cutoffIso: string, limit: number): Promise<string[]> {
    const keys: string[] = [];
    for await (const k of this.sub.keys({ lt: cutoffIso, limit })) keys.push(k);
    return keys;
  }
  delOp(key: string): BatchOp {
    return { type: 'del', sublevel: this.sub, key };
  }
  async page(limit: number, before?: string): Promise<EventRecord[]> {
    return (await readAll(this.sub, { lt: before ?? HIGH, limit, reverse: true })).map(
      ([, e]) => e,
    );
  }

  /**
   * Newest first, filtered; stops after `maxScan` entries so that a rare filter cannot make one
   * request read years of events. `next` is the cursor for the following page.
   */
  async query(q: {
    deviceId?: string;
    kinds?: readonly string[];
    minSeverity?: number;
    severityRank?: (s: EventRecord['severity']) => number;
    before?: string;
    limit: number;
    maxScan?: number;
  }): Promise<{ items: EventRecord[]; next?: string }> {
    const items: EventRecord[] = [];
    let scanned = 0;
    const maxScan = q.maxScan ?? 20_000;
    for await (const [k, e] of this.sub.iterator({ lt: q.before ?? HIGH, reverse: true })) {
      scanned += 1;
      const match =
        (!q.deviceId || e.deviceId === q.deviceId) &&
        (!q.kinds?.length || q.kinds.includes(e.kind)) &&
        (q.minSeverity === undefined ||
          !q.severityRank ||
          q.severityRank(e.severity) >= q.minSeverity);
      if (match) items.push(e);
      // `next` is the last key examined: the following page starts just below it.
      if (items.length >= q.limit || scanned >= maxScan) return { items, next: k };
    }
    return { items };
  }
}
