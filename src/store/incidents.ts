import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { HIGH, key, prefixRange, timeKey } from './keys.js';
import type { IncidentRecord, TimelineEntry } from '../incidents/types.js';

/**
 * Incidents (by time-ordered id), the newest incident of each problem key (for folding and
 * reopening), and each incident's timeline under `id!timeKey`.
 */
export class IncidentsStore {
  readonly sub: Sub<IncidentRecord>;
  readonly byKey: Sub<string>;
  readonly timeline: Sub<TimelineEntry>;

  constructor(db: Db) {
    this.sub = sub<IncidentRecord>(db, 'incidents');
    this.byKey = sub<string>(db, 'incident-keys');
    this.timeline = sub<TimelineEntry>(db, 'incident-timeline');
  }

  get(id: string): Promise<IncidentRecord | undefined> {
    return this.sub.get(id);
  }

  async getMany(ids: readonly string[]): Promise<Array<IncidentRecord | undefined>> {
    return ids.length ? this.sub.getMany([...ids]) : [];
  }

  /** The newest incident of a problem key (open or resolved). */
  async latestOf(problemKey: string): Promise<IncidentRecord | undefined> {
    const id = await this.byKey.get(problemKey);
    return id ? this.sub.get(id) : undefined;
  }

  putOp(inc: IncidentRecord): BatchOp {
    return { type: 'put', sublevel: this.sub, key: inc.id, value: inc };
  }

  keyOp(inc: IncidentRecord): BatchOp {
    return { type: 'put', sublevel: this.byKey, key: inc.key, value: inc.id };
  }

  timelineOp(entry: Omit<TimelineEntry, 'key' | 'at'>, nowMs: number): BatchOp {
    const k = key(entry.incidentId, timeKey(nowMs));
    return {
      type: 'put',
      sublevel: this.timeline,
      key: k,
      value: { ...entry, key: k, at: new Date(nowMs).toISOString() },
    };
  }

  /** The newest `limit` lines of an incident's timeline, oldest first. */
  async timelineOf(id: string, limit = 500): Promise<TimelineEntry[]> {
    return (await readAll(this.timeline, { ...prefixRange(id), limit, reverse: true }))
      .map(([, v]) => v)
      .reverse();
  }

  /** Newest first; `before` is an id from the previous page. */
  async *newestFirst(before?: string): AsyncGenerator<IncidentRecord> {
    for await (const [, v] of this.sub.iterator({ lt: before ?? HIGH, reverse: true })) yield v;
  }

  /**
   * Incidents opened in [fromIso, toIso). An id is never earlier than the opening time (ids keep
   * their order across a clock step back), so the scan starts at `fromIso` and filters.
   */
  async *openedBetween(fromIso: string, toIso: string): AsyncGenerator<IncidentRecord> {
    for await (const [, v] of this.sub.iterator({ gte: fromIso }))
      if (v.openedAt >= fromIso && v.openedAt < toIso) yield v;
  }

  /** Incidents whose ids sort before `toIso` (the oldest part of the store, for retention). */
  async *idsBefore(toIso: string): AsyncGenerator<IncidentRecord> {
    for await (const [, v] of this.sub.iterator({ lt: toIso })) yield v;
  }

  async all(): Promise<IncidentRecord[]> {
    return (await readAll(this.sub, {})).map(([, v]) => v);
  }

  /** Deletes a resolved incident with its timeline (retention). */
  async deleteOps(inc: IncidentRecord): Promise<BatchOp[]> {
    const ops: BatchOp[] = [{ type: 'del', sublevel: this.sub, key: inc.id }];
    if ((await this.byKey.get(inc.key)) === inc.id)
      ops.push({ type: 'del', sublevel: this.byKey, key: inc.key });
    for await (const k of this.timeline.keys(prefixRange(inc.id)))
      ops.push({ type: 'del', sublevel: this.timeline, key: k });
    return ops;
  }
}
