import type { FeedState } from '../store/changes.js';

/**
 * Change feed cursors: `c1.<epoch>.<seq>`, the feed's epoch and the last sequence number the
 * client has. Opaque to clients; the version prefix lets the format change later.
 */
export interface Cursor {
  epoch: string;
  seq: number;
}

const CURSOR = /^c1\.([0-9a-f]{16})\.(0|[1-9][0-9]{0,15})$/;

export function formatCursor(c: Cursor): string {
  return `c1.${c.epoch}.${c.seq}`;
}

/** The cursor in `text`, or undefined when it is not one of ours. */
export function parseCursor(text: string): Cursor | undefined {
  const m = CURSOR.exec(text);
  if (!m) return undefined;
  const seq = Number(m[2]);
  return Number.isSafeInteger(seq) ? { epoch: m[1]!, seq } : undefined;
}

/** Why a well-formed cursor cannot be continued from. */
export type CursorProblem =
  /** The store was reset or restored since the cursor was issued. */
  | 'other-epoch'
  /** The cursor is ahead of anything this feed has written (a restored or copied store). */
  | 'ahead'
  /** Entries after the cursor were removed by retention: continuing would skip them. */
  | 'pruned';

/**
 * Whether the feed can continue after `c`: it can while every entry after the cursor is still
 * there. A cursor exactly at the pruning mark is fine: everything it lacks is still kept.
 */
export function cursorProblem(c: Cursor, feed: FeedState): CursorProblem | undefined {
  if (c.epoch !== feed.epoch) return 'other-epoch';
  if (c.seq > feed.visibleThrough) return 'ahead';
  if (c.seq < feed.prunedThrough) return 'pruned';
  return undefined;
}
