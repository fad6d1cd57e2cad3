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

let lastTimeKey = '';
let counter = 0;
/**
 * A unique, time-ordered key part for append-only logs (audit, job runs): the ISO time plus a
 * per-process counter, so two entries in the same millisecond keep their order.
 */
export function timeKey(ms: number): string {
  const t = new Date(ms).toISOString();
  if (t === lastTimeKey) counter += 1;
  else {
    lastTimeKey = t;
    counter = 0;
  }
  return `${t}.${pad(counter, 4)}`;
}
