/**
 * Metrics store benchmark (no network: LevelDB in temporary directories).
 * 1. Bytes on disk per stored raw sample, and write throughput, for a branch-like mix of series
 *    (busy and idle ports, error counters that are mostly zero, CPU, memory, storage), beside a
 *    plain LevelDB holding the same samples one key per sample. Budget: under 4 bytes/sample.
 * 2. Time to read 30 days of one series (tier chosen automatically), beside reading the same 30
 *    days one key per sample. Budget: under 20 ms.
 * 3. Disk use while simulating 2.5 years of a 1,000-series site polled every 15 minutes: it must
 *    stop growing once the tiers are full (raw 7 days, 5-minute 90 days, hourly 2 years).
 */
import { mkdtemp, rm, readdir, stat, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Level } from 'level';
import { openStore, type Store } from '../../src/store/store.js';
import { compactRange, metricsDir } from '../../src/store/db.js';
import { MetricsService } from '../../src/monitor/metrics-service.js';
import { createLogger } from '../../src/lib/logger.js';
import type { MetricsEntry } from '../../src/store/metrics.js';
import type { MetricName, Sample } from '../../src/monitor/types.js';
import { summarize, formatTable } from './lib.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const T0 = Date.parse('2026-01-05T00:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const IF_METRICS: MetricName[] = [
  'if.in_bps',
  'if.out_bps',
  'if.in_util_pct',
  'if.out_util_pct',
  'if.in_ucast_pps',
  'if.out_ucast_pps',
  'if.in_nucast_pps',
  'if.out_nucast_pps',
  'if.in_errors_ps',
  'if.out_errors_ps',
  'if.in_discards_ps',
  'if.out_discards_ps',
  'if.oper_up',
];

/** A device with `ports` interfaces (about half idle) and host resources, like the lab's. */
function deviceModel(seed: number, ports: number) {
  const r = rng(seed);
  const port = Array.from({ length: ports }, (_, i) => ({
    up: i === 0 || r() < 0.5,
    mean: i === 0 ? 4e7 : 2e5 + r() * 3e6,
    phase: r() * 6.28,
    errs: r() < 0.1,
  }));
  const noise = rng(seed * 7 + 1);
  return (t: number): Sample[] => {
    const out: Sample[] = [];
    const day = Math.sin((2 * Math.PI * t) / DAY);
    port.forEach((p, i) => {
      const inst = String(i + 1);
      const bps = p.up
        ? p.mean * (1 + 0.5 * Math.sin(p.phase + (2 * Math.PI * t) / DAY) + 0.1 * (noise() - 0.5))
        : 0;
      const vals: Record<string, number> = {
        'if.in_bps': bps,
        'if.out_bps': bps * 0.3,
        'if.in_util_pct': (bps / 1e9) * 100,
        'if.out_util_pct': (bps * 0.03) / 1e7,
        'if.in_ucast_pps': bps / 8 / 700,
        'if.out_ucast_pps': (bps * 0.3) / 8 / 400,
        'if.in_nucast_pps': p.up ? 2 + noise() : 0,
        'if.out_nucast_pps': p.up ? 0.5 + noise() * 0.1 : 0,
        'if.in_errors_ps': p.errs && noise() < 0.05 ? noise() / 60 : 0,
        'if.out_errors_ps': 0,
        'if.in_discards_ps': 0,
        'if.out_discards_ps': p.up && noise() < 0.02 ? 1 / 60 : 0,
        'if.oper_up': p.up ? 1 : 0,
      };
      for (const m of IF_METRICS) out.push({ metric: m, instance: inst, value: vals[m]! });
    });
    out.push({
      metric: 'cpu.load_pct',
      instance: '',
      value: Math.round(20 + 15 * day + noise() * 10),
    });
    out.push({ metric: 'mem.used_pct', instance: '', value: 61 + noise() * 0.5 });
    out.push({
      metric: 'uptime.s',
      instance: '',
      value: Math.floor((t - T0) / 1000) + 86_400 * 12,
    });
    out.push({ metric: 'poll.ms', instance: '', value: Math.round(40 + noise() * 30) });
    for (let s = 1; s <= 3; s++) {
      const used = 40 + s * 10 + ((t - T0) / DAY) * 0.05;
      out.push({ metric: 'storage.used_pct', instance: String(s), value: used });
      out.push({
        metric: 'storage.used_bytes',
        instance: String(s),
        value: Math.round(used * 1e10),
      });
    }
    return out;
  };
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const f of await readdir(dir)) n += (await stat(path.join(dir, f))).size;
  return n;
}

async function fresh(): Promise<{
  dir: string;
  store: Store;
  metrics: MetricsService;
  clock: { t: number };
}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'caretaker-bench-metrics-'));
  const store = await openStore(dir);
  const clock = {
    t: T0,
    now() {
      return this.t;
    },
  };
  const metrics = new MetricsService({
    store,
    clock,
    logger: createLogger('silent'),
    policy: { quotaBytes: 8 * 1024 ** 3, minFreeBytes: 1, pollIntervalS: 60 },
  });
  metrics.freeSpaceProbe = async () => Number.MAX_SAFE_INTEGER;
  return { dir, store, metrics, clock };
}

async function compactAndMeasure(store: Store, dir: string): Promise<number> {
  // The metrics' LevelDB, compacted so that deleted rows and overwritten keys are really gone.
  await compactRange((store as unknown as { metricsDb: unknown }).metricsDb, '\u0000', '\uffff');
  return dirBytes(metricsDir(dir));
}

/** BENCH_METRICS_PARTS=2,3 runs only those parts (the 2.5-year simulation takes half an hour). */
const PARTS = new Set((process.env.BENCH_METRICS_PARTS ?? '1,2,3').split(',').map(Number));

async function main(): Promise<void> {
  const lines: string[][] = [];
  const results: Record<string, unknown> = {};
  const signal = new AbortController().signal;

  // ---- 1. bytes per raw sample, write throughput ------------------------------------------
  if (PARTS.has(1)) {
    const DEVICES = 10;
    const HOURS = 23; // one day minus its last hour: everything sealed, no rollup yet
    const models = Array.from({ length: DEVICES }, (_, d) => deviceModel(d + 1, 24));
    const env = await fresh();
    let samples = 0;
    let writeMs = 0;
    for (let t = T0; t < T0 + HOURS * 3_600_000; t += MIN) {
      env.clock.t = t + 1_500; // polls end a moment after they start
      const entries: MetricsEntry[] = models.map((m, d) => ({
        deviceId: `dev${d}`,
        source: 'snmp',
        at: t,
        samples: m(t),
      }));
      samples += entries.reduce((n, e) => n + e.samples.length, 0);
      const t0 = performance.now();
      await env.metrics.write(entries);
      writeMs += performance.now() - t0;
    }
    env.clock.t = T0 + HOURS * 3_600_000 + 5 * MIN;
    const tSeal = performance.now();
    await env.metrics.maintain(signal);
    const sealMs = performance.now() - tSeal;
    const disk = await compactAndMeasure(env.store, env.dir);
    const logical = env.store.metrics.usage().raw;
    await env.store.close();
    await rm(env.dir, { recursive: true, force: true });

    // Baseline: one LevelDB key per sample (series id + time → float64), same samples.
    const bdir = await mkdtemp(path.join(os.tmpdir(), 'caretaker-bench-plain-'));
    const plain = new Level<string, Buffer>(bdir, { valueEncoding: 'buffer' });
    let plainMs = 0;
    for (let t = T0; t < T0 + HOURS * 3_600_000; t += MIN) {
      const ops: Array<{ type: 'put'; key: string; value: Buffer }> = [];
      models.forEach((m, d) => {
        for (const s of m(t)) {
          const v = Buffer.allocUnsafe(8);
          v.writeDoubleLE(s.value);
          ops.push({ type: 'put', key: `dev${d}~${s.metric}~${s.instance}!${t / 1000}`, value: v });
        }
      });
      const t0 = performance.now();
      await plain.batch(ops);
      plainMs += performance.now() - t0;
    }
    await compactRange(plain, '\u0000', '\uffff');
    await plain.close();
    const plainDisk = await dirBytes(bdir);
    await rm(bdir, { recursive: true, force: true });

    const perSample = disk / samples;
    lines.push([
      'bytes on disk per raw sample',
      perSample.toFixed(2),
      (plainDisk / samples).toFixed(2),
      `${(plainDisk / disk).toFixed(1)}× smaller`,
      '< 4',
      perSample < 4 ? '✓' : '✗',
    ]);
    lines.push([
      '  (logical bytes per raw sample, keys included)',
      (logical / samples).toFixed(2),
      '—',
      '',
      '',
      '',
    ]);
    const ours = samples / (writeMs / 1000);
    const base = samples / (plainMs / 1000);
    lines.push([
      'write throughput (samples/s, per-cycle batches)',
      ours.toFixed(0),
      base.toFixed(0),
      `${(ours / base).toFixed(1)}×`,
      '—',
      '',
    ]);
    lines.push([
      `  sealing ${HOURS} h × ${DEVICES} devices into chunks`,
      `${sealMs.toFixed(0)} ms`,
      '—',
      '',
      '',
      '',
    ]);
    console.log(
      formatTable(['figure', 'ours', 'baseline', 'ratio', 'budget', ''], lines.slice(-4)),
    );
    results.storage = { samples, disk, logical, plainDisk, writeMs, plainMs, sealMs, perSample };
  }

  // ---- 2. reading 30 days of one series ---------------------------------------------------
  if (PARTS.has(2)) {
    const env = await fresh();
    const model = deviceModel(42, 4);
    const DAYS = 40;
    for (let t = T0; t < T0 + DAYS * DAY; t += MIN) {
      env.clock.t = t;
      await env.metrics.write([{ deviceId: 'dev', source: 'snmp', at: t, samples: model(t) }]);
      if (t % DAY === 0) await env.metrics.maintain(signal);
    }
    env.clock.t = T0 + DAYS * DAY - 1;
    const to = env.clock.t;
    const from = to - 30 * DAY;
    const id = 'dev~if.in_bps~1';
    const auto: number[] = [];
    const fiveMin: number[] = [];
    let points = 0;
    let tier = '';
    for (let i = 0; i < 40; i++) {
      let t0 = performance.now();
      const a = await env.metrics.query(id, from, to);
      auto.push(performance.now() - t0);
      points = a.points.length;
      tier = a.tier;
      t0 = performance.now();
      await env.metrics.query(id, from, to, { tier: '5m' });
      fiveMin.push(performance.now() - t0);
    }
    await env.store.close();
    await rm(env.dir, { recursive: true, force: true });

    const bdir = await mkdtemp(path.join(os.tmpdir(), 'caretaker-bench-plain-'));
    const plain = new Level<string, Buffer>(bdir, { valueEncoding: 'buffer' });
    for (let day = 0; day < 30; day++) {
      const ops: Array<{ type: 'put'; key: string; value: Buffer }> = [];
      for (let t = from + day * DAY; t < from + (day + 1) * DAY; t += MIN)
        ops.push({
          type: 'put',
          key: `${id}!${String(t).padStart(14, '0')}`,
          value: Buffer.alloc(8, 1),
        });
      await plain.batch(ops);
    }
    const base: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      let n = 0;
      for await (const [, v] of plain.iterator({ gte: `${id}!`, lt: `${id}!~` }))
        n += v.length > 0 ? 1 : 0;
      base.push(performance.now() - t0);
      if (n !== 30 * 1440) throw new Error(`baseline read ${n} samples`);
    }
    await plain.close();
    await rm(bdir, { recursive: true, force: true });
    const sAuto = summarize(auto);
    lines.push([
      `read 30 days of one series (auto: ${tier}, ${points} points)`,
      `${sAuto.median.toFixed(1)} ms`,
      `${summarize(base).median.toFixed(1)} ms`,
      `${(sAuto.median / summarize(base).median).toFixed(2)}×`,
      '< 20 ms',
      sAuto.median < 20 ? '✓' : '✗',
    ]);
    lines.push([
      '  the same from the 5-minute tier (8,640 points)',
      `${summarize(fiveMin).median.toFixed(1)} ms`,
      '—',
      '',
      '',
      '',
    ]);
    console.log(
      formatTable(['figure', 'ours', 'baseline', 'ratio', 'budget', ''], lines.slice(-2)),
    );
    results.read30d = { auto, fiveMin, base, tier, points };
  }

  // ---- 3. disk use over 2.5 years -----------------------------------------------------------
  if (PARTS.has(3)) {
    const env = await fresh();
    // Every 15 minutes, so that 2.5 simulated years take minutes, not an hour, on this machine.
    const STEP = 15 * MIN;
    // 4 devices × 250 series = 1,000 series.
    const models = Array.from({ length: 4 }, (_, d) => deviceModel(100 + d, 19));
    const growth: Array<[number, number, Record<string, number>]> = [];
    const months = 30;
    let nextMonth = T0;
    const t0 = performance.now();
    for (let t = T0; t <= T0 + months * 30 * DAY; t += STEP) {
      env.clock.t = t;
      await env.metrics.write(
        models.map((m, d) => ({
          deviceId: `dev${d}`,
          source: 'snmp',
          at: t,
          samples: m(t).slice(0, 250),
        })),
      );
      // Upkeep once a simulated day: it seals and rolls up everything that has closed since.
      if (t % (6 * 3_600_000) === 0) await env.metrics.maintain(signal);
      if (t >= nextMonth) {
        console.log(
          `  … month ${Math.round((t - T0) / (30 * DAY))}: ${(env.store.metrics.totalBytes() / 1024).toFixed(0)} KiB stored, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        );
        growth.push([
          Math.round((t - T0) / (30 * DAY)),
          env.store.metrics.totalBytes(),
          env.store.metrics.usage() as unknown as Record<string, number>,
        ]);
        nextMonth += 3 * 30 * DAY;
      }
    }
    const disk = await compactAndMeasure(env.store, env.dir);
    const simMs = performance.now() - t0;
    await env.store.close();
    await rm(env.dir, { recursive: true, force: true });
    const series = 4 * 250;
    console.log(
      `\n  Disk use of a ${series}-series site polled every 15 min (stored bytes by tier, KiB):`,
    );
    console.log(
      formatTable(
        ['month', 'total', 'open rows', 'raw', '5m', '1h', '1d'],
        growth.map(([m, total, u]) => [
          String(m),
          (total / 1024).toFixed(0),
          (u.rows! / 1024).toFixed(0),
          (u.raw! / 1024).toFixed(0),
          (u['5m']! / 1024).toFixed(0),
          (u['1h']! / 1024).toFixed(0),
          (u['1d']! / 1024).toFixed(0),
        ]),
      ),
    );
    const at = (m: number) => growth.find((g) => g[0] >= m)?.[1] ?? 0;
    lines.push([
      `disk after ${months} months, ${series} series (LevelDB dir, compacted)`,
      `${(disk / 1024 / 1024).toFixed(1)} MiB`,
      '—',
      '',
      'flat',
      '',
    ]);
    lines.push([
      '  stored bytes: month 24 → month 30 (hourly tier full at 24)',
      `${(at(24) / 1024 / 1024).toFixed(1)} → ${(at(30) / 1024 / 1024).toFixed(1)} MiB`,
      '—',
      '',
      '',
      '',
    ]);
    lines.push(['  simulation time', `${(simMs / 1000).toFixed(0)} s`, '—', '', '', '']);
    results.growth = { growth, disk, simMs };
  }

  console.log(`\n${formatTable(['figure', 'ours', 'baseline', 'ratio', 'budget', ''], lines)}\n`);
  console.log(
    '  - baseline: the same samples in a plain LevelDB, one key (series id + time) per float64 sample, compacted; same run',
  );
  await mkdir(path.join(ROOT, 'tests/artifacts'), { recursive: true });
  await writeFile(
    path.join(ROOT, 'tests/artifacts/bench-metrics.json'),
    JSON.stringify(results, null, 2),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
