// The metrics store under faults: interrupted upkeep, damaged chunks, huge polls, a clock that
// steps back or jumps ahead, and quotas too small for what is written.
import { describe, it, expect, afterEach } from 'vitest';
import { type Store } from '../../src/store/store.js';
import { MetricsService } from '../../src/monitor/metrics-service.js';
import { metricsEnv, T0, MIN, HOUR, DAY } from '../helpers/metrics-env.js';
import type { MetricsEntry } from '../../src/store/metrics.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const setup = (policy: Parameters<typeof metricsEnv>[1] = {}) => metricsEnv(cleanups, policy);

function cycle(at: number, devices = 2): MetricsEntry[] {
  const i = Math.round((at - T0) / MIN);
  return Array.from({ length: devices }, (_, d) => ({
    deviceId: `d${d}`,
    source: 'snmp' as const,
    at,
    samples: [
      { metric: 'if.in_bps' as const, instance: '1', value: 1000 + i },
      { metric: 'cpu.load_pct' as const, instance: '', value: i % 100 },
    ],
  }));
}

async function run(
  env: { metrics: MetricsService; clock: { t: number } },
  from: number,
  to: number,
  devices = 2,
) {
  const signal = new AbortController().signal;
  for (let t = from; t < to; t += MIN) {
    env.clock.t = t;
    expect(await env.metrics.write(cycle(t, devices))).toBe(true);
    if (t % HOUR === 3 * MIN) await env.metrics.maintain(signal);
  }
  env.clock.t = to;
}

/** Test-only access to the raw sublevels (to simulate a crash or a damaged chunk). */
function internals(store: Store) {
  const m = store.metrics as unknown as {
    data: { put(k: string, v: Uint8Array): Promise<void>; keys(o?: object): AsyncIterable<string> };
    meta: { put(k: string, v: unknown): Promise<void>; get(k: string): Promise<unknown> };
    series: { del(k: string): Promise<void> };
  };
  return m;
}

describe('metrics store', () => {
  it('an interrupted rollup that is redone does not count the rewritten window twice', async () => {
    const env = await setup();
    await run(env, T0, T0 + DAY + 4 * HOUR);
    const sealed = env.store.metrics.sealed();
    // Five-minute chunks are hourly: the tier is summarised as far as raw is sealed.
    expect(sealed['5m']).toBe(sealed.raw);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
    // kill -9 (or a SIGTERM abort, or the 30-min job timeout) after a day of 5m chunks was
    // committed but before setSealed('5m') was: the watermark is a day behind on restart.
    await internals(env.store).meta.put('sealed', { ...sealed, '5m': sealed['5m']! - 86_400 });
    await env.reopen();
    await env.metrics.maintain(new AbortController().signal);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
  });

  it('a cycle that can never fit is refused without evicting the whole history first', async () => {
    const env = await setup({ quotaBytes: 600 * 1024 });
    await run(env, T0, T0 + 2 * DAY + 4 * HOUR, 1);
    const before5m = await env.store.metrics.windows('5m');
    expect(before5m.length).toBeGreaterThan(0);
    // One cycle bigger than the whole quota (e.g. a large switch stack discovered at once).
    const at = env.clock.t;
    const huge: MetricsEntry[] = Array.from({ length: 600 }, (_, d) => ({
      deviceId: `big${d}`,
      source: 'snmp' as const,
      at,
      samples: Array.from({ length: 300 }, (_, k) => ({
        metric: 'if.in_bps' as const,
        instance: String(k),
        value: 1000.123 * k + d,
      })),
    }));
    expect(await env.metrics.write(huge)).toBe(false);
    // Nothing was stored, yet every summary of the past was deleted to "make room".
    expect(await env.store.metrics.windows('5m')).toEqual(before5m);
  });

  it('one device with a very large poll (> 65535 values) does not stop metrics for the others', async () => {
    const env = await setup();
    env.clock.t = T0;
    const entries: MetricsEntry[] = [
      ...cycle(T0, 1),
      {
        deviceId: 'core-switch',
        source: 'snmp',
        at: T0,
        // ~4700 interfaces × 14 interface metrics
        samples: Array.from({ length: 66_000 }, (_, k) => ({
          metric: 'if.in_bps' as const,
          instance: String(k),
          value: k,
        })),
      },
    ];
    await env.metrics.write(entries);
    expect(env.metrics.suspended).toBeUndefined();
    const pts = await env.metrics.query('d0~if.in_bps~1', T0, T0 + HOUR, { tier: 'raw' });
    expect(pts.points).toHaveLength(1);
  });

  it('open rows of a device without a series index are dropped by sealing, bytes and all', async () => {
    const env = await setup();
    await run(env, T0, T0 + 90 * MIN);
    // The series index of d1 is lost (a damaged store): its open rows belong to nothing.
    await internals(env.store).series.del('d1');
    await env.reopen();
    expect(env.store.metrics.index('d1')).toBeUndefined();
    // Only d0 polls on, past the end of the hour that holds d1's rows.
    await run(env, T0 + 90 * MIN, T0 + 130 * MIN, 1);
    await env.metrics.maintain(new AbortController().signal);
    expect(env.store.metrics.sealed().raw).toBe((T0 + 2 * HOUR) / 1000);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
    const { data } = internals(env.store);
    const left: string[] = [];
    for await (const k of data.keys({ gt: 'r!', lt: 'r!\uffff' })) left.push(k);
    expect(left).toHaveLength(10);
    expect(left.every((k) => k.split('!')[2] === 'd0')).toBe(true);
    // d0 keeps every sample.
    const pts = await env.metrics.query('d0~if.in_bps~1', T0, T0 + 3 * HOUR, { tier: 'raw' });
    expect(pts.points).toHaveLength(130);
  });

  it('a damaged chunk of one device does not stop sealing and rollups of every device', async () => {
    const env = await setup();
    await run(env, T0, T0 + 20 * HOUR);
    // Damage one sealed raw value chunk of d0 (hour 5).
    const prefix = `c!raw!${String((T0 + 5 * HOUR) / 1000).padStart(10, '0')}!d0!`;
    const { data } = internals(env.store);
    let damaged = 0;
    for await (const k of data.keys({ gt: prefix, lt: prefix + '\uffff' })) {
      if (k.endsWith('~snmp')) continue;
      await data.put(k, Uint8Array.from([0x05, 0x80]));
      damaged++;
    }
    expect(damaged).toBeGreaterThan(0);
    // The day completes; the upkeep must still roll up day 1 for d1 (and d0's other series).
    let error: unknown;
    for (let t = T0 + 20 * HOUR; t < T0 + DAY + 4 * HOUR; t += MIN) {
      env.clock.t = t;
      await env.metrics.write(cycle(t));
      if (t % HOUR === 3 * MIN)
        await env.metrics.maintain(new AbortController().signal).catch((e: unknown) => (error = e));
    }
    expect(error).toBeUndefined();
    expect(env.store.metrics.sealed()['5m']).toBe((T0 + DAY + 3 * HOUR) / 1000);
    // Reading the damaged stretch is a gap, not a 500.
    const raw = await env.metrics.query('d0~if.in_bps~1', T0, T0 + DAY, { tier: 'raw' });
    expect(raw.points.some((p) => p.t >= T0 + 5 * HOUR && p.t < T0 + 6 * HOUR)).toBe(false);
    expect(raw.points.length).toBeGreaterThan(20 * 60 - 60 - 1);
    expect(env.store.metrics.damaged).toBeGreaterThan(0);
  });

  it('sealing and rollups never take the store over its quota', async () => {
    // Polls every 10 minutes for 31 days so that the 30-day hourly window is rolled up too.
    const quotaBytes = 160 * 1024;
    const env = await setup({ quotaBytes });
    const m = env.store.metrics;
    let peak = 0;
    const orig = m.rollUpTier.bind(m);
    m.rollUpTier = async (...args: Parameters<typeof orig>) => {
      const n = await orig(...args);
      peak = Math.max(peak, m.totalBytes());
      return n;
    };
    const signal = new AbortController().signal;
    for (let t = T0; t < T0 + 31 * DAY; t += 10 * MIN) {
      env.clock.t = t;
      await env.metrics.write(cycle(t, 40));
      if (t % HOUR === 0) {
        env.clock.t = t + 3 * MIN;
        await env.metrics.maintain(signal);
      }
    }
    expect(m.sealed()['1h']).toBeDefined();
    expect(peak).toBeLessThanOrEqual(quotaBytes);
  }, 300_000);

  it('a poll written twice for the same second (clock stepped back) keeps the usage exact', async () => {
    // A Raspberry Pi has no real-time clock: after a power cut fake-hwclock restarts the clock
    // up to an hour in the past, and cron-driven polls land on the same whole seconds again.
    const env = await setup();
    env.clock.t = T0 + 10 * MIN;
    expect(await env.metrics.write(cycle(T0 + 10 * MIN))).toBe(true);
    env.clock.t = T0 + 10 * MIN + 200;
    expect(await env.metrics.write(cycle(T0 + 10 * MIN + 200))).toBe(true);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
  });

  it('a clock stepped back onto older rows, before and after a restart, merges into them', async () => {
    // The store reads a row back only when one can exist at that second (not for a poll newer
    // than the newest row it knows of); a stepped-back clock and a restart must still merge.
    const env = await setup();
    for (const m of [10, 11, 12]) {
      env.clock.t = T0 + m * MIN;
      expect(await env.metrics.write(cycle(env.clock.t, 1))).toBe(true);
    }
    const memAt = (at: number, value: number): MetricsEntry[] => [
      {
        deviceId: 'd0',
        source: 'snmp',
        at,
        samples: [{ metric: 'mem.used_pct', instance: '', value }],
      },
    ];
    const values = async (id: string) =>
      (await env.metrics.query(id, T0, T0 + HOUR, { tier: 'raw' })).points.map((p) => [
        (p.t - T0) / MIN,
        p.avg,
      ]);
    // Two minutes back: the row at minute 10 gains the memory sample and keeps the rest.
    env.clock.t = T0 + 10 * MIN;
    expect(await env.metrics.write(memAt(env.clock.t, 40))).toBe(true);
    // After a restart the newest row (minute 12) is known again from the store.
    await env.reopen();
    env.clock.t = T0 + 12 * MIN;
    expect(await env.metrics.write(memAt(env.clock.t, 42))).toBe(true);
    expect(await values('d0~if.in_bps~1')).toEqual([
      [10, 1010],
      [11, 1011],
      [12, 1012],
    ]);
    expect(await values('d0~mem.used_pct~')).toEqual([
      [10, 40],
      [12, 42],
    ]);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
  });

  it('a clock that jumps years ahead for one upkeep run does not delete every stored window', async () => {
    const env = await setup();
    await run(env, T0, T0 + 2 * DAY + 4 * HOUR, 1);
    const before = await env.store.metrics.windows('5m');
    const sealedBefore = env.store.metrics.sealed();
    // A bad time source sets the clock 11 years ahead; it is corrected a minute later.
    env.clock.t = T0 + 11 * 366 * DAY;
    await env.metrics.maintain(new AbortController().signal);
    env.clock.t = T0 + 2 * DAY + 5 * HOUR;
    expect(await env.store.metrics.windows('5m')).toEqual(before);
    // No watermark ran off into the future either.
    for (const [tierName, at] of Object.entries(env.store.metrics.sealed()))
      expect(at, tierName).toBeLessThanOrEqual(
        (sealedBefore as Record<string, number>)[tierName] ?? (T0 + 3 * DAY) / 1000,
      );
  });

  it('quota eviction does not delete raw hours before they are summarised', async () => {
    // The quota holds about half a day of raw data: raw hours of the current day are evicted
    // before the day closes and is rolled up, so the 5-minute tier of every past day is mostly
    // empty although it would take a fraction of the quota.
    const env = await setup({ quotaBytes: 350 * 1024 });
    await run(env, T0, T0 + 3 * DAY + 4 * HOUR, 20);
    // Raw hours went first (each was summarised within the hour it was sealed) ...
    expect((await env.store.metrics.windows('raw'))[0]![0] * 1000).toBeGreaterThan(T0 + 2 * DAY);
    // ... and the 5-minute summaries of the days before are complete.
    const day2 = await env.metrics.query('d0~if.in_bps~1', T0 + DAY, T0 + 2 * DAY, { tier: '5m' });
    expect(day2.points.length).toBe(288);
  });
});
