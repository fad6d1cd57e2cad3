import { randomBytes } from 'node:crypto';

/**
 * Key builders. Keys sort lexicographically in LevelDB, so numbers are fixed-width and times are
 * ISO-8601 UTC (which sort correctly as strings). The separator `!` sorts before every character
 * used inside key parts.
 */
export const SEP = '!';
/** The highest character used as an upper bound in range scans. */
export const HIGH = '\uffff';

export function pad(n: number, width = 12): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`cannot pad ${n}`);
  return String(n).padStart(width, '0');
}

export function key(...parts: string[]): string {
  for (const part of parts) {
    if (part.includes(SEP)) throw new RangeError(`key part may not contain "${SEP}": ${part}`);
  }
  return parts.join(SEP);
}

/** Range covering every key that starts with the given parts. */
export function prefixRange(...parts: string[]): { gt: string; lt: string } {
  const p = key(...parts) + SEP;
  return { gt: p, lt: p + HIGH };
}

let lastMs = 0;
let counter = 0;
/**
 * A unique, time-ordered key part for append-only logs (audit): the ISO time, a per-process
 * counter and a random suffix. Within a process the time never goes backwards (a clock step on a
 * box without a real-time clock keeps the last time), so entries keep their write order; the
 * suffix keeps keys written by two processes, or across a clock step, from ever colliding.
 */
export function timeKey(ms: number): string {
  if (ms <= lastMs) {
    counter += 1;
  } else {
    lastMs = ms;
    counter = 0;
  }
  return `${new Date(lastMs).toISOString()}.${pad(counter, 8)}.${randomHex3()}`;
}

/** Random bytes drawn from a pool: a trap storm writes thousands of keys a second. */
let pool = Buffer.alloc(0);
let poolAt = 0;
function randomHex3(): string {
  if (poolAt + 3 > pool.length) {
    pool = randomBytes(3 * 1024);
    poolAt = 0;
  }
  poolAt += 3;
  return pool.toString('hex', poolAt - 3, poolAt);
}
