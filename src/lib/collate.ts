/**
 * Text ordering and number formatting for lists and pages, without ICU: `localeCompare`,
 * `Intl.Collator` and `toLocaleString` map megabytes of ICU's collation and locale data into
 * the process on first use, for orderings that names, addresses and ids need no locale for.
 */

/**
 * Case-insensitive order ("alpha" < "Beta" < "gamma"); strings equal but for case by code unit.
 * Beyond ASCII, letters sort by code point (so "Émile" after "Zoe"), not by a language's rules.
 */
export function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const CHUNKS = /\d+|\D+/g;

/**
 * As compareText (case counts only between strings otherwise equal), but runs of digits compare
 * by their value: "sw2" < "sw10",
 * "10.0.0.9" < "10.0.0.10", "port 2/1" < "port 10/1".
 */
export function compareNatural(a: string, b: string): number {
  const xs = a.match(CHUNKS) ?? [];
  const ys = b.match(CHUNKS) ?? [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (x === y) continue;
    const xd = x.charCodeAt(0) <= 57 && x.charCodeAt(0) >= 48;
    const yd = y.charCodeAt(0) <= 57 && y.charCodeAt(0) >= 48;
    if (xd && yd) {
      const xv = x.replace(/^0+(?=\d)/, '');
      const yv = y.replace(/^0+(?=\d)/, '');
      if (xv.length !== yv.length) return xv.length - yv.length;
      if (xv !== yv) return xv < yv ? -1 : 1;
      continue;
    }
    const xl = x.toLowerCase();
    const yl = y.toLowerCase();
    if (xl !== yl) return xl < yl ? -1 : 1;
  }
  if (xs.length !== ys.length) return xs.length - ys.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A number with thousands separators ("1,234,567"; up to `decimals` decimals, default 3). */
export function groupDigits(n: number, decimals = 3): string {
  if (!Number.isFinite(n) || Math.abs(n) >= 1e21) return String(n);
  let fixed = Math.abs(n).toFixed(decimals);
  if (fixed.includes('.')) fixed = fixed.replace(/\.?0+$/, '');
  return (n < 0 && /[1-9]/.test(fixed) ? '-' : '') + withSeparators(fixed);
}

/** A number with exactly `decimals` decimals and thousands separators ("1,250.50"). */
export function fixedDigits(n: number, decimals: number): string {
  if (!Number.isFinite(n) || Math.abs(n) >= 1e21) return String(n);
  const fixed = Math.abs(n).toFixed(decimals);
  return (n < 0 && /[1-9]/.test(fixed) ? '-' : '') + withSeparators(fixed);
}

function withSeparators(fixed: string): string {
  const dot = fixed.indexOf('.');
  const int = dot < 0 ? fixed : fixed.slice(0, dot);
  return int.replace(/\B(?=(\d{3})+$)/g, ',') + (dot < 0 ? '' : fixed.slice(dot));
}
