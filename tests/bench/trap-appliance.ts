/**
 * What traps.bench.ts reads from the appliance while a storm runs: its CPU and memory from /proc,
 * the trap receiver's counters and the incidents through the API, and whether the incidents are
 * the expected ones (one per real problem, trap-storm.ts).
 */
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { LOOPBACK, sleep } from './lib.js';
import type { Client } from './trap-client.js';
import type { SeededSource } from './trap-seed.js';
import { SENTINEL, expectedPerSource, trapEncoder } from './trap-storm.js';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const JOBS = ['reachability', 'snmp-poll', 'service-checks', 'metrics-maintenance', 'housekeeping'];

// ---- /proc ------------------------------------------------------------------------------------

/** utime + stime of a process (all its threads), in seconds. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

export async function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) / 1024;
}

/** CPU seconds the whole machine spent busy so far (all cores), from /proc/stat. */
export async function machineCpuSeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / CLK_TCK;
}

// ---- the API ------------------------------------------------------------------------

export interface ReceiverStats {
  received: number;
  accepted: number;
  dropped: number;
  malformed: number;
  authFailures: number;
  ignored: number;
  queued: number;
  delivered: number;
  handlerErrors: number;
}
export type Counters = Omit<ReceiverStats, 'queued'>;
export const COUNTERS: (keyof Counters)[] = [
  'received',
  'accepted',
  'dropped',
  'malformed',
  'authFailures',
  'ignored',
  'delivered',
  'handlerErrors',
];

export interface TrapsAnswer {
  receiver: {
    enabled: boolean;
    listening?: { address: string; port: number };
    error?: { code: string; message: string };
    stats?: ReceiverStats;
  };
}

export interface Incident {
  id: string;
  key: string;
  deviceId?: string;
  state: string;
  count: number;
  flapping: boolean;
  reopenCount: number;
}

export async function receiverStats(client: Client): Promise<ReceiverStats> {
  const r = await client.getJson<TrapsAnswer>('/api/v1/traps?limit=1');
  if (!r.receiver.stats)
    throw new Error(`the trap receiver is not running: ${JSON.stringify(r.receiver)}`);
  return r.receiver.stats;
}

export function delta(after: ReceiverStats, before: ReceiverStats): Counters {
  const out = {} as Counters;
  for (const k of COUNTERS) out[k] = after[k] - before[k];
  return out;
}

/** Every incident (state=all), page by page. */
export async function allIncidents(client: Client): Promise<Incident[]> {
  const out: Incident[] = [];
  for (let offset = 0; ; offset += 200) {
    const r = await client.getJson<{ items: Incident[] }>(
      `/api/v1/incidents?state=all&limit=200&offset=${offset}`,
    );
    out.push(...r.items);
    if (r.items.length < 200) return out;
  }
}

/** The sentinel's restart incident: how many of its coldStarts it has folded (0: none yet). */
export async function sentinelCount(client: Client): Promise<number> {
  const r = await client.getJson<{ items: Incident[] }>(
    `/api/v1/incidents?state=unresolved&device=${SENTINEL.id}&limit=10`,
  );
  return r.items.find((i) => i.key === `trap-restart:${SENTINEL.id}`)?.count ?? 0;
}

/** Traps folded so far into a device's unresolved incidents (a progress measure). */
export async function foldedOf(client: Client, deviceId: string): Promise<number> {
  const r = await client.getJson<{ items: Incident[] }>(
    `/api/v1/incidents?state=unresolved&device=${deviceId}&limit=10`,
  );
  return r.items.reduce((n, i) => n + i.count, 0);
}

/** Sends the sentinel's coldStart from the bench itself (before the storm). */
export async function sendSentinel(port: number, community: string): Promise<void> {
  const buf = trapEncoder(community)('coldStart', 1);
  const s = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address: SENTINEL.address, port: 0 }, () => resolve());
    });
    await new Promise<void>((resolve, reject) =>
      s.send(buf, port, LOOPBACK, (err) => (err ? reject(err) : resolve())),
    );
  } finally {
    s.close();
  }
}

export async function until<T>(
  what: string,
  get: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  pollMs = 50,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** Scheduled runs of any job since `sinceMs` (they would share the CPU with the storm). */
export async function scheduledRunsSince(client: Client, sinceMs: number): Promise<string[]> {
  const out: string[] = [];
  for (const job of JOBS) {
    const r = await client.call('GET', `/api/v1/jobs/${job}/runs?limit=50`);
    const items = ((r.json as { items?: unknown[] } | undefined)?.items ?? []) as Array<{
      trigger: string;
      startedAt: string;
      durationMs?: number;
    }>;
    for (const run of items)
      if (run.trigger !== 'manual' && Date.parse(run.startedAt) >= sinceMs)
        out.push(`${job} (${run.trigger}) at ${run.startedAt}, ${run.durationMs ?? '?'} ms`);
  }
  return out;
}

// ---- the incidents' check ----------------------------------------------------------------------

export interface IncidentCheck {
  /** Incidents of the 100 sources (the sentinel's are not counted). */
  total: number;
  expected: number;
  /** Keys with more than one incident: a problem split into several. */
  duplicates: number;
  /** Sum of the incidents' counts: traps folded into them (clears are not counted). */
  countSum: number;
  expectedCountSum: number;
  /** Sources whose incidents do not match expectedPerSource() exactly. */
  mismatches: string[];
  byState: Record<string, number>;
  flapping: number;
}

export function checkIncidents(all: Incident[], seeded: SeededSource[]): IncidentCheck {
  const expected = expectedPerSource();
  const ids = new Set(seeded.map((s) => s.id));
  const ours = all.filter((i) => i.deviceId && ids.has(i.deviceId));
  const byKey = new Map<string, Incident[]>();
  for (const i of ours) byKey.set(i.key, [...(byKey.get(i.key) ?? []), i]);
  const mismatches: string[] = [];
  for (const s of seeded) {
    const mine = ours.filter((i) => i.deviceId === s.id);
    const problems: string[] = [];
    for (const e of expected) {
      const key = e.key.replace('<dev>', s.id);
      const got = byKey.get(key) ?? [];
      if (got.length !== 1) problems.push(`${key}: ${got.length} incidents`);
      else {
        const g = got[0]!;
        if (g.count !== e.count || g.state !== e.state || g.flapping !== e.flapping)
          problems.push(
            `${key}: count ${g.count}/${e.count}, ${g.state}, flapping ${g.flapping}/${e.flapping}`,
          );
      }
    }
    if (mine.length !== expected.length) problems.push(`${mine.length} incidents in all`);
    if (problems.length) mismatches.push(`${s.id} (${s.ip}): ${problems.join('; ')}`);
  }
  const byState: Record<string, number> = {};
  for (const i of ours) byState[i.state] = (byState[i.state] ?? 0) + 1;
  return {
    total: ours.length,
    expected: expected.length * seeded.length,
    duplicates: [...byKey.values()].filter((v) => v.length > 1).length,
    countSum: ours.reduce((n, i) => n + i.count, 0),
    expectedCountSum: expected.reduce((n, e) => n + e.count, 0) * seeded.length,
    mismatches,
    byState,
    flapping: ours.filter((i) => i.flapping).length,
  };
}
