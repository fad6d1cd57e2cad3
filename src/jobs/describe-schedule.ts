/**
 * A cron expression in words for the UI ("every 15 minutes", "daily at 03:30"). Only the shapes
 * the job table uses are described; anything else is shown as the expression itself.
 */
export function describeSchedule(cron: string): string {
  if (cron.trim() === '') return 'only by hand';
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5) return cron;
  const [min, hour, dom, mon, dow] = f as [string, string, string, string, string];
  const everyDay = dom === '*' && mon === '*' && dow === '*';
  if (!everyDay) return cron;
  const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : NaN);
  if (hour === '*') {
    if (min === '*') return 'every minute';
    const step = /^\*\/(\d+)$/.exec(min);
    if (step) return `every ${step[1]} minutes`;
    const list = min.split(',').map(num);
    if (list.every((n) => n >= 0 && n < 60)) {
      if (list.length === 1) return `hourly at minute ${list[0]}`;
      const gaps = list.map((n, i) => (list[(i + 1) % list.length]! - n + 60) % 60);
      if (gaps.every((g) => g === gaps[0])) return `every ${gaps[0]} minutes`;
    }
    return cron;
  }
  const h = num(hour);
  const m = num(min);
  if (h >= 0 && h < 24 && m >= 0 && m < 60)
    return `daily at ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
  return cron;
}
