/**
 * SNMP poll benchmark on the lab (needs root: network namespaces), for issue 4's budget: one poll
 * cycle of 1,000 simulated devices (a 24-port switch with HOST-RESOURCES-MIB each: 25 interfaces
 * with Vlan1, hrStorage, hrProcessorLoad, temperature sensors) in under 30 s on two cores, at
 * least 70 % of the raw net-snmp client's varbind rate, and the appliance's RSS under 150 MB.
 *
 * The appliance (the built CLI, as the box runs it) polls from the lab's appliance namespace; its
 * inventory is seeded into the data directory before it starts (see poll-seed.ts). Each cycle is
 * a run of the 'snmp-poll' job started through the API: wall time is the run's durationMs (the
 * whole cycle: polls, metrics batch, alert rules), CPU is the appliance's utime + stime over the
 * run. The baseline (poll-raw.ts) runs in the same namespace, in the same run, alternating with
 * ours, and fetches exactly the OIDs the poller asks with the same concurrency and PDU size.
 * The first cycle probes everything (caps unknown) and is reported on its own; then one warm-up
 * cycle, then BENCH_RUNS (default 3) measured cycles.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- API answers */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLab, labSkipReason, type Lab } from '../lab/lab.js';
import { startApplianceInLab, ApiClient, type LabAppliance } from '../lab/appliance.js';
import { openStore } from '../../src/store/store.js';
import { formatTable, installSignalCleanup, sleep, summarize, type Summary } from './lib.js';
import { seedInventory, type SeededDevice } from './poll-seed.js';
import type { RawCycle, RawDevicesFile, RawPlansFile } from './poll-raw.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const RAW = path.join(ROOT, 'tests/bench/poll-raw.ts');
const DEVICES = Number(process.env.BENCH_POLL_DEVICES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WARMUP = 1;
/** More node flags for the appliance, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it. */
const NODE_ARGS = (process.env.BENCH_POLL_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** More environment for the appliance only, e.g. "MALLOC_ARENA_MAX=2" (space-separated K=V). */
const APP_ENV = Object.fromEntries(
  (process.env.BENCH_POLL_ENV ?? '')
    .split(' ')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
/**
 * BENCH_POLL_TRACE=1: where the appliance's memory goes, after each cycle. The kernel's view
 * (/proc: RssAnon, RssFile, and the anonymous memory split into glibc's malloc arenas, the brk
 * heap and the rest: V8's heap, large mmap'ed blocks, stacks), and V8's from inside the process
 * (a preload module below samples process.memoryUsage() every 100 ms and reports the peaks on
 * SIGUSR2). Off by default: it adds a timer and a signal handler to the process it measures.
 * With BENCH_POLL_ENV="BENCH_POLL_HEAPSNAPSHOT_DIR=/some/dir" it also writes a V8 heap snapshot
 * there after each cycle (slow, and the snapshot itself raises the peak RSS it reports).
 */
const TRACE = process.env.BENCH_POLL_TRACE === '1';
/** BENCH_POLL_KEEP_LOG=/some/dir: LevelDB's LOG files are copied there before the data goes. */
const KEEP_LOG = process.env.BENCH_POLL_KEEP_LOG;
const TRACE_PRELOAD = `data:text/javascript,${encodeURIComponent(`
import v8 from 'node:v8';
let peak = {}, atPeak = {}, seq = 0;
const sample = () => {
  const m = process.memoryUsage();
  for (const k in m) if (!(m[k] <= peak[k])) peak[k] = m[k];
  if (m.rss >= (atPeak.rss ?? 0)) atPeak = m;
};
setInterval(sample, 100).unref();
process.on('SIGUSR2', () => {
  sample();
  const spaces = {};
  for (const s of v8.getHeapSpaceStatistics())
    spaces[s.space_name] = [s.space_size, s.space_used_size, s.physical_space_size];
  const line = JSON.stringify({ seq: ++seq, peak, atPeak, now: process.memoryUsage(), spaces });
  process.stderr.write('BENCHTRACE ' + line + '\\n');
  const dir = process.env.BENCH_POLL_HEAPSNAPSHOT_DIR;
  if (dir) v8.writeHeapSnapshot(dir + '/after-cycle-' + seq + '.heapsnapshot');
  peak = {};
  atPeak = {};
});
`)}`;
/** The appliance's defaults (config.monitor.pollConcurrency; VARBINDS_PER_GET in the service). */
const CONCURRENCY = 32;
const MAX_VARBINDS = 40;
const BUDGET_MS = 30_000;
const BUDGET_RATE = 0.7;
const BUDGET_RSS_MIB = 150e6 / 2 ** 20;
const JOBS = [
  'reachability',
  'snmp-poll',
  'service-checks',
  'metrics-maintenance',
  'housekeeping',
  'inspections',
];

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a process (all its threads), in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14 and 15 of proc(5); f[0] is field 3
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** CPU seconds the whole machine spent busy so far (all cores), from /proc/stat. */
async function machineCpuSeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
  // user nice system idle iowait irq softirq steal
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / CLK_TCK;
}

async function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) / 1024;
}

type StatusField = 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile' | 'RssShmem';

/** Several fields of /proc/<pid>/status, in MiB. */
async function statusFields(pid: number): Promise<Record<StatusField, number>> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const get = (f: string) => Number(new RegExp(`${f}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) / 1024;
  return {
    VmRSS: get('VmRSS'),
    VmHWM: get('VmHWM'),
    RssAnon: get('RssAnon'),
    RssFile: get('RssFile'),
    RssShmem: get('RssShmem'),
  };
}

/**
 * Resident anonymous memory by kind, in MiB, from /proc/<pid>/smaps: glibc's per-thread malloc
 * arenas (64 MiB-aligned reservations of 64 MiB, partly committed), the main arena's brk heap,
 * and the rest (V8's heap pages, malloc blocks big enough to be mmap'ed, thread stacks).
 */
async function anonBreakdown(pid: number): Promise<Record<string, number>> {
  const text = await readFile(`/proc/${pid}/smaps`, 'utf8');
  const vmas: Array<{ start: bigint; end: bigint; perms: string; name: string; rssKb: number }> =
    [];
  for (const l of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(l);
    if (m) {
      vmas.push({
        start: BigInt(`0x${m[1]}`),
        end: BigInt(`0x${m[2]}`),
        perms: m[3]!,
        name: m[4]!,
        rssKb: 0,
      });
    } else if (l.startsWith('Rss:')) vmas[vmas.length - 1]!.rssKb = Number(l.split(/\s+/)[1]);
  }
  const ARENA = 64n << 20n;
  const out = { arenas: 0, arenaCount: 0, brk: 0, otherAnon: 0, file: 0 };
  for (let i = 0; i < vmas.length; i++) {
    const v = vmas[i]!;
    if (v.name === '[heap]') out.brk += v.rssKb;
    else if (v.name.startsWith('/')) out.file += v.rssKb;
    else if (v.name === '' && v.start % ARENA === 0n) {
      const next = vmas[i + 1];
      const end = next && next.start === v.end && next.perms === '---p' ? next.end : v.end;
      if (end - v.start === ARENA) {
        out.arenas += v.rssKb;
        out.arenaCount++;
      } else out.otherAnon += v.rssKb;
    } else if (v.name === '' || v.name.startsWith('[anon')) out.otherAnon += v.rssKb;
  }
  return {
    arenas: out.arenas / 1024,
    arenaCount: out.arenaCount,
    brk: out.brk / 1024,
    otherAnon: out.otherAnon / 1024,
    file: out.file / 1024,
  };
}

/** The preload's report (TRACE): asks for it and waits for its line in the output. */
let traceSeq = 0;

/**
 * The preload's report (TRACE): asks for it and waits for its line in the output. With
 * --trace-gc among the node flags, also counts the collections since the previous report and
 * keeps the last mark-compact line.
 */
async function appTrace(app: LabAppliance): Promise<any> {
  const seq = ++traceSeq;
  app.child.kill('SIGUSR2');
  for (let i = 0; i < 100; i++) {
    await sleep(50);
    const out = app.output();
    const at = out.indexOf(`BENCHTRACE {"seq":${seq},`);
    const end = at === -1 ? -1 : out.indexOf('\n', at);
    if (end === -1) continue;
    const prev = out.indexOf(`BENCHTRACE {"seq":${seq - 1},`);
    const gcLines = out
      .slice(prev === -1 ? 0 : prev, at)
      .split('\n')
      .filter((l) => l.includes(' ms: '));
    const mc = gcLines.filter((l) => l.includes('Mark-Compact'));
    const gc = gcLines.length
      ? `${gcLines.length - mc.length} scavenges, ${mc.length} mark-compacts${prev === -1 && seq > 1 ? ' (output cut: at least)' : ''}; last: ${
          mc
            .at(-1)
            ?.replace(/^.*ms: /, '')
            .slice(0, 120) ?? '—'
        }`
      : undefined;
    return { ...JSON.parse(out.slice(at + 11, end)), gc };
  }
  return undefined;
}

const MiB = (b: number | undefined) => ((b ?? 0) / 2 ** 20).toFixed(0);

/** One line of TRACE output: the peak during the cycle and the state after it. */
function traceLine(
  peak: Record<StatusField, number>,
  after: Record<StatusField, number>,
  anon: Record<string, number>,
  t: any,
): string {
  const f = (r: Record<StatusField, number>) =>
    `rss ${r.VmRSS.toFixed(0)} (anon ${r.RssAnon.toFixed(0)}, file ${r.RssFile.toFixed(0)}, shmem ${r.RssShmem.toFixed(0)})`;
  const a = `arenas ${anon.arenas!.toFixed(0)} in ${anon.arenaCount}, brk ${anon.brk!.toFixed(0)}, other anon ${anon.otherAnon!.toFixed(0)}`;
  const v = t
    ? `; v8 at peak rss: heapTotal ${MiB(t.atPeak.heapTotal)} used ${MiB(t.atPeak.heapUsed)} external ${MiB(t.atPeak.external)} (arrayBuffers ${MiB(t.atPeak.arrayBuffers)}); peaks heapTotal ${MiB(t.peak.heapTotal)} used ${MiB(t.peak.heapUsed)} external ${MiB(t.peak.external)}; now heapTotal ${MiB(t.now.heapTotal)} used ${MiB(t.now.heapUsed)} external ${MiB(t.now.external)}; old space ${MiB(t.spaces.old_space?.[0])}/${MiB(t.spaces.old_space?.[1])}, new ${MiB(t.spaces.new_space?.[0])}, lo ${MiB(t.spaces.large_object_space?.[0])}, code ${MiB(t.spaces.code_space?.[0])}${t.gc ? `\n    gc: ${t.gc}` : ''}`
    : '';
  return `    trace: peak ${f(peak)} | after ${f(after)}: ${a}${v}`;
}

interface OurCycle {
  ms: number;
  cpuS: number;
  simCpuS: number;
  /** CPU the rest of the machine used meanwhile (other people's work on a shared box). */
  otherCpuS: number;
  rssAfterMiB: number;
  peakRssMiB: number;
  summary: string;
  /** BENCH_POLL_TRACE only */
  trace?: string;
}

interface BaseCycle extends RawCycle {
  simCpuS: number;
  otherCpuS: number;
}

interface Ctx {
  lab: Lab;
  app: LabAppliance;
  api: ApiClient;
  appPid: number;
  simPid: number;
  tmp: string;
}

/**
 * What the appliance has written to disk so far (/proc/<pid>/io write_bytes: all its threads, so
 * LevelDB's compactions too) and what its metrics store counts as stored (the bytes of its keys
 * and values): over some cycles, their ratio is LevelDB's write amplification.
 */
async function diskWrites(ctx: Ctx): Promise<{ written: number; stored: number }> {
  const io = await readFile(`/proc/${ctx.appPid}/io`, 'utf8');
  const written = Number(/^write_bytes: (\d+)$/m.exec(io)?.[1] ?? NaN);
  const r = await ctx.api.call('GET', '/api/v1/monitoring');
  return { written, stored: Number(r.json.metrics?.bytes ?? NaN) };
}

/** One run of the snmp-poll job, started by hand and followed until it ends. */
async function ourCycle(ctx: Ctx): Promise<OurCycle> {
  const { api, appPid, simPid } = ctx;
  // The appliance's own schedule may have started a cycle meanwhile (a slow warm-up round takes
  // longer than the poll interval): wait until it is over, so the measured cycle is ours alone.
  for (let i = 0; i < 240; i++) {
    const runs = await api.call('GET', '/api/v1/jobs/snmp-poll/runs?limit=3');
    if (!(runs.json.items as any[]).some((x) => x.status === 'running')) break;
    await sleep(250);
  }
  const cpu0 = await cpuSeconds(appPid);
  const sim0 = await cpuSeconds(simPid);
  const all0 = await machineCpuSeconds();
  const r = await api.call('POST', '/api/v1/jobs/snmp-poll/run');
  if (r.status !== 202) throw new Error(`snmp-poll did not start: ${JSON.stringify(r.json)}`);
  const id = r.json.run.id as string;
  let peak = 0;
  let peakStatus: Record<StatusField, number> | undefined;
  for (;;) {
    await sleep(250);
    if (TRACE) {
      const st = await statusFields(appPid);
      if (!peakStatus || st.VmRSS >= peakStatus.VmRSS) peakStatus = st;
    }
    peak = Math.max(peak, await statusMiB(appPid, 'VmRSS'));
    const runs = await api.call('GET', '/api/v1/jobs/snmp-poll/runs?limit=10');
    const run = (runs.json.items as any[]).find((x) => x.id === id);
    if (!run || run.status === 'running') continue;
    const cpu1 = await cpuSeconds(appPid);
    const sim1 = await cpuSeconds(simPid);
    const all1 = await machineCpuSeconds();
    if (run.status !== 'ok') throw new Error(`snmp-poll ${run.status}: ${JSON.stringify(run)}`);
    let trace: string | undefined;
    if (TRACE) {
      const after = await statusFields(appPid);
      trace = traceLine(
        peakStatus ?? after,
        after,
        await anonBreakdown(appPid),
        await appTrace(ctx.app),
      );
    }
    return {
      ...(trace ? { trace } : {}),
      ms: run.durationMs,
      cpuS: cpu1 - cpu0,
      simCpuS: sim1 - sim0,
      otherCpuS: Math.max(0, all1 - all0 - (cpu1 - cpu0) - (sim1 - sim0)),
      rssAfterMiB: await statusMiB(appPid, 'VmRSS'),
      peakRssMiB: Math.max(peak, await statusMiB(appPid, 'VmRSS')),
      summary: run.summary ?? '',
    };
  }
}

/** One cycle of the raw client in the appliance namespace. */
async function baseCycle(ctx: Ctx, args: string[]): Promise<BaseCycle> {
  const sim0 = await cpuSeconds(ctx.simPid);
  const all0 = await machineCpuSeconds();
  const r = await ctx.lab.exec([process.execPath, '--import', 'tsx', RAW, ...args], {
    timeoutMs: 600_000,
    cwd: ROOT,
  });
  const sim1 = await cpuSeconds(ctx.simPid);
  const all1 = await machineCpuSeconds();
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !last.startsWith('{')) {
    throw new Error(`poll-raw ${args[0]} failed (${r.code}):\n${r.stderr.slice(-4000)}`);
  }
  const raw = JSON.parse(last) as RawCycle;
  const otherCpuS = all1 - all0 - (sim1 - sim0) - raw.processCpuMs / 1000;
  return { ...raw, simCpuS: sim1 - sim0, otherCpuS: Math.max(0, otherCpuS) };
}

function line(label: string, o: OurCycle, b: BaseCycle | undefined): string {
  const ours = `${(o.ms / 1000).toFixed(2)} s, CPU ${o.cpuS.toFixed(2)} s (others ${o.otherCpuS.toFixed(1)} s), RSS ${o.rssAfterMiB.toFixed(0)} MiB (peak ${o.peakRssMiB.toFixed(0)}), ${o.summary}`;
  const base = b
    ? ` | raw ${(b.ms / 1000).toFixed(2)} s, CPU ${(b.cpuMs / 1000).toFixed(2)} s (others ${b.otherCpuS.toFixed(1)} s), ${b.ok}/${b.devices} ok, ${b.varbinds} varbinds in ${b.requests} requests`
    : '';
  return `  ${label}: ours ${ours}${base}${o.trace ? `\n${o.trace}` : ''}`;
}

// ---- formatting ------------------------------------------------------------------------------

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const range = (s: Summary, f: (v: number) => string) =>
  s.n < 2 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;

function row(
  figure: string,
  ours: Summary,
  base: Summary | undefined,
  fmt: (v: number) => string,
  budget = '—',
): string[] {
  const ratio = base && base.median !== 0 ? `${(ours.median / base.median).toFixed(2)}×` : '—';
  return [figure, range(ours, fmt), base ? range(base, fmt) : '—', ratio, budget];
}

// ---- the benchmark ---------------------------------------------------------------------------

async function claim(app: LabAppliance): Promise<ApiClient> {
  const api = new ApiClient(app.url);
  await api.claim((await readFile(path.join(app.dataDir, 'setup-code'), 'utf8')).trim());
  return api;
}

/** Scheduled runs of any job inside the measured window would skew the figures: say so. */
async function scheduledRunsSince(api: ApiClient, sinceMs: number): Promise<string[]> {
  const out: string[] = [];
  for (const job of JOBS) {
    const r = await api.call('GET', `/api/v1/jobs/${job}/runs?limit=50`);
    for (const run of (r.json?.items ?? []) as any[]) {
      if (run.trigger !== 'manual' && Date.parse(run.startedAt) >= sinceMs) {
        out.push(`${job} (${run.trigger}) at ${run.startedAt}, ${run.durationMs ?? '?'} ms`);
      }
    }
  }
  return out;
}

/** What the appliance recorded per device: ok, GET varbinds asked, notes. */
async function monitorStates(dataDir: string) {
  const store = await openStore(dataDir);
  try {
    return await store.monitorState.all();
  } finally {
    await store.close();
  }
}

/** Copies every LevelDB LOG file under the data directory, named by their path in it. */
async function keepLevelLogs(dataDir: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const names = (await readdir(dataDir, { recursive: true })).filter((f) =>
    /(^|\/)LOG(\.old)?$/.test(f),
  );
  for (const f of names)
    await copyFile(path.join(dataDir, f), path.join(to, f.replaceAll('/', '_')));
  console.log(`  LevelDB logs kept in ${to}: ${names.join(', ')}`);
}

async function main(): Promise<void> {
  const skip = labSkipReason();
  console.log('Caretaker SNMP poll benchmark');
  if (skip) {
    console.log(`  skipped: ${skip}`);
    return;
  }
  let lab: Lab | undefined;
  let app: LabAppliance | undefined;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'caretaker-poll-bench-'));
  const dataDir = path.join(tmp, 'data');
  // finally blocks do not run when a signal ends the process: tear the lab down synchronously
  // (it kills whatever runs in its namespaces, the appliance and a raw client included).
  const onSignal = () => {
    lab?.stopSync();
    rmSync(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  installSignalCleanup();

  const ours: OurCycle[] = [];
  const base: BaseCycle[] = [];
  let first: { ours: OurCycle; base: BaseCycle } | undefined;
  const notes: string[] = [];
  let idleMiB = 0;
  let hwmMiB = 0;
  let disk0: { written: number; stored: number } | undefined;
  let disk1: typeof disk0;
  let seeded: SeededDevice[] = [];
  let plans: RawPlansFile | undefined;
  let states: Awaited<ReturnType<typeof monitorStates>> = [];
  const t0 = Date.now();
  try {
    lab = await startLab({
      devices: [],
      simulated: [],
      extraSimulated: DEVICES,
      scaleProfile: { prefix: 'sw', profile: 'switch24', vendor: 'cisco', hostResources: true },
      readyTimeoutMs: 120_000,
      // Every agent keeps its MIB tree, as a real device does: the agents, not the poller,
      // would otherwise spend most of the cycle rebuilding them.
      scaleResidentMibs: DEVICES,
    });
    const simPid = await findSimulator(lab);
    console.log(
      `  lab ${lab.subnet}: ${lab.devices.length} simulated switch24 + HOST-RESOURCES-MIB agents in one process (ready in ${(lab.timings.totalMs / 1000).toFixed(1)} s); runs: ${RUNS} after ${WARMUP} warm-up`,
    );
    await mkdir(dataDir);
    const s0 = Date.now();
    seeded = await seedInventory(dataDir, path.join(lab.tempDir, 'scale', 'simulator.json'));
    const ifCount = seeded.reduce((n, d) => n + d.interfaces.length, 0);
    console.log(
      `  inventory seeded into the data dir in ${Date.now() - s0} ms: ${seeded.length} devices, ${ifCount} interfaces`,
    );
    app = await startApplianceInLab(lab, {
      dataDir,
      config: {
        // Only the runs the benchmark starts: nothing scheduled inside the measured window.
        monitor: {
          reachIntervalS: 3600,
          pollIntervalS: 3600,
          serviceIntervalS: 3600,
          pollConcurrency: CONCURRENCY,
        },
      },
      readyTimeoutMs: 60_000,
      nodeArgs: TRACE ? [`--import=${TRACE_PRELOAD}`, ...NODE_ARGS] : NODE_ARGS,
      env: APP_ENV,
    });
    const appPid = app.child.pid!;
    const comm = (await readFile(`/proc/${appPid}/comm`, 'utf8')).trim();
    if (comm !== 'node') throw new Error(`appliance PID ${appPid} is ${comm}, not node`);
    const api = await claim(app);
    const ctx: Ctx = { lab, app, api, appPid, simPid, tmp };
    await sleep(2000);
    idleMiB = await statusMiB(appPid, 'VmRSS');
    if (TRACE) {
      const st = await statusFields(appPid);
      console.log(
        traceLine(st, st, await anonBreakdown(appPid), await appTrace(app)).replace(
          'trace:',
          'trace (idle):',
        ),
      );
    }
    if (NODE_ARGS.length || Object.keys(APP_ENV).length) {
      console.log(
        `  appliance started with extra node flags [${NODE_ARGS.join(' ')}], env ${JSON.stringify(APP_ENV)}`,
      );
    }
    const window0 = Date.now();

    // The first cycle: everything probed, on both sides.
    const devicesFile = path.join(tmp, 'devices.json');
    const plansFile = path.join(tmp, 'plans.json');
    const input: RawDevicesFile = {
      community: 'public',
      port: 161,
      timeoutMs: 2000,
      retries: 1,
      concurrency: CONCURRENCY,
      maxVarbinds: MAX_VARBINDS,
      devices: seeded.map((d) => ({ ip: d.ip, interfaces: d.interfaces })),
    };
    await writeFile(devicesFile, JSON.stringify(input));
    // Every agent builds its MIB the first time it is asked (and the simulator's code is cold):
    // one untimed round first, so that neither side's first cycle pays for that.
    const b0 = await baseCycle(ctx, ['probe', devicesFile, plansFile]);
    console.log(
      `  agents warmed up by one raw probe round: ${(b0.ms / 1000).toFixed(2)} s, ${b0.ok}/${b0.devices} ok`,
    );
    const o1 = await ourCycle(ctx);
    const b1 = await baseCycle(ctx, ['probe', devicesFile, plansFile]);
    first = { ours: o1, base: b1 };
    console.log(line('cycle 1 (probe)', o1, b1));
    plans = JSON.parse(await readFile(plansFile, 'utf8')) as RawPlansFile;

    for (let i = 0; i < WARMUP + RUNS; i++) {
      if (i === WARMUP) disk0 = await diskWrites(ctx);
      const b = await baseCycle(ctx, ['poll', plansFile]);
      const o = await ourCycle(ctx);
      const label = i < WARMUP ? `cycle ${i + 2} (warm-up)` : `cycle ${i + 2}`;
      console.log(line(label, o, b));
      if (i >= WARMUP) {
        ours.push(o);
        base.push(b);
      }
    }
    // What the last cycle's flush and compactions write happens meanwhile in the raw client's turn.
    await baseCycle(ctx, ['poll', plansFile]);
    disk1 = await diskWrites(ctx);
    hwmMiB = await statusMiB(appPid, 'VmHWM');
    notes.push(...(await scheduledRunsSince(api, window0)).map((s) => `scheduled run: ${s}`));
    await app.stop();
    app = undefined;
    states = await monitorStates(dataDir);
  } finally {
    await app?.stop();
    await lab?.stop();
    if (KEEP_LOG) await keepLevelLogs(dataDir, KEEP_LOG);
    await rm(tmp, { recursive: true, force: true });
  }
  if (!first || !plans) return;

  // ---- checks: both sides asked the same -------------------------------------------------------
  const getByIp = new Map(plans.plans.map((p) => [p.ip, p.get.length]));
  const ipById = new Map(seeded.map((d) => [d.id, d.ip]));
  let same = 0;
  let okDevices = 0;
  let ourGets = 0;
  const differ: string[] = [];
  for (const st of states) {
    if (st.snmp?.ok) okDevices++;
    ourGets += st.snmp?.varbinds ?? 0;
    const ip = ipById.get(st.deviceId);
    const expected = ip ? getByIp.get(ip) : undefined;
    if (expected !== undefined && expected === st.snmp?.varbinds) same++;
    else if (differ.length < 5) differ.push(`${ip}: ours ${st.snmp?.varbinds}, raw ${expected}`);
  }
  const steadyGets = plans.plans.reduce((n, p) => n + p.get.length, 0);
  const walkVarbinds = summarize(base.map((b) => b.walkVarbinds)).median;
  const varbinds = steadyGets + walkVarbinds;
  if (same !== seeded.length) {
    notes.push(
      `only ${same} of ${seeded.length} devices asked the same GET OIDs on both sides: ${differ.join('; ')}`,
    );
  }
  if (okDevices !== seeded.length)
    notes.push(`the last cycle polled ${okDevices} of ${seeded.length} devices`);
  const others = summarize([...ours.map((o) => o.otherCpuS), ...base.map((b) => b.otherCpuS)]);
  if (others.median > 2) {
    notes.push(
      `other processes used ${others.median.toFixed(1)} s of CPU per cycle (median) on this ${os.cpus().length}-core machine: the timings are perturbed`,
    );
  }
  const sampleNotes = states.flatMap((s) => s.snmp?.notes ?? []).slice(0, 3);
  if (sampleNotes.length) notes.push(`poll notes, e.g.: ${sampleNotes.join(' | ')}`);

  // ---- table --------------------------------------------------------------------------------
  const n = seeded.length.toLocaleString('en');
  const oursMs = summarize(ours.map((o) => o.ms));
  const baseMs = summarize(base.map((b) => b.ms));
  const oursRate = summarize(ours.map((o) => varbinds / (o.ms / 1000)));
  const baseRate = summarize(base.map((b) => b.varbinds / (b.ms / 1000)));
  const oursCpu = summarize(ours.map((o) => o.cpuS));
  const baseCpu = summarize(base.map((b) => b.cpuMs / 1000));
  const rateShare = oursRate.median / baseRate.median;
  const mib = (v: number) => `${v.toFixed(1)} MiB`;
  const cpu = (v: number) => `${v.toFixed(2)} s`;
  const rate = (v: number) => `${Math.round(v).toLocaleString('en')}/s`;
  const rows: string[][] = [
    row(
      `poll cycle of ${n} devices, wall time`,
      oursMs,
      baseMs,
      sec,
      `< 30 s ${oursMs.median < BUDGET_MS ? '✓' : '✗'}`,
    ),
    row(
      `varbinds per second (${Math.round(varbinds).toLocaleString('en')} a cycle)`,
      oursRate,
      baseRate,
      rate,
      `≥ 70 % of raw ${rateShare >= BUDGET_RATE ? '✓' : '✗'} (${(rateShare * 100).toFixed(0)} %)`,
    ),
    row('CPU seconds per cycle (the poller’s process)', oursCpu, baseCpu, cpu),
    row(
      'CPU seconds of the simulated agents per cycle',
      summarize(ours.map((o) => o.simCpuS)),
      summarize(base.map((b) => b.simCpuS)),
      cpu,
    ),
    row(
      'CPU seconds of other processes on the machine meanwhile',
      summarize(ours.map((o) => o.otherCpuS)),
      summarize(base.map((b) => b.otherCpuS)),
      cpu,
    ),
    row(
      'first cycle (probe, caps unknown), wall time',
      summarize([first.ours.ms]),
      summarize([first.base.ms]),
      sec,
    ),
    row(
      'appliance peak RSS (VmHWM, whole run)',
      summarize([hwmMiB]),
      summarize([idleMiB]),
      mib,
      `< 150 MB ${hwmMiB < BUDGET_RSS_MIB ? '✓' : '✗'}`,
    ),
    row(
      'appliance RSS after a cycle',
      summarize(ours.map((o) => o.rssAfterMiB)),
      summarize([idleMiB]),
      mib,
    ),
  ];
  if (disk0 && disk1) {
    const perCycle = (v: number) => summarize([v / 2 ** 20 / RUNS]);
    rows.push(
      row(
        'disk writes per cycle (all of LevelDB’s), beside the bytes the cycle stores',
        perCycle(disk1.written - disk0.written),
        perCycle(disk1.stored - disk0.stored),
        mib,
      ),
    );
  }
  console.log(`\n${formatTable(['figure', 'ours', 'baseline', 'ratio', 'budget'], rows)}\n`);
  console.log(
    `  - ours: the appliance's snmp-poll job (${CONCURRENCY} devices at a time, ${MAX_VARBINDS} varbinds a GET), wall time = the run's durationMs (polls + metrics batch + alert rules); baseline: raw net-snmp (tests/bench/poll-raw.ts) fetching the same OIDs the same way, same namespace, same run, no decoding or storing`,
  );
  console.log(
    `  - inventory seeded into the data dir from the simulator's device models (not a discovery scan); ${seeded[0]?.interfaces.length ?? 0} interfaces a device (Vlan1 + 24 ports)`,
  );
  console.log(
    '  - varbinds = GET instances asked + varbinds the walks returned; both sides fetch the same; the simulated agents share the same 2 cores',
  );
  console.log(
    `  - baselines: RSS = the appliance idle before the first cycle; 150 MB = ${BUDGET_RSS_MIB.toFixed(1)} MiB`,
  );
  for (const note of notes) console.log(`  ! ${note}`);

  await mkdir(path.join(ROOT, 'tests/artifacts'), { recursive: true });
  await writeFile(
    path.join(ROOT, 'tests/artifacts/bench-poll.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        devices: seeded.length,
        interfacesPerDevice: seeded[0]?.interfaces.length,
        concurrency: CONCURRENCY,
        maxVarbinds: MAX_VARBINDS,
        varbindsPerCycle: varbinds,
        steadyGetVarbinds: steadyGets,
        ourGetVarbinds: ourGets,
        first,
        ours,
        baseline: base,
        medians: {
          oursMs: oursMs.median,
          baseMs: baseMs.median,
          oursVarbindsPerS: oursRate.median,
          baseVarbindsPerS: baseRate.median,
          rateShare,
          oursCpuS: oursCpu.median,
          baseCpuS: baseCpu.median,
        },
        rss: { idleMiB, peakMiB: hwmMiB },
        budgets: {
          cycleMs: BUDGET_MS,
          rateShare: BUDGET_RATE,
          rssMiB: BUDGET_RSS_MIB,
          met: {
            cycle: oursMs.median < BUDGET_MS,
            rate: rateShare >= BUDGET_RATE,
            rss: hwmMiB < BUDGET_RSS_MIB,
          },
        },
        notes,
        totalS: (Date.now() - t0) / 1000,
      },
      null,
      2,
    ),
  );
}

/** The scale simulator: the lab's only daemon when it has no named devices. */
async function findSimulator(lab: Lab): Promise<number> {
  for (const pid of lab.pids()) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes('simulator')) return pid;
  }
  throw new Error('no simulator process in the lab');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
