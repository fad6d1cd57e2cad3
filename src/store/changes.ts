import { randomBytes } from 'node:crypto';
import type { Db, BatchOp, Sub } from './db.js';
import { sub, writeBatch } from './db.js';
import { pad } from './keys.js';
import { SeqWindow } from './seq-window.js';
import {
  deriveChange,
  type ChangeKind,
  type DerivedChange,
  type WatchedKind,
} from './change-capture.js';
import { Mutex } from '../lib/mutex.js';

/** One entry of the change feed. */
export interface ChangeEntry {
  seq: number;
  at: string;
  kind: ChangeKind;
  id: string;
  data: Record<string, unknown>;
}

/** A sublevel of any value type, as batch operations name them. */
type AnySub = BatchOp['sublevel'];

const SEQ_WIDTH = 16;
const seqKey = (seq: number) => pad(seq, SEQ_WIDTH);

/** Where the change feed stands: readers decide whether a cursor is still good from this. */
export interface FeedState {
  /** Random per store: another epoch means the store was reset or restored. */
  epoch: string;
  /** Every entry up to this seq is committed; newer ones are not shown yet. */
  visibleThrough: number;
  /** Entries up to this seq were removed by retention (0: none yet). */
  prunedThrough: number;
}

/**
 * The change feed HQ catches up from: entries keyed by a fixed-width sequence number, written in
 * the same batch as the device, incident or backup-run write that caused them (Store.write calls
 * `capture`), plus the feed's epoch and how far retention has pruned.
 *
 * Writes that touch watched records are serialised here: the value a change is derived from is
 * the one the batch replaces, and batches commit in the order of their sequence numbers, so the
 * last change of a record always carries the value the store holds.
 */
export class ChangesStore {
  readonly entries: Sub<ChangeEntry>;
  private readonly meta: Sub<unknown>;
  private readonly watched: ReadonlyMap<AnySub, WatchedKind>;
  private readonly lock = new Mutex();
  private seqs = new SeqWindow(0);
  private epochValue = '';
  private prunedThroughValue = 0;
  private lastAtMs = 0;
  private loading: Promise<void> | undefined;
  /** The time entries are stamped with; set from the service clock (tests use a manual one). */
  now: () => number = Date.now;

  constructor(
    private readonly db: Db,
    watched: ReadonlyArray<[AnySub, WatchedKind]>,
  ) {
    this.entries = sub<ChangeEntry>(db, 'changes');
    this.meta = sub<unknown>(db, 'changes-meta');
    this.watched = new Map(watched);
  }

  /** Reads the epoch (made on first use), the newest seq and the pruning mark. */
  ready(): Promise<void> {
    return (this.loading ??= this.load().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    }));
  }

  private async load(): Promise<void> {
    let epoch = (await this.meta.get('epoch')) as string | undefined;
    if (!epoch) {
      epoch = newEpoch();
      await this.meta.put('epoch', epoch);
    }
    const pruned = ((await this.meta.get('prunedThrough')) as number | undefined) ?? 0;
    const [last] = (await this.entries.iterator({ reverse: true, limit: 1 }).all()) as Array<
      [string, ChangeEntry]
    >;
    this.epochValue = epoch;
    this.prunedThroughValue = pruned;
    this.seqs = new SeqWindow(Math.max(pruned, last ? last[1].seq : 0));
  }

  /** Whether a batch writes a watched record (and so goes through `capture`). */
  watches(ops: readonly BatchOp[]): boolean {
    for (const op of ops) if (this.watched.has(op.sublevel)) return true;
    return false;
  }

  /**
   * Commits `ops` together with the changes they make to watched records. `commit` writes one
   * atomic batch; if it fails, no change is recorded and its sequence numbers are reused.
   */
  async capture(ops: BatchOp[], commit: (all: BatchOp[]) => Promise<void>): Promise<void> {
    await this.ready();
    await this.lock.run(async () => {
      const changes = await this.derive(ops);
      if (changes.length === 0) return commit(ops);
      // Within a process never earlier than the previous entry (retention prunes from the front
      // by time), as with timeKey: a clock step back keeps the last time.
      const atMs = Math.max(this.now(), this.lastAtMs);
      const at = new Date(atMs).toISOString();
      const first = this.seqs.take(changes.length);
      let ok = false;
      try {
        await commit([
          ...ops,
          ...changes.map((c, i): BatchOp => {
            const seq = first + i;
            return {
              type: 'put',
              sublevel: this.entries,
              key: seqKey(seq),
              value: { seq, at, ...c },
            };
          }),
        ]);
        ok = true;
        this.lastAtMs = atMs;
      } finally {
        this.seqs.settle(first, ok);
      }
    });
  }

  /** One change per watched record the batch writes, by kind of record in first-write order. */
  private async derive(ops: readonly BatchOp[]) {
    // Within a batch the last write of a key wins, as in LevelDB.
    const after = new Map<AnySub, Map<string, unknown>>();
    for (const op of ops) {
      if (!this.watched.has(op.sublevel)) continue;
      let m = after.get(op.sublevel);
      if (!m) after.set(op.sublevel, (m = new Map()));
      m.set(op.key, op.type === 'put' ? op.value : undefined);
    }
    const out: DerivedChange[] = [];
    for (const [sublevel, values] of after) {
      const keys = [...values.keys()];
      const before = await sublevel.getMany(keys);
      const kind = this.watched.get(sublevel)!;
      for (let i = 0; i < keys.length; i++) {
        const c = deriveChange(kind, keys[i]!, before[i], values.get(keys[i]!));
        if (c) out.push(c);
      }
    }
    return out;
  }

  /** The newest change a reader may see (0 before the feed is ready): moves with every change. */
  get visibleSeq(): number {
    return this.seqs.visibleThrough();
  }

  async state(): Promise<FeedState> {
    await this.ready();
    return {
      epoch: this.epochValue,
      visibleThrough: this.seqs.visibleThrough(),
      prunedThrough: this.prunedThroughValue,
    };
  }

  /** Entries after `afterSeq` up to `throughSeq`, oldest first. */
  async *between(afterSeq: number, throughSeq: number): AsyncGenerator<ChangeEntry> {
    if (throughSeq <= afterSeq) return;
    for await (const v of this.entries.values({ gt: seqKey(afterSeq), lte: seqKey(throughSeq) }))
      yield v;
  }

  /**
   * Removes up to `max` of the oldest entries stamped before `cutoffIso`; returns how many. The
   * pruning mark moves before the entries go, so a reader racing with it is told its cursor
   * expired rather than silently skipping what was removed.
   */
  async pruneBefore(cutoffIso: string, max: number): Promise<number> {
    await this.ready();
    const seqs: number[] = [];
    for await (const v of this.entries.values({
      lte: seqKey(this.seqs.visibleThrough()),
      limit: max,
    })) {
      if (v.at >= cutoffIso) break;
      seqs.push(v.seq);
    }
    if (seqs.length === 0) return 0;
    const through = seqs[seqs.length - 1]!;
    const before = this.prunedThroughValue;
    this.prunedThroughValue = Math.max(before, through);
    try {
      await writeBatch(this.db, [
        ...seqs.map((s): BatchOp => ({ type: 'del', sublevel: this.entries, key: seqKey(s) })),
        { type: 'put', sublevel: this.meta, key: 'prunedThrough', value: this.prunedThroughValue },
      ]);
    } catch (err) {
      this.prunedThroughValue = before;
      throw err;
    }
    return seqs.length;
  }

  /**
   * A new epoch after raw entries were imported (a restore onto a new box): cursors HQ holds for
   * the old box must not continue on the restored copy, whose feed may rewind.
   */
  async newEpochAfterImport(): Promise<void> {
    await this.lock.run(async () => {
      await this.meta.put('epoch', newEpoch());
      this.loading = undefined;
      await this.ready();
    });
  }
}

function newEpoch(): string {
  return randomBytes(8).toString('hex');
}
