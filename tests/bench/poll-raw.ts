/**
 * Baseline for the poll benchmark, run inside the lab's appliance namespace: the raw net-snmp
 * client fetching exactly what the appliance's poller asks of each device (planOids: the same
 * instance OIDs in GETs of at most `maxVarbinds`, one request at a time per device, the same
 * subtree walks with 20 repetitions), `concurrency` devices at a time, a session per device per
 * cycle. Nothing is decoded or stored: this is the floor the poller is compared with.
 *
 *   node --import tsx poll-raw.ts probe <devices.json> <plans.json>
 *     The first cycle: every device's probe plan (caps unknown). Afterwards, untimed, the answers
 *     are decoded with the poller's own decodePoll to learn each device's caps, and the steady
 *     plans (what the appliance asks from its second cycle on) are written to plans.json.
 *   node --import tsx poll-raw.ts poll <plans.json>
 *     One steady-state cycle of those plans.
 *
 * Prints one JSON line on stdout: wall ms, CPU ms (user + system), devices answered, requests and
 * varbinds (GET instances asked + varbinds the walks returned).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import snmp from 'net-snmp';
import type { InterfaceInfo } from '../../src/discovery/types.js';
import { buildPollPlan, planOids } from '../../src/monitor/poll-plan.js';
import { PollAnswers } from '../../src/monitor/poll-answers.js';
import { decodePoll } from '../../src/monitor/poll-decode.js';
import { celsiusSensorIndexes } from '../../src/monitor/poll-decode-tables.js';
import { ENT_PHYSICAL_DESCR } from '../../src/monitor/poll-oids.js';
import type { GetSegment, RawPoll, WalkSpec } from '../../src/monitor/poll-types.js';
import { fromNetSnmp } from '../../src/snmp/session.js';

export interface RawOptions {
  community: string;
  port: number;
  timeoutMs: number;
  retries: number;
  concurrency: number;
  maxVarbinds: number;
}

/** probe input */
export interface RawDevicesFile extends RawOptions {
  devices: Array<{ ip: string; interfaces: InterfaceInfo[] }>;
}

/** What one device is asked in a cycle. */
export interface RawPlan {
  ip: string;
  get: readonly string[];
  segments: GetSegment[];
  walks: Array<Pick<WalkSpec, 'oid' | 'maxVarbinds'>>;
}

/** poll input (written by probe) */
export interface RawPlansFile extends RawOptions {
  plans: RawPlan[];
}

export interface RawCycle {
  ms: number;
  cpuMs: number;
  /** CPU of the whole process, start-up and plan loading included. */
  processCpuMs: number;
  devices: number;
  ok: number;
  requests: number;
  failedRequests: number;
  getVarbinds: number;
  walkVarbinds: number;
  varbinds: number;
}

interface DeviceAnswer {
  get: (snmp.Varbind | undefined)[];
  /** undefined where the walk failed */
  walks: (snmp.Varbind[] | undefined)[];
  sensorNames: snmp.Varbind[];
  failed: number;
}

const SENSORS_WALK = '1.3.6.1.2.1.99.1.1.1';

/** One device, as the poller does it: GET chunks in order, then the walks, one at a time. */
async function fetchDevice(
  opts: RawOptions,
  plan: RawPlan,
  counts: RawCycle,
  probe: boolean,
): Promise<DeviceAnswer> {
  const session = snmp.createSession(plan.ip, opts.community, {
    port: opts.port,
    retries: opts.retries,
    timeout: opts.timeoutMs,
    transport: 'udp4',
    backoff: 1.0,
    backwardsGetNexts: false,
    version: snmp.Version2c,
  });
  session.on('error', () => undefined);
  const answer: DeviceAnswer = { get: [], walks: [], sensorNames: [], failed: 0 };
  const get = (oids: string[]) =>
    new Promise<snmp.Varbind[] | undefined>((resolve) => {
      counts.requests++;
      session.get(oids, (err, vbs) => {
        if (err) {
          answer.failed++;
          resolve(undefined);
        } else resolve(vbs);
      });
    });
  try {
    for (const seg of plan.segments) {
      for (let s = seg.start; s < seg.end; s += opts.maxVarbinds) {
        const end = Math.min(seg.end, s + opts.maxVarbinds);
        const vbs = await get(plan.get.slice(s, end));
        counts.getVarbinds += end - s;
        if (vbs) for (let k = 0; k < vbs.length; k++) answer.get[s + k] = vbs[k];
      }
    }
    for (const w of plan.walks) {
      const out: snmp.Varbind[] = [];
      let ok = true;
      counts.requests++;
      await new Promise<void>((resolve) => {
        session.subtree(
          w.oid,
          20,
          (vbs: snmp.Varbind[]) => {
            for (const vb of vbs) {
              if (out.length >= w.maxVarbinds) return true;
              out.push(vb);
            }
            return undefined;
          },
          (err: Error | undefined | null) => {
            if (err) {
              answer.failed++;
              ok = false;
            }
            resolve();
          },
        );
      });
      counts.walkVarbinds += out.length;
      answer.walks.push(ok ? out : undefined);
      // The poller reads the names of sensors its plan did not know yet (the first cycle).
      if (probe && w.oid === SENSORS_WALK) {
        const names = celsiusSensorIndexes(out.map(fromNetSnmp)).map(
          (i) => `${ENT_PHYSICAL_DESCR}.${i}`,
        );
        for (let s = 0; s < names.length; s += opts.maxVarbinds) {
          const chunk = names.slice(s, s + opts.maxVarbinds);
          const vbs = await get(chunk);
          counts.getVarbinds += chunk.length;
          if (vbs) answer.sensorNames.push(...vbs);
        }
      }
    }
  } finally {
    session.close();
  }
  return answer;
}

async function cycle(
  opts: RawOptions,
  plans: RawPlan[],
  probe: boolean,
): Promise<{ stats: RawCycle; answers: DeviceAnswer[] }> {
  const stats: RawCycle = {
    ms: 0,
    cpuMs: 0,
    processCpuMs: 0,
    devices: plans.length,
    ok: 0,
    requests: 0,
    failedRequests: 0,
    getVarbinds: 0,
    walkVarbinds: 0,
    varbinds: 0,
  };
  const answers: DeviceAnswer[] = new Array<DeviceAnswer>(plans.length);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency, plans.length) }, async () => {
      while (next < plans.length) {
        const i = next++;
        answers[i] = await fetchDevice(opts, plans[i]!, stats, probe);
      }
    }),
  );
  stats.ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  stats.cpuMs = (cpu.user + cpu.system) / 1000;
  for (const a of answers) {
    stats.failedRequests += a.failed;
    if (a.failed === 0) stats.ok++;
  }
  stats.varbinds = stats.getVarbinds + stats.walkVarbinds;
  return { stats, answers };
}

function rawPlan(ip: string, plan: ReturnType<typeof buildPollPlan>): RawPlan {
  const { get } = planOids(plan);
  return {
    ip,
    get,
    segments: plan.segments,
    walks: plan.walks.map((w) => ({ oid: w.oid, maxVarbinds: w.maxVarbinds })),
  };
}

async function probe(inFile: string, outFile: string): Promise<RawCycle> {
  const input = JSON.parse(await readFile(inFile, 'utf8')) as RawDevicesFile;
  const { devices, ...opts } = input;
  const plans = devices.map((d) => buildPollPlan(d.interfaces, undefined));
  const { stats, answers } = await cycle(
    opts,
    devices.map((d, i) => rawPlan(d.ip, plans[i]!)),
    true,
  );
  // Untimed: what the appliance learns from this cycle decides what it asks next time.
  const steady: RawPlan[] = devices.map((d, i) => {
    const plan = plans[i]!;
    const a = answers[i]!;
    const values = new PollAnswers(plan.oids);
    a.get.forEach((vb, k) => {
      if (vb) values.set(k, fromNetSnmp(vb));
    });
    const raw: RawPoll = {
      plan,
      values,
      walks: Object.fromEntries(
        plan.walks.flatMap((w, k) => {
          const vbs = a.walks[k];
          return vbs ? [[w.name, vbs.map(fromNetSnmp)]] : [];
        }),
      ),
      sensorNames: a.sensorNames.map(fromNetSnmp),
      notes: [],
      requests: 0,
      durationMs: 0,
    };
    const caps = decodePoll(raw, Date.now()).caps;
    return rawPlan(d.ip, buildPollPlan(d.interfaces, caps));
  });
  const out: RawPlansFile = { ...opts, plans: steady };
  await writeFile(outFile, JSON.stringify(out));
  return stats;
}

async function poll(plansFile: string): Promise<RawCycle> {
  const input = JSON.parse(await readFile(plansFile, 'utf8')) as RawPlansFile;
  const { plans, ...opts } = input;
  return (await cycle(opts, plans, false)).stats;
}

const [mode, a, b] = process.argv.slice(2);
let result: RawCycle;
if (mode === 'probe' && a && b) result = await probe(a, b);
else if (mode === 'poll' && a) result = await poll(a);
else {
  process.stderr.write(
    'usage: poll-raw.ts probe <devices.json> <plans.json> | poll <plans.json>\n',
  );
  process.exit(2);
}
const own = process.cpuUsage();
result.processCpuMs = (own.user + own.system) / 1000;
process.stdout.write(`${JSON.stringify(result)}\n`);
