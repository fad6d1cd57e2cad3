/**
 * Trap storm benchmark (issue 5): 10,000 SNMPv2c traps from 100 sources. Traps processed per
 * second, the incidents they make (one per real problem), and the UI still answering within
 * 200 ms while the storm runs. Loopback only: the appliance, the senders (127.1.0.1–100, all of
 * 127/8 is loopback) and the baseline receiver all live on 127.0.0.0/8.
 *
 * Each run: a fresh data directory seeded with the 100 sending switches (trap-seed.ts); the built
 * appliance (`node dist/src/cli.js serve`, the flags of `npm start`) on 127.0.0.1 with a random
 * HTTP port and a random trap port; claimed with its setup code; the storm's v2c credential
 * created through POST /api/v1/credentials; one sentinel trap proves it is accepted. Then the
 * sender child (trap-sender.ts, pre-encoded datagrams, paced on the receiver's kernel queue)
 * sends the storm, followed by the sentinel's second trap. The pipeline is first in, first out,
 * so "stored and folded" is the moment the sentinel's incident has counted it (polled every
 * 50 ms). Meanwhile a signed-in client GETs the incidents page every 50 ms on a connection of its
 * own. Ours: phase 1 with rate limits raised so that the storm is processed, BENCH_RUNS runs
 * (default 3); phase 2, once, with the default limits: what is rate-limited, and that it is
 * counted and the box keeps answering.
 *
 * Baseline, in the same run, alternating with ours: a bare net-snmp receiver (trap-baseline.ts,
 * same community, same receive buffer, counts and nothing else) fed the same datagrams the same
 * way; and, for the UI, the same page on the same appliance idle just before the storm.
 * Figures are information: nothing fails because of a figure, only a crash or a broken setup.
 *
 * Env: BENCH_RUNS (default 3), BENCH_NODE_FLAGS (as startup.bench.ts).
 */
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { configSchema } from '../../src/config/schema.js';
import {
  LOOPBACK,
  cleanEnv,
  freePort,
  formatTable,
  installSignalCleanup,
  quantile,
  sleep,
  spawnChild,
  stopChild,
  summarize,
  waitFor200,
  withChild,
  withTempDir,
  type Child,
  type Stopped,
  type Summary,
} from './lib.js';
import { Client, probeLatency, type LatencySamples } from './trap-client.js';
import {
  allIncidents,
  checkIncidents,
  cpuSeconds,
  delta,
  foldedOf,
  machineCpuSeconds,
  receiverStats,
  scheduledRunsSince,
  sendSentinel,
  sentinelCount,
  statusMiB,
  until,
  type Counters,
  type IncidentCheck,
  type TrapsAnswer,
} from './trap-appliance.js';
import { seedTrapSources, storedCounts, type StoredCounts } from './trap-seed.js';
import {
  SENTINEL,
  SOURCES,
  TRAPS_PER_SOURCE,
  expectedPerSource,
  sourcePlan,
} from './trap-storm.js';
import type { SenderResult, SenderSpec } from './trap-sender.js';
import type { BaselineCounts } from './trap-baseline.js';
import { SERVICE_ENV } from '../lab/service-env.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SENDER = path.join(ROOT, 'tests', 'bench', 'trap-sender.ts');
const BASELINE = path.join(ROOT, 'tests', 'bench', 'trap-baseline.ts');
const ARTIFACT = path.join(ROOT, 'tests', 'artifacts', 'bench-traps.json');

const NODE_FLAGS: string[] =
  process.env.BENCH_NODE_FLAGS !== undefined
    ? process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean)
    : (
        JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
          scripts: { start: string };
        }
      ).scripts.start
        .split(/\s+/)
        .filter((w) => w.startsWith('--'));

const COMMUNITY = 'storm-bench-community';
const TOTAL = SOURCES * TRAPS_PER_SOURCE;
/** Phase 1: high enough that nothing of the storm is rate-limited. */
const RAISED = { perSourcePerS: 100_000, globalPerS: 1_000_000 };
const DEFAULTS = configSchema.parse({}).traps;
const POLL_MS = 50;
const UI_EVERY_MS = 50;
const UI_BUDGET_MS = 200;
const IDLE_UI_MS = 3000;
/** The sender's pacing: bursts of this many datagrams while the receiver has less queued. */
const BURST = 50;
const MAX_QUEUE_BYTES = 256 * 1024;
/** Give up waiting for the storm to settle after this long without progress. */
const STALL_MS = 10_000;

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return Number(raw);
}

// ---- children -----------------------------------------------------------------------------------

/** A UDP port that was free on 127.0.0.1 a moment ago. */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, LOOPBACK, () => resolve());
  });
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function startAppliance(dataDir: string, configFile: string, port: number): Child {
  return spawnChild(process.execPath, [...NODE_FLAGS, CLI, 'serve'], {
    cwd: ROOT,
    env: cleanEnv(['CARETAKER_', 'NODE_OPTIONS'], {
      ...SERVICE_ENV,
      CARETAKER_CONFIG: configFile,
      CARETAKER_DATA_DIR: dataDir,
      CARETAKER_HOST: LOOPBACK,
      CARETAKER_PORT: String(port),
      CARETAKER_LOG_LEVEL: 'warn',
    }),
  });
}

function startTsx(script: string, args: string[]): Child {
  return spawnChild(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: cleanEnv(['CARETAKER_', 'NODE_OPTIONS'], {}),
  });
}

async function waitForLine(child: Child, line: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!child.output().split('\n').includes(line)) {
    const exit = child.exit();
    if (exit)
      throw new Error(
        `process ${child.pid} exited (${exit.code}) before "${line}":\n${child.output()}`,
      );
    if (performance.now() > deadline)
      throw new Error(
        `no "${line}" from process ${child.pid} in ${timeoutMs} ms:\n${child.output()}`,
      );
    await sleep(20);
  }
}

/** Runs the sender child to its end and returns its report. */
async function runSender(spec: SenderSpec): Promise<SenderResult> {
  const child = startTsx(SENDER, [JSON.stringify(spec)]);
  try {
    const exit = await child.exited;
    const last = child.output().trim().split('\n').pop() ?? '';
    if (exit.code !== 0 || !last.startsWith('{'))
      throw new Error(`trap-sender failed (code ${exit.code}, ${exit.signal}):\n${child.output()}`);
    return JSON.parse(last) as SenderResult;
  } finally {
    await stopChild(child);
  }
}

// ---- one run of ours ------------------------------------------------------------------------------

interface UiFigures {
  p50: number;
  p99: number;
  max: number;
  n: number;
  late: number;
  errors: number;
  statuses: Record<string, number>;
  firstError?: string;
  bytes: number;
}

function uiFigures(s: LatencySamples): UiFigures {
  const has = s.ms.length > 0;
  return {
    p50: has ? quantile(s.ms, 0.5) : NaN,
    p99: has ? quantile(s.ms, 0.99) : NaN,
    max: has ? Math.max(...s.ms) : NaN,
    n: s.ms.length,
    late: s.late,
    errors: s.errors,
    statuses: s.statuses,
    ...(s.firstError ? { firstError: s.firstError } : {}),
    bytes: s.bytes,
  };
}

interface OursRun {
  phase: 'raised' | 'default';
  limits: { perSourcePerS: number; globalPerS: number };
  uiPath: string;
  notes: string[];
  sender: SenderResult;
  counters: Counters;
  /** First datagram sent → the receiver had read every datagram that reached its socket. */
  receivedMs: number | null;
  /** First datagram sent → the sentinel folded: everything accepted before it stored and folded. */
  doneMs: number | null;
  complete: boolean;
  /** Accepted storm traps per second of doneMs. */
  trapsPerS: number | null;
  cpuS: number;
  otherCpuS: number;
  idleRssMiB: number;
  peakRssMiB: number;
  hwmMiB: number;
  incidents: IncidentCheck;
  ui: { idle: UiFigures; storm: UiFigures; after: UiFigures };
  stored: Omit<StoredCounts, 'trapsBySource'> & { stormSourcesStored: number };
  scheduledRuns: string[];
  stop: Stopped | undefined;
}

/** Starts the appliance and signs in; the caller stops it. */
async function bootAppliance(
  dataDir: string,
  configFile: string,
  claim: boolean,
): Promise<{ app: Child; client: Client; port: number }> {
  const port = await freePort();
  const app = startAppliance(dataDir, configFile, port);
  try {
    await waitFor200(app, port, '/api/v1/health', { timeoutMs: 60_000 });
    const comm = (await readFile(`/proc/${app.pid}/comm`, 'utf8')).trim();
    if (comm !== 'node') throw new Error(`appliance PID ${app.pid} is ${comm}, not node`);
    const client = new Client(port);
    if (claim)
      await client.claim((await readFile(path.join(dataDir, 'setup-code'), 'utf8')).trim());
    else await client.login();
    return { app, client, port };
  } catch (err) {
    await stopChild(app);
    throw err;
  }
}

async function measureOurs(phase: OursRun['phase']): Promise<OursRun> {
  const limits = phase === 'raised' ? RAISED : DEFAULTS;
  return withTempDir('caretaker-trap-bench-', async (tmp) => {
    const notes: string[] = [];
    const dataDir = path.join(tmp, 'data');
    await mkdir(dataDir);
    const seeded = await seedTrapSources(dataDir);
    const trapPort = await freeUdpPort();
    const configFile = path.join(tmp, 'config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        traps: {
          enabled: true,
          port: trapPort,
          address: LOOPBACK,
          perSourcePerS: limits.perSourcePerS,
          globalPerS: limits.globalPerS,
        },
        // Only the storm: nothing polled or checked on a schedule inside the window.
        monitor: { reachIntervalS: 3600, pollIntervalS: 3600, serviceIntervalS: 3600 },
      }),
    );

    let { app, client } = await bootAppliance(dataDir, configFile, true);
    let ui: Client | undefined;
    let stop: Stopped | undefined;
    try {
      const cred = await client.call('POST', '/api/v1/credentials', {
        name: 'storm',
        version: '2c',
        community: COMMUNITY,
      });
      if (cred.status !== 201)
        throw new Error(`creating the credential failed: ${cred.status} ${cred.body}`);
      const listening = (await client.getJson<TrapsAnswer>('/api/v1/traps?limit=1')).receiver;
      if (listening.listening?.port !== trapPort)
        throw new Error(
          `the trap receiver is not listening on ${trapPort}: ${JSON.stringify(listening)}`,
        );

      // Is the new credential accepted by the running receiver?
      const s0 = await receiverStats(client);
      await sendSentinel(trapPort, COMMUNITY);
      const s1 = await until('the sentinel trap to be counted', async () => {
        const s = await receiverStats(client);
        return s.received > s0.received ? s : undefined;
      });
      if (s1.accepted === s0.accepted) {
        notes.push(
          `the credential created through POST /api/v1/credentials was not used by the running ` +
            `trap receiver (sentinel trap: ${JSON.stringify(delta(s1, s0))}); the appliance was ` +
            `restarted so that the receiver loads it`,
        );
        await stopChild(app);
        client.close();
        ({ app, client } = await bootAppliance(dataDir, configFile, false));
        const r0 = await receiverStats(client);
        await sendSentinel(trapPort, COMMUNITY);
        const r1 = await until('the sentinel trap to be counted', async () => {
          const s = await receiverStats(client);
          return s.received > r0.received ? s : undefined;
        });
        if (r1.accepted === r0.accepted)
          throw new Error(
            `the storm's credential is refused even after a restart: ${JSON.stringify(r1)}`,
          );
      }
      await until('the sentinel incident', async () =>
        (await sentinelCount(client)) === 1 ? true : undefined,
      );

      // The page the UI probe loads.
      let uiPath = '/incidents';
      const page = await client.call('GET', uiPath);
      if (page.status === 404) {
        notes.push('GET /incidents answered 404: the UI probe loads the dashboard / instead');
        uiPath = '/';
      } else if (page.status !== 200 || !/<html/i.test(page.body))
        throw new Error(`GET ${uiPath} answered ${page.status}: ${page.body.slice(0, 300)}`);
      ui = client.fork();
      const idle = await probeLatency(ui, uiPath, UI_EVERY_MS, sleep(IDLE_UI_MS));

      const windowStart = Date.now();
      const before = await receiverStats(client);
      const idleRssMiB = await statusMiB(app.pid, 'VmRSS');
      const cpu0 = await cpuSeconds(app.pid);
      const all0 = await machineCpuSeconds();
      const spec: SenderSpec = {
        port: trapPort,
        community: COMMUNITY,
        burst: BURST,
        maxQueueBytes: MAX_QUEUE_BYTES,
        sentinel: true,
        sentinelAfterDrain: phase === 'default',
      };
      let settled!: () => void;
      const stormOver = new Promise<void>((resolve) => (settled = resolve));
      const uiDuring = probeLatency(ui, uiPath, UI_EVERY_MS, stormOver);
      let sender: SenderResult | undefined;
      let senderError: unknown;
      const senderDone = runSender(spec).then(
        (r) => (sender = r),
        (err: unknown) => (senderError = err),
      );

      let peakRssMiB = idleRssMiB;
      let receivedAt: number | null = null;
      let doneAt: number | null = null;
      let last = before;
      let lastFolded = -1;
      let lastProgress = performance.now();
      let cpu1 = cpu0;
      const lastSource = seeded[seeded.length - 1]!.id;
      try {
        // Cheap polls: the sentinel every time, the receiver's counters until it has read the
        // storm, and progress (counters, the last source's incidents) every 10th time.
        for (let i = 1; ; i++) {
          await sleep(POLL_MS);
          if (senderError) throw senderError;
          const now = Date.now();
          peakRssMiB = Math.max(peakRssMiB, await statusMiB(app.pid, 'VmRSS'));
          const slow = i % 10 === 0;
          if (receivedAt === null || slow) {
            const s = await receiverStats(client);
            if (s.received !== last.received || s.delivered !== last.delivered)
              lastProgress = performance.now();
            last = s;
            // Every storm datagram, or (known once the sender reports) all that reached the socket.
            const arrived = sender ? sender.sent - sender.kernelDrops : TOTAL;
            if (receivedAt === null && s.received - before.received >= arrived) receivedAt = now;
          }
          if (slow) {
            const folded = await foldedOf(client, lastSource);
            if (folded !== lastFolded) lastProgress = performance.now();
            lastFolded = folded;
          }
          if ((await sentinelCount(client)) >= 2) {
            doneAt = now;
            cpu1 = await cpuSeconds(app.pid);
            break;
          }
          if (sender && performance.now() - lastProgress > STALL_MS) {
            cpu1 = await cpuSeconds(app.pid);
            notes.push(
              `the sentinel trap was never folded: no progress for ${STALL_MS / 1000} s (it was ` +
                `${sender.sentinel ? 'sent' : 'not sent'}; receiver: ${JSON.stringify(delta(last, before))})`,
            );
            break;
          }
        }
      } finally {
        settled();
        await senderDone;
      }
      const all1 = await machineCpuSeconds();
      if (!sender) throw senderError ?? new Error('the sender did not report');
      const storm = await uiDuring;
      const after = await receiverStats(client);
      const afterUi = await probeLatency(ui, uiPath, UI_EVERY_MS, sleep(IDLE_UI_MS));
      const incidents = checkIncidents(await allIncidents(client), seeded);
      const scheduledRuns = await scheduledRunsSince(client, windowStart);
      const hwmMiB = await statusMiB(app.pid, 'VmHWM');
      const counters = delta(after, before);
      // The sentinel's own trap is in the receiver's counters, not in the storm's.
      const sentinelAccepted = sender.sentinel && doneAt !== null ? 1 : 0;
      const stormAccepted = counters.accepted - sentinelAccepted;
      const doneMs = doneAt === null ? null : doneAt - sender.startedAt;
      ui.close();
      ui = undefined;
      client.close();
      stop = await stopChild(app);
      const stored = await storedCounts(dataDir);
      const stormSourcesStored = [...stored.trapsBySource]
        .filter(([a]) => a.startsWith('127.1.0.') && a !== SENTINEL.address)
        .reduce((n, [, c]) => n + c, 0);
      const { trapsBySource: _bySource, ...storedRest } = stored;
      return {
        phase,
        limits: { perSourcePerS: limits.perSourcePerS, globalPerS: limits.globalPerS },
        uiPath,
        notes,
        sender,
        counters,
        receivedMs: receivedAt === null ? null : receivedAt - sender.startedAt,
        doneMs,
        complete: doneAt !== null,
        trapsPerS: doneMs === null ? null : stormAccepted / (doneMs / 1000),
        cpuS: cpu1 - cpu0,
        otherCpuS: Math.max(0, all1 - all0 - (cpu1 - cpu0) - sender.cpuMs / 1000),
        idleRssMiB,
        peakRssMiB,
        hwmMiB,
        incidents,
        ui: { idle: uiFigures(idle), storm: uiFigures(storm), after: uiFigures(afterUi) },
        stored: { ...storedRest, stormSourcesStored },
        scheduledRuns,
        stop,
      };
    } finally {
      ui?.close();
      client.close();
      if (!stop) await stopChild(app);
    }
  });
}

// ---- one run of the baseline --------------------------------------------------------------------

interface BaselineRun {
  sender: SenderResult;
  counted: number;
  errors: number;
  /** First datagram sent → every datagram that reached the socket counted (polled). */
  doneMs: number | null;
  /** First datagram sent → the last trap counted (the receiver's own clock, not polled). */
  lastTrapMs: number | null;
  trapsPerS: number | null;
  cpuS: number;
  /** CPU the rest of the machine used meanwhile (other work on a shared box). */
  otherCpuS: number;
  hwmMiB: number;
  idleRssMiB: number;
}

async function measureBaseline(): Promise<BaselineRun> {
  const udpPort = await freeUdpPort();
  const httpPort = await freePort();
  return withChild(
    () => startTsx(BASELINE, [String(udpPort), String(httpPort), COMMUNITY]),
    async (child) => {
      await waitForLine(child, 'ready', 30_000);
      const poller = new Client(httpPort);
      try {
        const count = () => poller.getJson<BaselineCounts>('/count');
        await sleep(500);
        const idleRssMiB = await statusMiB(child.pid, 'VmRSS');
        const cpu0 = await cpuSeconds(child.pid);
        const all0 = await machineCpuSeconds();
        let sender: SenderResult | undefined;
        let senderError: unknown;
        const senderDone = runSender({
          port: udpPort,
          community: COMMUNITY,
          burst: BURST,
          maxQueueBytes: MAX_QUEUE_BYTES,
          sentinel: false,
          sentinelAfterDrain: false,
        }).then(
          (r) => (sender = r),
          (err: unknown) => (senderError = err),
        );
        let doneAt: number | null = null;
        let last = -1;
        let lastProgress = performance.now();
        let c: BaselineCounts = { traps: 0, errors: 0, firstAt: null, lastAt: null };
        for (;;) {
          await sleep(POLL_MS);
          if (senderError) throw senderError;
          const now = Date.now();
          c = await count();
          if (c.traps !== last) lastProgress = performance.now();
          last = c.traps;
          const arrived = sender ? sender.sent - sender.kernelDrops : TOTAL;
          if (c.traps + c.errors >= arrived) {
            doneAt = now;
            break;
          }
          if (sender && performance.now() - lastProgress > STALL_MS) break;
        }
        const cpu1 = await cpuSeconds(child.pid);
        const all1 = await machineCpuSeconds();
        await senderDone;
        if (!sender) throw senderError ?? new Error('the sender did not report');
        const doneMs = doneAt === null ? null : doneAt - sender.startedAt;
        return {
          sender,
          counted: c.traps,
          errors: c.errors,
          doneMs,
          lastTrapMs: c.lastAt === null ? null : c.lastAt - sender.startedAt,
          trapsPerS: doneMs === null ? null : c.traps / (doneMs / 1000),
          cpuS: cpu1 - cpu0,
          otherCpuS: Math.max(0, all1 - all0 - (cpu1 - cpu0) - sender.cpuMs / 1000),
          hwmMiB: await statusMiB(child.pid, 'VmHWM'),
          idleRssMiB,
        };
      } finally {
        poller.close();
      }
    },
  );
}

// ---- report ---------------------------------------------------------------------------------------

const fmtMs = (v: number) =>
  v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v >= 100 ? 0 : 1)} ms`;
const fmtRate = (v: number) => `${Math.round(v).toLocaleString('en')}/s`;
const fmtCpu = (v: number) => `${v.toFixed(2)} s`;
const fmtMiB = (v: number) => `${v.toFixed(1)} MiB`;
const fmtInt = (v: number) => Math.round(v).toLocaleString('en');

const sumOf = (xs: readonly (number | null)[]): Summary | undefined => {
  const ok = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return ok.length ? summarize(ok) : undefined;
};

function cell(s: Summary | undefined, f: (v: number) => string): string {
  if (!s) return '—';
  return s.n < 2 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

function tableRow(
  figure: string,
  ours: Summary | undefined,
  base: Summary | undefined,
  f: (v: number) => string,
  budget = '—',
): string[] {
  const ratio =
    ours && base && base.median !== 0 ? `${(ours.median / base.median).toFixed(2)}×` : '—';
  return [figure, cell(ours, f), cell(base, f), ratio, budget];
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');

async function main(): Promise<void> {
  installSignalCleanup();
  const RUNS = positiveInt(process.env.BENCH_RUNS, 3, 'BENCH_RUNS');
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const plan = sourcePlan();
  const expected = expectedPerSource();
  const cpus = os.cpus();
  console.log(
    [
      'Caretaker trap storm benchmark',
      `  node ${process.version}, ${os.platform()} ${os.release()} ${os.arch()}, CPUs: ${os.availableParallelism()} (${cpus[0]?.model.trim() ?? 'unknown'}), load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      `  storm: ${SOURCES} sources (127.1.0.1–${SOURCES}) × ${TRAPS_PER_SOURCE} SNMPv2c traps = ${fmtInt(TOTAL)}; each source: ` +
        `${plan.filter((p) => p === 'coldStart').length} coldStart, ${plan.filter((p) => p === 'linkDown1').length}× linkDown port 1, ` +
        `port 2 down/up ${plan.filter((p) => p.endsWith('2')).length}× (ends down)`,
      `  expected: ${expected.length} incidents a source = ${expected.length * SOURCES} (${expected
        .map((e) => `${e.key} count ${e.count}${e.flapping ? ', flapping' : ''}`)
        .join('; ')})`,
      `  phase 1: perSourcePerS ${RAISED.perSourcePerS.toLocaleString('en')}, globalPerS ${RAISED.globalPerS.toLocaleString('en')} (raised), ${RUNS} run(s), alternating with the baseline; ` +
        `phase 2: the defaults (perSourcePerS ${DEFAULTS.perSourcePerS}, globalPerS ${DEFAULTS.globalPerS}), 1 run`,
      `  sender: pre-encoded datagrams, bursts of ${BURST} while the receiver's kernel queue holds < ${MAX_QUEUE_BYTES / 1024} KiB; ` +
        `UI probe every ${UI_EVERY_MS} ms; completion polled every ${POLL_MS} ms`,
      `  service command: ${Object.entries(SERVICE_ENV)
        .map(([k, v]) => `${k}=${v} `)
        .join('')}node ${[...NODE_FLAGS, path.relative(ROOT, CLI), 'serve'].join(' ')}`,
    ].join('\n'),
  );

  const ours: OursRun[] = [];
  const base: BaselineRun[] = [];
  const logOurs = (label: string, o: OursRun) =>
    console.log(
      `  ${label}: ${o.doneMs === null ? 'INCOMPLETE' : fmtMs(o.doneMs)} → ${o.trapsPerS === null ? '—' : fmtRate(o.trapsPerS)}, ` +
        `read all ${o.receivedMs === null ? '—' : fmtMs(o.receivedMs)}, CPU ${fmtCpu(o.cpuS)}, RSS ${fmtMiB(o.idleRssMiB)} → peak ${fmtMiB(o.peakRssMiB)}; ` +
        `sent ${o.sender.sent} (kernel drops ${o.sender.kernelDrops}, ${o.sender.waits} waits), receiver ${JSON.stringify(o.counters)}; ` +
        `incidents ${o.incidents.total}/${o.incidents.expected} (counts ${o.incidents.countSum}/${o.incidents.expectedCountSum}); ` +
        `UI ${o.uiPath} p50 ${fmtMs(o.ui.storm.p50)} p99 ${fmtMs(o.ui.storm.p99)} max ${fmtMs(o.ui.storm.max)} (${o.ui.storm.n} GETs; idle p50 ${fmtMs(o.ui.idle.p50)})`,
    );
  const logBase = (label: string, b: BaselineRun) =>
    console.log(
      `  ${label}: ${b.doneMs === null ? 'INCOMPLETE' : fmtMs(b.doneMs)} → ${b.trapsPerS === null ? '—' : fmtRate(b.trapsPerS)}, ` +
        `counted ${b.counted} (errors ${b.errors}), last trap at ${b.lastTrapMs === null ? '—' : fmtMs(b.lastTrapMs)}, CPU ${fmtCpu(b.cpuS)}, ` +
        `peak RSS ${fmtMiB(b.hwmMiB)}; sent ${b.sender.sent} (kernel drops ${b.sender.kernelDrops}, ${b.sender.waits} waits)`,
    );

  for (let i = 0; i < RUNS; i++) {
    // Alternate the order so that neither side always runs on a freshly disturbed machine.
    if (i % 2 === 0) {
      ours.push(await measureOurs('raised'));
      logOurs(`run ${i + 1}/${RUNS} ours`, ours.at(-1)!);
      base.push(await measureBaseline());
      logBase(`run ${i + 1}/${RUNS} bare net-snmp`, base.at(-1)!);
    } else {
      base.push(await measureBaseline());
      logBase(`run ${i + 1}/${RUNS} bare net-snmp`, base.at(-1)!);
      ours.push(await measureOurs('raised'));
      logOurs(`run ${i + 1}/${RUNS} ours`, ours.at(-1)!);
    }
  }
  const limited = await measureOurs('default');
  logOurs('phase 2 (default limits) ours', limited);

  // ---- table ------------------------------------------------------------------------------------
  const pick = (f: (o: OursRun) => number | null) => sumOf(ours.map(f));
  const pickB = (f: (b: BaselineRun) => number | null) => sumOf(base.map(f));
  const rate = pick((o) => o.trapsPerS);
  const baseRate = pickB((b) => b.trapsPerS);
  const uiP99 = pick((o) => o.ui.storm.p99);
  const uiMax = pick((o) => o.ui.storm.max);
  const incTotal = pick((o) => o.incidents.total);
  const expectedIncidents = expected.length * SOURCES;
  const incidentsRight = ours.every(
    (o) => o.incidents.total === expectedIncidents && o.incidents.mismatches.length === 0,
  );
  const one = (v: number | null) => sumOf([v]);
  const rows: string[][] = [
    tableRow(
      `traps processed per second (${fmtInt(TOTAL)} traps, stored + folded)`,
      rate,
      baseRate,
      fmtRate,
    ),
    tableRow(
      'first trap sent → all stored and folded into incidents',
      pick((o) => o.doneMs),
      pickB((b) => b.doneMs),
      fmtMs,
    ),
    tableRow(
      'first trap sent → all read off the socket',
      pick((o) => o.receivedMs),
      pickB((b) => b.doneMs),
      fmtMs,
    ),
    tableRow(
      'CPU seconds for the storm (receiving process)',
      pick((o) => o.cpuS),
      pickB((b) => b.cpuS),
      fmtCpu,
    ),
    tableRow(
      'traps per CPU second of the receiving process (less load-sensitive)',
      pick((o) => (o.cpuS > 0 ? (o.counters.accepted - (o.complete ? 1 : 0)) / o.cpuS : null)),
      pickB((b) => (b.cpuS > 0 ? b.counted / b.cpuS : null)),
      fmtRate,
    ),
    tableRow(
      'CPU seconds of other processes meanwhile (not the sender)',
      pick((o) => o.otherCpuS),
      pickB((b) => b.otherCpuS),
      fmtCpu,
    ),
    tableRow(
      'peak RSS during the storm',
      pick((o) => o.peakRssMiB),
      pickB((b) => b.hwmMiB),
      fmtMiB,
    ),
    tableRow(
      'incidents from the storm (one per real problem)',
      incTotal,
      undefined,
      fmtInt,
      `= ${expectedIncidents} ${mark(incidentsRight)}`,
    ),
    tableRow(
      `UI GET ${ours[0]?.uiPath ?? '?'} p50 during the storm (baseline: idle)`,
      pick((o) => o.ui.storm.p50),
      pick((o) => o.ui.idle.p50),
      fmtMs,
    ),
    tableRow(
      `UI GET p99 during the storm (baseline: idle)`,
      uiP99,
      pick((o) => o.ui.idle.p99),
      fmtMs,
      `< ${UI_BUDGET_MS} ms ${mark(!!uiP99 && uiP99.median < UI_BUDGET_MS)}`,
    ),
    tableRow(
      `UI GET max during the storm (baseline: idle)`,
      uiMax,
      pick((o) => o.ui.idle.max),
      fmtMs,
      `< ${UI_BUDGET_MS} ms ${mark(!!uiMax && uiMax.max < UI_BUDGET_MS)}`,
    ),
    tableRow(
      `UI GET p50 after the storm, ${expectedIncidents} incidents (baseline: idle before)`,
      pick((o) => o.ui.after.p50),
      pick((o) => o.ui.idle.p50),
      fmtMs,
    ),
    tableRow(
      `phase 2 (default limits ${DEFAULTS.perSourcePerS}/s per source, ${DEFAULTS.globalPerS}/s overall): accepted`,
      one(limited.counters.accepted - (limited.complete ? 1 : 0)),
      undefined,
      fmtInt,
    ),
    tableRow(
      'phase 2: rate-limited (dropped, counted)',
      one(limited.counters.dropped),
      undefined,
      fmtInt,
    ),
    tableRow(
      'phase 2: first trap sent → accepted ones stored and folded',
      one(limited.doneMs),
      undefined,
      fmtMs,
    ),
    tableRow(
      'phase 2: incidents',
      one(limited.incidents.total),
      undefined,
      fmtInt,
      `≤ ${expectedIncidents}`,
    ),
    tableRow(
      'phase 2: UI GET p99 / max during the storm',
      one(limited.ui.storm.p99),
      one(limited.ui.storm.max),
      fmtMs,
      `< ${UI_BUDGET_MS} ms ${mark(limited.ui.storm.max < UI_BUDGET_MS)}`,
    ),
  ];
  // The last row compares p99 with max of the same run, not ours with a baseline.
  rows[rows.length - 1]![3] = '';
  console.log(`\n${formatTable(['figure', 'ours', 'baseline', 'ratio', 'budget'], rows)}\n`);

  const notes: string[] = [
    `medians over ${RUNS} run(s), (min–max) beside them; ratio = ours ÷ baseline (medians); the UI max budget applies to the worst run`,
    'ours = the built appliance: receiver → queue → trap batches (traps + events, one LevelDB batch per ≤ 500) → incident service folding the events; ' +
      'baseline = a bare net-snmp receiver counting traps (no limits, queue, storage or incidents), same community, same 1 MiB receive buffer, same sender',
    `"stored and folded" = the sentinel trap sent right after the storm has been folded into its incident (first in, first out); polled every ${POLL_MS} ms, ` +
      `so times are up to ${POLL_MS} ms late on both sides`,
    `CPU of ours includes answering the UI probe (every ${UI_EVERY_MS} ms) and the completion polls; the sender (a separate process) used ` +
      `${fmtCpu(summarize(ours.map((o) => o.sender.cpuMs / 1000)).median)} CPU a run`,
    `UI probe: a signed-in client on its own keep-alive connection, GET every ${UI_EVERY_MS} ms; baseline = the same page on the same appliance ` +
      `idle for ${IDLE_UI_MS / 1000} s just before the storm (1 incident then, ${expectedIncidents + 1} after)`,
    `phase 2: the default perSourceBurst is 200 (not configurable), so a source sending ${TRAPS_PER_SOURCE} traps never meets its own limit; ` +
      `only the global bucket (burst = globalPerS) limits this storm`,
  ];
  const allRuns = [...ours, limited];
  for (const o of allRuns) {
    const tag = o.phase === 'raised' ? 'phase 1' : 'phase 2';
    for (const n of o.notes) notes.push(`${tag}: ${n}`);
    for (const r of o.scheduledRuns) notes.push(`${tag}: scheduled job run in the window: ${r}`);
    if (o.sender.kernelDrops)
      notes.push(
        `${tag}: the kernel dropped ${o.sender.kernelDrops} datagrams at the appliance's socket (buffer full)`,
      );
    const c = o.counters;
    const sum = c.accepted + c.dropped + c.malformed + c.authFailures + c.ignored;
    if (sum !== c.received)
      notes.push(`${tag}: receiver counters do not add up: received ${c.received} ≠ ${sum}`);
    if (c.delivered !== c.accepted)
      notes.push(`${tag}: accepted ${c.accepted} but delivered ${c.delivered}`);
    if (o.incidents.duplicates)
      notes.push(`${tag}: ${o.incidents.duplicates} problems split into several incidents`);
    if (o.phase === 'raised' && o.incidents.mismatches.length)
      notes.push(
        `${tag}: ${o.incidents.mismatches.length} sources' incidents differ from the expected, e.g. ${o.incidents.mismatches.slice(0, 3).join(' | ')}`,
      );
    if (o.stored.unfolded)
      notes.push(`${tag}: ${o.stored.unfolded} events were left unfolded in the inbox at stop`);
    const storedExpected = c.accepted - (o.complete ? 1 : 0);
    if (o.stored.stormSourcesStored !== storedExpected)
      notes.push(
        `${tag}: ${o.stored.stormSourcesStored} storm traps stored for ${storedExpected} accepted`,
      );
    if (o.ui.storm.errors || Object.keys(o.ui.storm.statuses).some((s) => s !== '200'))
      notes.push(
        `${tag}: UI probe answers ${JSON.stringify(o.ui.storm.statuses)}, ${o.ui.storm.errors} errors${o.ui.storm.firstError ? ` (${o.ui.storm.firstError})` : ''}`,
      );
  }
  const others = [...allRuns.map((o) => o.otherCpuS), ...base.map((b) => b.otherCpuS)];
  if (Math.max(...others) > 1)
    notes.push(
      `other processes on this ${os.availableParallelism()}-core machine used up to ${fmtCpu(Math.max(...others))} of CPU during a storm ` +
        `(${fmtCpu(Math.min(...others))} at least): timings are perturbed, the more so for the side that runs longer`,
    );
  for (const b of base)
    if (b.sender.kernelDrops)
      notes.push(`baseline: the kernel dropped ${b.sender.kernelDrops} datagrams at its socket`);
  // The same remark from several runs is printed once, with how often it came.
  const seen = new Map<string, number>();
  for (const n of notes) seen.set(n, (seen.get(n) ?? 0) + 1);
  notes.splice(0, notes.length, ...[...seen].map(([n, k]) => (k > 1 ? `${n} (${k} runs)` : n)));
  for (const n of notes) console.log(`  - ${n}`);

  await mkdir(path.dirname(ARTIFACT), { recursive: true });
  await writeFile(
    ARTIFACT,
    `${JSON.stringify(
      {
        benchmark: 'traps',
        generatedAt: new Date().toISOString(),
        environment: {
          node: process.version,
          platform: os.platform(),
          release: os.release(),
          cpus: os.availableParallelism(),
          cpuModel: cpus[0]?.model.trim() ?? null,
          loadavg: os.loadavg(),
        },
        settings: {
          runs: RUNS,
          sources: SOURCES,
          trapsPerSource: TRAPS_PER_SOURCE,
          plan,
          expectedPerSource: expected,
          raisedLimits: RAISED,
          defaultLimits: { perSourcePerS: DEFAULTS.perSourcePerS, globalPerS: DEFAULTS.globalPerS },
          burst: BURST,
          maxQueueBytes: MAX_QUEUE_BYTES,
          pollMs: POLL_MS,
          uiEveryMs: UI_EVERY_MS,
          command: [process.execPath, ...NODE_FLAGS, path.relative(ROOT, CLI), 'serve'],
          env: SERVICE_ENV,
        },
        budgets: { uiMs: UI_BUDGET_MS, incidents: expectedIncidents },
        table: rows,
        medians: {
          oursTrapsPerS: rate?.median ?? null,
          baseTrapsPerS: baseRate?.median ?? null,
          ratio: rate && baseRate ? rate.median / baseRate.median : null,
          uiStormP99Ms: uiP99?.median ?? null,
          uiStormMaxMs: uiMax?.max ?? null,
          incidents: incTotal?.median ?? null,
        },
        notes,
        runs: { ours, baseline: base, defaultLimits: limited },
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\n  results: ${path.relative(ROOT, ARTIFACT)}`);
}

main().catch((err: unknown) => {
  console.error(
    `trap storm benchmark crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  );
  process.exitCode = 1;
});
