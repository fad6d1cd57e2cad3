import { describe, it, expect, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { openStore } from '../../src/store/store.js';
import { MetricsService } from '../../src/monitor/metrics-service.js';
import { quantize } from '../../src/store/series-codec.js';
import { tempDir } from '../helpers/temp-dir.js';
import { metricsEnv, T0, MIN, HOUR, DAY } from '../helpers/metrics-env.js';
import type { MetricsEntry } from '../../src/store/metrics.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const setup = (policy: Parameters<typeof metricsEnv>[1] = {}) => metricsEnv(cleanups, policy);

/** A poll of `devices` devices with a traffic series, a flat error series and a sometimes-missing one. */
function cycle(at: number, devices = 2): MetricsEntry[] {
  const i = Math.round((at - T0) / MIN);
  return Array.from({ length: devices }, (_, d) => ({
    deviceId: `d${d}`,
    source: 'snmp' as const,
    at,
    samples: [
      { metric: 'if.in_bps' as const, instance: '1', value: 1000 + i },
      { metric: 'if.in_errors_ps' as const, instance: '1', value: 0 },
      ...(i % 10 === 5 ? [] : [{ metric: 'cpu.load_pct' as const, instance: '', value: i % 100 }]),
    ],
    labels: { '1': 'Gi1/0/1' },
  }));
}

async function run(
  env: { metrics: MetricsService; clock: { t: number } },
  from: number,
  to: number,
  opts: { maintainEvery?: number; devices?: number } = {},
) {
  const signal = new AbortController().signal;
  for (let t = from; t < to; t += MIN) {
    env.clock.t = t;
    expect(await env.metrics.write(cycle(t, opts.devices))).toBe(true);
    if (t % (opts.maintainEvery ?? HOUR) === 0) await env.metrics.maintain(signal);
  }
  env.clock.t = to;
}

describe('metrics store (real LevelDB)', () => {
  it('answers from the open rows, then from sealed hours, identically', async () => {
    const env = await setup();
    await run(env, T0, T0 + 30 * MIN);
    const id = 'd0~if.in_bps~1';
    const before = await env.metrics.query(id, T0, T0 + HOUR, { tier: 'raw' });
    expect(before.points).toHaveLength(30);
    expect(before.points[3]).toEqual({ t: T0 + 3 * MIN, avg: 1003, min: 1003, max: 1003 });
    expect(before.series.label).toBe('Gi1/0/1');
    env.clock.t = T0 + 2 * HOUR;
    await env.metrics.maintain(new AbortController().signal);
    const after = await env.metrics.query(id, T0, T0 + HOUR, { tier: 'raw' });
    expect(after.points).toEqual(before.points);
    // Gaps stay gaps: cpu is missing every 10th poll and nothing is invented.
    const cpu = await env.metrics.query('d0~cpu.load_pct~', T0, T0 + HOUR, { tier: 'raw' });
    expect(cpu.points).toHaveLength(27);
    expect(cpu.points.some((p) => p.t === T0 + 5 * MIN)).toBe(false);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
  });

  it('reads a device’s open rows alike on a small and a large site (a scan or a seek a minute)', async () => {
    // 120 devices write more rows a minute than a seek costs: reads seek to the device's rows.
    for (const devices of [3, 120]) {
      const env = await setup();
      await run(env, T0, T0 + 30 * MIN, { devices });
      for (const d of [0, 1, devices - 1]) {
        const q = await env.metrics.query(`d${d}~if.in_bps~1`, T0, T0 + HOUR, { tier: 'raw' });
        expect(q.points).toHaveLength(30);
        q.points.forEach((p, i) =>
          expect(p).toEqual({ t: T0 + i * MIN, avg: 1000 + i, min: 1000 + i, max: 1000 + i }),
        );
      }
    }
  });

  it('rolls up into 5-minute, hourly and daily tiers with min/avg/max, sealed or not', async () => {
    const env = await setup();
    await run(env, T0, T0 + 2 * DAY + 3 * HOUR, { devices: 1 });
    const id = 'd0~if.in_bps~1';
    const day1 = await env.metrics.query(id, T0, T0 + DAY, { tier: '5m' });
    expect(day1.points).toHaveLength(288);
    expect(day1.points[0]).toEqual({ t: T0, avg: 1002, min: 1000, max: 1004 });
    // Today's 5-minute buckets are not sealed yet: computed from raw, same shape.
    const today = await env.metrics.query(id, T0 + 2 * DAY, T0 + 2 * DAY + 2 * HOUR, {
      tier: '5m',
    });
    expect(today.points).toHaveLength(24);
    expect(today.points[0]!.min).toBe(1000 + 2 * 1440);
    const hourly = await env.metrics.query(id, T0, T0 + 2 * DAY, { tier: '1h' });
    expect(hourly.points).toHaveLength(48);
    expect(hourly.points[1]).toEqual({ t: T0 + HOUR, avg: 1089.5, min: 1060, max: 1119 });
    const daily = await env.metrics.query(id, T0, T0 + 2 * DAY, { tier: '1d' });
    expect(daily.points.map((p) => [p.min, p.max])).toEqual([
      [1000, 2439],
      [2440, 3879],
    ]);
    expect(daily.points[0]!.avg).toBeCloseTo(quantize(1719.5), 0);
    // Auto tier choice and step re-bucketing.
    expect((await env.metrics.query(id, T0, T0 + HOUR)).tier).toBe('raw');
    expect((await env.metrics.query(id, T0, T0 + DAY)).tier).toBe('5m');
    const stepped = await env.metrics.query(id, T0, T0 + DAY, { stepS: 1800 });
    expect(stepped.points).toHaveLength(48);
    expect(stepped.stepS).toBe(1800);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
  });

  it('expires raw data after a week and keeps the summaries', async () => {
    const env = await setup();
    await run(env, T0, T0 + 9 * DAY, { devices: 1, maintainEvery: 6 * HOUR });
    await env.metrics.maintain(new AbortController().signal);
    const raw = await env.store.metrics.windows('raw');
    expect(raw[0]![0] * 1000).toBeGreaterThanOrEqual(T0 + 9 * DAY - 7 * DAY - HOUR);
    const old = await env.metrics.query('d0~if.in_bps~1', T0, T0 + DAY, { tier: '5m' });
    expect(old.points).toHaveLength(288);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
  });

  // Two simulated days, minute by minute: about 4.5 s alone, more on a busy machine.
  it('never exceeds the quota: the oldest raw hours go first', { timeout: 30_000 }, async () => {
    const quotaBytes = 200 * 1024;
    const env = await setup({ quotaBytes });
    const signal = new AbortController().signal;
    let peak = 0;
    for (let t = T0; t < T0 + 2 * DAY; t += MIN) {
      env.clock.t = t;
      await env.metrics.write(cycle(t, 20));
      if (t % HOUR === 0) await env.metrics.maintain(signal);
      peak = Math.max(peak, env.store.metrics.totalBytes());
    }
    expect(peak).toBeLessThanOrEqual(quotaBytes);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
    const latest = await env.metrics.query('d3~if.in_bps~1', T0 + 2 * DAY - HOUR, T0 + 2 * DAY, {
      tier: 'raw',
    });
    expect(latest.points.length).toBeGreaterThan(50);
    // Raw hours (already summarised) went first; the summaries of the older data are kept.
    const raw = await env.store.metrics.windows('raw');
    expect(raw.every(([w]) => w * 1000 > T0 + DAY)).toBe(true);
    expect((await env.store.metrics.windows('5m')).length).toBeGreaterThan(0);
  });

  it('suspends writing when the disk is nearly full, says so once, and resumes', async () => {
    const env = await setup({ minFreeBytes: 100 * 1024 * 1024 });
    let free = 1e12;
    env.metrics.freeSpaceProbe = async () => free;
    env.clock.t = T0;
    expect(await env.metrics.write(cycle(T0))).toBe(true);
    free = 50 * 1024 * 1024;
    for (let i = 1; i <= 3; i++) {
      env.clock.t = T0 + i * MIN;
      expect(await env.metrics.write(cycle(env.clock.t))).toBe(false);
    }
    expect(env.metrics.suspended).toMatch(/50 MiB free/);
    free = 110 * 1024 * 1024; // above the reserve but inside the resume margin
    env.clock.t += MIN;
    expect(await env.metrics.write(cycle(env.clock.t))).toBe(false);
    free = 1e12;
    env.clock.t += MIN;
    expect(await env.metrics.write(cycle(env.clock.t))).toBe(true);
    const kinds = (await env.store.events.page(50)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'metrics.suspended')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'metrics.resumed')).toHaveLength(1);
    const pts = await env.metrics.query('d0~if.in_bps~1', T0, T0 + HOUR, { tier: 'raw' });
    expect(pts.points.map((p) => (p.t - T0) / MIN)).toEqual([0, 5]);
  });

  it('rejects unknown series with a clear error', async () => {
    const env = await setup();
    await expect(env.metrics.query('nope~if.in_bps~1', T0, T0 + HOUR)).rejects.toMatchObject({
      code: 'SERIES_NOT_FOUND',
      status: 404,
    });
  });

  it('a device removed while being polled: its index goes, nothing breaks', async () => {
    const env = await setup();
    await run(env, T0, T0 + 90 * MIN);
    await env.store.metrics.forgetDevice('d1');
    expect(env.metrics.list('d1')).toEqual([]);
    await run(env, T0 + 90 * MIN, T0 + 3 * HOUR, { devices: 1 });
    await env.metrics.maintain(new AbortController().signal);
    expect(await env.store.metrics.recount()).toEqual(env.store.metrics.usage());
    const { metrics } = await env.reopen();
    expect(metrics.list('d0').length).toBe(3);
    // The latest values are back after a restart (from the newest open row).
    expect(metrics.list('d0').find((s) => s.metric === 'if.in_bps')?.last?.value).toBe(1000 + 179);
  });

  it('survives kill -9 in the middle of writing: the store opens and the usage is exact', async () => {
    const t = await tempDir();
    cleanups.push(t.cleanup);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tests/helpers/metrics-writer.ts', t.dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let last = 0;
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (/^\d+$/.test(line)) last = Number(line);
        if (last >= 120) resolve();
      });
      child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const store = await openStore(t.dir);
    try {
      await store.metrics.load();
      expect(await store.metrics.recount()).toEqual(store.metrics.usage());
      const idx = store.metrics.index('dev0');
      expect(idx?.size).toBe(30);
      const pts = await store.metrics.read('dev0', idx!.cols()[0]!, 'raw', 0, 2e9);
      expect(pts.length).toBeGreaterThanOrEqual(last);
    } finally {
      await store.close();
    }
  });
});
