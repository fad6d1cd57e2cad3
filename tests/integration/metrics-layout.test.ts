/**
 * Stores written by versions before the metrics had a LevelDB of their own (rows keyed by device
 * first, series indexes in `metrics-meta`, all of it in the main LevelDB) open with every sample,
 * series and byte count intact, also when the move was cut short by a crash or the store came
 * from an export.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { rm } from 'node:fs/promises';
import { Level } from 'level';
import { levelDir, metricsDir } from '../../src/store/db.js';
import { exportAppliance, importAppliance } from '../../src/backup/appliance-export.js';
import { tempDir } from '../helpers/temp-dir.js';
import { metricsEnv, T0, MIN, HOUR, type MetricsEnv } from '../helpers/metrics-env.js';
import type { MetricsEntry, MetricsUsage } from '../../src/store/metrics.js';
import { decodeRow, encodeRow } from '../../src/store/row-codec.js';
import { DeviceSeries, type SeriesIndexJson } from '../../src/store/series-index.js';
import { StringPool } from '../../src/lib/string-pool.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const DEVICES = 3;

function cycle(at: number): MetricsEntry[] {
  const i = Math.round((at - T0) / MIN);
  return Array.from({ length: DEVICES }, (_, d) => ({
    deviceId: `d${d}`,
    source: 'snmp' as const,
    at,
    samples: [
      { metric: 'if.in_bps' as const, instance: '1', value: 1000 * d + i },
      ...(i % 7 === 2 ? [] : [{ metric: 'cpu.load_pct' as const, instance: '', value: i % 90 }]),
    ],
    labels: { '1': 'Gi1/0/1' },
  }));
}

/** 95 minutes of polls: one sealed hour and 35 minutes of open rows. */
async function filled(): Promise<MetricsEnv> {
  const env = await metricsEnv(cleanups);
  const signal = new AbortController().signal;
  for (let t = T0; t < T0 + 95 * MIN; t += MIN) {
    env.clock.t = t;
    expect(await env.metrics.write(cycle(t))).toBe(true);
    if (t % HOUR === 0) await env.metrics.maintain(signal);
  }
  return env;
}

/** What a user sees of the metrics: every series of every device, its points and latest value. */
async function snapshot(env: MetricsEnv) {
  const out: Record<string, unknown> = {};
  for (let d = 0; d < DEVICES; d++)
    for (const id of [`d${d}~if.in_bps~1`, `d${d}~cpu.load_pct~`]) {
      const q = await env.metrics.query(id, T0, T0 + 2 * HOUR, { tier: 'raw' });
      const col = env.store.metrics.index(`d${d}`)!.find(id.split('~')[1]!, id.split('~')[2]!);
      out[id] = {
        points: q.points,
        label: q.series.label,
        latest: env.store.metrics.latest(`d${d}`).get(col),
      };
    }
  return out;
}

type Entry = [string, Buffer];
const OPTS = { keyEncoding: 'utf8', valueEncoding: 'buffer' } as const;

async function entriesOf(location: string): Promise<Entry[]> {
  const db = new Level<string, Buffer>(location, OPTS);
  try {
    return (await db.iterator().all()) as Entry[];
  } finally {
    await db.close();
  }
}

async function putAll(location: string, entries: Entry[]): Promise<void> {
  const db = new Level<string, Buffer>(location, OPTS);
  try {
    await db.batch(entries.map(([key, value]) => ({ type: 'put' as const, key, value })));
  } finally {
    await db.close();
  }
}

/**
 * The metrics' entries as the first layout had them, with the usage those keys add up to: rows
 * `w!<device>!<source>!<sec>` (11 characters shorter than `r!<minute>!...`), indexes under
 * `metrics-meta` `index!<device>`. `converted` rows stay in the new layout (an upgrade cut short:
 * the usage then counts them at their new length).
 */
function firstLayout(entries: Entry[], converted = 0): Entry[] {
  let rows = 0;
  const out: Entry[] = [];
  for (const [k, v] of entries) {
    const row = /^!metrics!r!\d{10}!([^!]+)!([^!]+)!(\d{10})$/.exec(k);
    if (row && rows++ >= converted) out.push([`!metrics!w!${row[1]}!${row[2]}!${row[3]}`, v]);
    else if (k.startsWith('!metrics-series!'))
      out.push([
        `!metrics-meta!index!${k.slice('!metrics-series!'.length)}`,
        jsonIndex(k, v, 'cols'),
      ]);
    else if (k !== '!metrics-meta!usage') out.push([k, v]);
  }
  const usage = entries.find(([k]) => k === '!metrics-meta!usage')![1];
  const u = JSON.parse(usage.toString()) as MetricsUsage;
  u.rows -= 11 * Math.max(0, rows - converted);
  out.push(['!metrics-meta!usage', Buffer.from(JSON.stringify(u))]);
  expect(rows).toBeGreaterThan(DEVICES * 30);
  return out;
}

/** Checks a reopened store against what it showed before, and that it still seals and counts. */
async function expectSame(env: MetricsEnv, before: Record<string, unknown>, usage: MetricsUsage) {
  await env.reopen();
  expect(await snapshot(env)).toEqual(before);
  expect(env.store.metrics.usage()).toEqual(usage);
  expect(await env.store.metrics.recount()).toEqual(usage);
  // The open rows are sealed like any others, and nothing is left of the first layout.
  env.clock.t = T0 + 3 * HOUR;
  await env.metrics.maintain(new AbortController().signal);
  expect(await snapshot(env)).toEqual(before);
  expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
  await env.store.close();
  const main = await entriesOf(levelDir(env.dir));
  expect(main.filter(([k]) => k.startsWith('!metrics'))).toEqual([]);
  const metrics = await entriesOf(metricsDir(env.dir));
  expect(metrics.filter(([k]) => /^!metrics!w!|^!metrics-meta!index!/.test(k))).toEqual([]);
}

/**
 * A filled store (closed), what it showed, and its metrics' entries as the first layout had them;
 * the metrics' own LevelDB is gone, as before the move.
 */
async function older(converted?: number) {
  const env = await filled();
  const before = await snapshot(env);
  const usage = env.store.metrics.usage();
  await env.store.close();
  const old = firstLayout(await entriesOf(metricsDir(env.dir)), converted);
  await rm(metricsDir(env.dir), { recursive: true });
  return { env, before, usage, old };
}

/**
 * A device's series index as JSON, as versions before 2026-11-28 stored it: an object per column
 * (`cols`, the first form) or by column with each string once (`columnar`).
 */
function jsonIndex(k: string, v: Buffer, form: 'cols' | 'columnar'): Buffer {
  const deviceId = k.slice(k.lastIndexOf('!') + 1);
  const idx = DeviceSeries.fromStored(deviceId, v, new StringPool())!;
  const cols = idx.cols();
  let json: SeriesIndexJson = { deviceId, next: idx.next, cols };
  if (form === 'columnar') {
    const strings: string[] = [];
    const ref = (x: string) => (
      strings.includes(x) ? strings : strings.push(x),
      strings.indexOf(x)
    );
    json = {
      deviceId,
      next: idx.next,
      c: cols.map((c) => c.c),
      m: cols.map((c) => ref(c.metric)),
      i: cols.map((c) => ref(c.instance)),
      l: cols.map((c) => (c.label === undefined ? -1 : ref(c.label))),
      s: cols.map((c) => ['reach', 'snmp', 'svc'].indexOf(c.source)),
      f: cols.map((c) => c.first),
      strings,
    };
  }
  return Buffer.from(JSON.stringify(json));
}

/** A row as format 1 stored it (until 2026-11-27): u32le n, then (u32le col, f64le value) each. */
function format1Row(v: Buffer): Buffer {
  const values = [...decodeRow(v)];
  const b = Buffer.alloc(4 + values.length * 12);
  b.writeUInt32LE(values.length, 0);
  values.forEach(([c, x], i) => {
    b.writeUInt32LE(c, 4 + i * 12);
    b.writeDoubleLE(x, 8 + i * 12);
  });
  return b;
}

describe('metrics written by an older layout', () => {
  it('open rows in the first row format read, merge with a repeated poll and seal intact', async () => {
    const env = await filled();
    const before = await snapshot(env);
    const usage = env.store.metrics.usage();
    await env.store.close();
    const entries = await entriesOf(metricsDir(env.dir));
    let grew = 0;
    const old: Entry[] = [];
    for (const [k, v] of entries)
      if (k.startsWith('!metrics!r!')) {
        const row = format1Row(v);
        grew += row.byteLength - v.byteLength;
        old.push([k, row]);
      }
    // A row of format 1 is three times as large: 12 bytes a value.
    expect(grew).toBeGreaterThan(0);
    const u = { ...usage, rows: usage.rows + grew };
    old.push(['!metrics-meta!usage', Buffer.from(JSON.stringify(u))]);
    await putAll(metricsDir(env.dir), old);
    await env.reopen();
    expect(await snapshot(env)).toEqual(before);
    expect(await env.store.metrics.recount()).toEqual(u);
    // The clock stepped back onto the newest poll: its row (format 1) is merged into, not lost.
    const last = T0 + 94 * MIN;
    env.clock.t = last;
    const again = cycle(last).map((e) => ({
      ...e,
      samples: [{ metric: 'mem.used_pct' as const, instance: '', value: 42 }],
    }));
    expect(await env.metrics.write(again)).toBe(true);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
    const merged = await snapshot(env);
    expect(merged).toEqual(before);
    const mem = await env.metrics.query('d1~mem.used_pct~', T0, T0 + 2 * HOUR, { tier: 'raw' });
    expect(mem.points.map((p) => [p.t, p.avg])).toEqual([[last, 42]]);
    await expectSame(env, before, env.store.metrics.usage());
  });

  it('series indexes kept as JSON read intact and are rewritten compact when a series appears', async () => {
    const env = await filled();
    const before = await snapshot(env);
    await env.store.close();
    const stored = (await entriesOf(metricsDir(env.dir))).filter(([k]) =>
      k.startsWith('!metrics-series!'),
    );
    expect(stored).toHaveLength(DEVICES);
    // the compact form: a marker byte, and a fraction of the JSON's size
    for (const [, v] of stored) expect(v[0]).toBe(0x02);
    const json = stored.map(([k, v]): Entry => [k, jsonIndex(k, v, 'columnar')]);
    const bytes = (e: Entry[]) => e.reduce((n, [, v]) => n + v.length, 0);
    expect(bytes(stored) * 2).toBeLessThan(bytes(json));
    await putAll(metricsDir(env.dir), json);
    await env.reopen();
    expect(await snapshot(env)).toEqual(before);
    // A poll with a new series rewrites the device's index, in the compact form.
    const last = T0 + 95 * MIN;
    env.clock.t = last;
    const more = cycle(last).map((e) => ({
      ...e,
      samples: [...e.samples, { metric: 'mem.used_pct' as const, instance: '', value: 7 }],
    }));
    expect(await env.metrics.write(more)).toBe(true);
    await env.store.close();
    const after = (await entriesOf(metricsDir(env.dir))).filter(([k]) =>
      k.startsWith('!metrics-series!'),
    );
    for (const [, v] of after) expect(v[0]).toBe(0x02);
    await env.reopen();
    const mem = await env.metrics.query('d2~mem.used_pct~', T0, T0 + 2 * HOUR, { tier: 'raw' });
    expect(mem.points.map((p) => [p.t, p.avg])).toEqual([[last, 7]]);
    const now = await snapshot(env);
    for (const id of Object.keys(before))
      expect((now[id] as { points: unknown[] }).points.slice(0, -1)).toEqual(
        (before[id] as { points: unknown[] }).points,
      );
  });

  it('a damaged series index costs that device its stored values, never a mix-up of series', async () => {
    const env = await filled();
    const before = await snapshot(env);
    const oldNext = env.store.metrics.index('d1')!.next;
    await env.store.close();
    await putAll(metricsDir(env.dir), [['!metrics-series!d1', Buffer.from([0x02, 0xff])]]);
    await env.reopen();
    expect(env.store.metrics.damaged).toBe(1);
    const idx = env.store.metrics.index('d1')!;
    expect(idx.size).toBe(0);
    // new series are numbered after every column d1's rows and chunks hold
    expect(idx.next).toBe(oldNext);
    const last = T0 + 95 * MIN;
    env.clock.t = last;
    expect(await env.metrics.write(cycle(last))).toBe(true);
    const q = await env.metrics.query('d1~if.in_bps~1', T0, T0 + 2 * HOUR, { tier: 'raw' });
    expect(q.points.map((p) => [p.t, p.avg])).toEqual([[last, 1000 + 95]]);
    expect(env.store.metrics.index('d1')!.find('if.in_bps', '1')).toBeGreaterThanOrEqual(oldNext);
    // the other devices lost nothing
    const now = await snapshot(env);
    for (const id of Object.keys(before).filter((x) => !x.startsWith('d1~')))
      expect((now[id] as { points: unknown[] }).points.slice(0, -1)).toEqual(
        (before[id] as { points: unknown[] }).points,
      );
    // d1's old rows are sealed away as gaps, and every byte stays counted
    env.clock.t = T0 + 3 * HOUR;
    await env.metrics.maintain(new AbortController().signal);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
    const cpu = await env.metrics.query('d1~cpu.load_pct~', T0, T0 + 3 * HOUR, { tier: 'raw' });
    expect(cpu.points.map((p) => p.t)).toEqual([last]);
  });

  it('a restarted index starts after the columns of rows and chunks alike, absurd ones aside', async () => {
    const env = await filled();
    // the first hour sealed: d1's columns are in chunks and in the open rows of the second
    env.clock.t = T0 + 3 * HOUR;
    await env.metrics.maintain(new AbortController().signal);
    await env.store.close();
    const entries = await entriesOf(metricsDir(env.dir));
    const chunk = entries.find(([k]) => /^!metrics!c!raw!\d{10}!d1![0-9a-z]{4}$/.test(k))!;
    // a chunk of column 10 ("a" in base 36): only the chunks know it
    await putAll(metricsDir(env.dir), [
      ['!metrics-series!d1', Buffer.from('not an index')],
      [chunk[0].slice(0, -4) + '000a', chunk[1]],
    ]);
    await env.reopen();
    expect(env.store.metrics.damaged).toBe(1);
    expect(env.store.metrics.index('d1')!.next).toBe(11);
    await env.store.close();
    // an open row holding column 12 and a column no device can have: only the rows know 12
    const sec = (T0 + 3 * HOUR) / 1000;
    await putAll(metricsDir(env.dir), [
      [`!metrics!r!${sec}!d1!snmp!${sec}`, Buffer.from(encodeRow([12, 4e9], [1, 2]))],
    ]);
    await env.reopen();
    expect(env.store.metrics.index('d1')!.next).toBe(13);
    const last = T0 + 3 * HOUR + MIN;
    env.clock.t = last;
    expect(await env.metrics.write(cycle(last))).toBe(true);
    expect(env.store.metrics.index('d1')!.find('if.in_bps', '1')).toBeGreaterThanOrEqual(13);
    const q = await env.metrics.query('d1~if.in_bps~1', T0, T0 + 4 * HOUR, { tier: 'raw' });
    expect(q.points.map((p) => [p.t, p.avg])).toEqual([[last, 1000 + 3 * 60 + 1]]);
  });

  it('move from the main LevelDB into their own, rows keyed by time, every sample intact', async () => {
    const { env, before, usage, old } = await older();
    await putAll(levelDir(env.dir), old);
    await expectSame(env, before, usage);
  });

  it('a move cut short by a crash (keys in both LevelDBs) is finished on the next open', async () => {
    const { env, before, usage, old } = await older();
    // Copied into the metrics' LevelDB, not yet deleted from the main one.
    await putAll(levelDir(env.dir), old);
    await putAll(metricsDir(env.dir), old.slice(0, Math.floor(old.length / 2)));
    await expectSame(env, before, usage);
  });

  it('an upgrade of the keys cut short by a crash is finished on the next open', async () => {
    const { env, before, usage, old } = await older(50);
    await putAll(metricsDir(env.dir), old);
    await expectSame(env, before, usage);
  });

  it('an export of the older layout imports into a new box intact', async () => {
    const { env, before, usage, old } = await older();
    await putAll(levelDir(env.dir), old);
    // What an export of the older box holds: the entries of its one LevelDB, imported into a
    // new box's store (as `caretaker import-data` does) and opened there.
    const main = await entriesOf(levelDir(env.dir));
    const other = await metricsEnv(cleanups);
    other.clock.t = env.clock.t;
    await other.store.putRaw(main.map(([k, v]) => [Buffer.from(k), v]));
    await other.store.close();
    // The import put the metrics straight into their own LevelDB.
    expect(
      (await entriesOf(levelDir(other.dir))).filter(([k]) => k.startsWith('!metrics')),
    ).toEqual([]);
    await expectSame(other, before, usage);
  });

  it('an export and import of a current store keeps the metrics', async () => {
    const env = await filled();
    const before = await snapshot(env);
    const usage = env.store.metrics.usage();
    const out = await tempDir();
    cleanups.push(out.cleanup);
    await exportAppliance(env.store, out.dir);
    const other = await metricsEnv(cleanups);
    other.clock.t = env.clock.t;
    await other.store.close();
    await importAppliance(out.dir, other.dir, { replace: true });
    await expectSame(other, before, usage);
  });
});
