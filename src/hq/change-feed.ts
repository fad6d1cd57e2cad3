import type { Store } from '../store/store.js';
import type { ChangeEntry } from '../store/changes.js';
import type { ChangeKind } from '../store/change-capture.js';
import type { Clock } from '../core/time.js';
import type { Config } from '../config/schema.js';
import type { IncidentRecord } from '../incidents/types.js';
import { AppError, badRequest } from '../core/errors.js';
import { responseTimes } from '../incidents/incident-machine.js';
import { cursorProblem, formatCursor, parseCursor, type CursorProblem } from './change-cursor.js';
import type { ChangeItem, ChangePage, ChangesQuery } from './change-feed-schema.js';

const DAY = 86_400_000;
/** Entries removed per batch by retention: one run never holds a huge batch. */
const PRUNE_CHUNK = 500;
/** With a `kinds` filter, a page looks at most this many page sizes of changes. */
const SCAN_PAGES = 10;

export interface ChangeFeedDeps {
  store: Store;
  clock: Clock;
  config: Pick<Config['hq'], 'changeRetentionDays' | 'changePageMax'>;
}

const RESYNC =
  'Resync: get a new cursor with since=now, then reload the devices, incidents and backup runs ' +
  '(or the site summary), then continue from that cursor.';

const EXPIRED: Record<CursorProblem, string> = {
  'other-epoch':
    'This cursor belongs to an earlier state of this box (its data was reset or restored since).',
  ahead: 'This cursor is ahead of every change this box has (its data was restored since).',
  pruned: 'Changes after this cursor are older than the retention period and were removed.',
};

function expired(problem: CursorProblem): AppError {
  return new AppError('CURSOR_EXPIRED', `${EXPIRED[problem]} ${RESYNC}`, {
    status: 410,
    kind: 'input',
  });
}

/** Which kinds a `kinds` filter lets through (undefined: all). */
function kindFilter(kinds: string | undefined): ((k: ChangeKind) => boolean) | undefined {
  if (!kinds) return undefined;
  const wanted = kinds.split(',').map((k) => k.trim());
  return (k) => wanted.some((w) => k === w || k.startsWith(`${w}.`));
}

/** An entry as the API shows it: incidents carry their response times as in the incident API. */
function view(e: ChangeEntry): ChangeItem {
  const data = e.kind.startsWith('incident.')
    ? { ...e.data, ...responseTimes(e.data as unknown as IncidentRecord) }
    : e.data;
  return { seq: e.seq, at: e.at, kind: e.kind, id: e.id, data };
}

/**
 * The change feed HQ polls to catch up (after the VPN was down, say): an ordered, paged stream of
 * what happened to devices, incidents and backup runs, each change exactly once, and a clear
 * "resync" (410) when a cursor can no longer be continued from.
 */
export class ChangeFeedService {
  constructor(private readonly deps: ChangeFeedDeps) {}

  /** Where a client that has just read the current state continues from (`since=now`). */
  async currentCursor(): Promise<string> {
    const feed = await this.deps.store.changes.state();
    return formatCursor({ epoch: feed.epoch, seq: feed.visibleThrough });
  }

  async page(q: ChangesQuery): Promise<ChangePage> {
    const changes = this.deps.store.changes;
    const limit = Math.min(q.limit, this.deps.config.changePageMax);
    if (q.since === 'now')
      return { items: [], next: await this.currentCursor(), hasMore: false, limit };
    const feed = await changes.state();
    let after = feed.prunedThrough;
    if (q.since !== undefined) {
      const cursor = parseCursor(q.since);
      if (!cursor)
        throw badRequest(
          'BAD_CURSOR',
          'The since cursor is not one this box gave out. Pass the `next` value of an earlier ' +
            'answer, `now`, or leave it out to start from the oldest change kept.',
        );
      const problem = cursorProblem(cursor, feed);
      if (problem) throw expired(problem);
      after = cursor.seq;
    }
    const wanted = kindFilter(q.kinds);
    const scanMax = limit * SCAN_PAGES;
    const items: ChangeItem[] = [];
    let next = after;
    let scanned = 0;
    let hasMore = false;
    for await (const e of changes.between(after, feed.visibleThrough)) {
      if (items.length >= limit || scanned >= scanMax) {
        hasMore = true;
        break;
      }
      scanned += 1;
      next = e.seq;
      if (!wanted || wanted(e.kind)) items.push(view(e));
    }
    // Retention may have removed entries after the cursor while this page was read.
    if (q.since !== undefined && after < (await changes.state()).prunedThrough)
      throw expired('pruned');
    return { items, next: formatCursor({ epoch: feed.epoch, seq: next }), hasMore, limit };
  }

  /** Removes changes older than the retention period (the job table runs this). */
  async prune(signal: AbortSignal): Promise<string> {
    const days = this.deps.config.changeRetentionDays;
    const cutoff = new Date(this.deps.clock.now() - days * DAY).toISOString();
    let removed = 0;
    for (;;) {
      signal.throwIfAborted();
      const n = await this.deps.store.changes.pruneBefore(cutoff, PRUNE_CHUNK);
      removed += n;
      if (n < PRUNE_CHUNK) break;
    }
    return `removed ${removed} change(s) older than ${days} day(s)`;
  }
}
