/**
 * A cron expression (with a seconds field, see cron.ts) that fires every `s` seconds. Cron can
 * only repeat at divisors of a minute or an hour, so an interval that is not one runs at the
 * nearest shorter divisor: a check never runs less often than configured.
 */
export function everySeconds(s: number): string {
  if (s < 60) return `*/${largestDivisorAtMost(60, s)} * * * * *`;
  const m = Math.floor(s / 60);
  if (m < 60) return `0 */${largestDivisorAtMost(60, m)} * * * *`;
  const h = Math.floor(m / 60);
  return `0 0 */${largestDivisorAtMost(24, Math.min(h, 24))} * * *`;
}

function largestDivisorAtMost(n: number, max: number): number {
  for (let d = Math.max(1, Math.min(n, max)); d > 1; d--) if (n % d === 0) return d;
  return 1;
}
