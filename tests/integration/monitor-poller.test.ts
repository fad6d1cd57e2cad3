/**
 * The monitoring poller end to end against simulated devices on loopback (127.77.44.x): real
 * SNMP sessions (openSnmp), the plan, the adapter, the decoder and the rates, compared with the
 * simulator's model, which is the ground truth of every counter and gauge. Time is the
 * simulator's fake clock: a poll "60 s later" is a clock moved by 60 s, not a sleep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/discovery/snmp-collect.js';
import type { InterfaceInfo } from '../../src/discovery/types.js';
import { decodePoll } from '../../src/monitor/poll-decode.js';
import { buildPollPlan } from '../../src/monitor/poll-plan.js';
import type { DevicePoll, RawPoll } from '../../src/monitor/poll-types.js';
import { derive, previousOf } from '../../src/monitor/rates.js';
import { labelsOf } from '../../src/monitor/series-labels.js';
import { pollSnmp } from '../../src/monitor/snmp-poller.js';
import type { Sample } from '../../src/monitor/types.js';
import { AppError } from '../../src/core/errors.js';
import { openSnmp, type SnmpClient } from '../../src/snmp/session.js';
import { counter32 } from '../lab/simulator/counters.js';
import { startSimulator, type SimulatedAgent, type Simulator } from '../lab/simulator/index.js';
import { cpuLoad, storageUsed } from '../lab/simulator/model-host.js';
import { supplyLevel } from '../lab/simulator/model-printer.js';
import { sensorCelsius } from '../lab/simulator/model-sensors.js';
import { upsState } from '../lab/simulator/model-ups.js';
import { ifTotals, uptimeSeconds, type DeviceModel } from '../lab/simulator/model.js';

const PORT = 16244;
const MINUTE = 60_000;

let sim: Simulator;
let t = Date.now();
/** Called at every request the simulator answers (tests use it to act in the middle of a poll). */
let onRequest: (() => void) | undefined;
const now = () => {
  onRequest?.();
  return t;
};
const agent = (name: string): SimulatedAgent => sim.agents.find((a) => a.sysName === name)!;

beforeAll(async () => {
  const dev = (n: number, profile: string, sysName: string) => ({
    address: `127.77.44.${n}`,
    port: PORT,
    profile,
    sysName,
    seed: 4400 + n,
  });
  sim = await startSimulator(
    {
      agents: [
        dev(1, 'switch24', 'sw-mon'),
        dev(2, 'server', 'srv-mon'),
        dev(3, 'printer', 'prn-mon'),
        dev(4, 'ups', 'ups-mon'),
        dev(5, 'switch24', 'sw-v1'),
        dev(6, 'switch24', 'sw-reboot'),
        dev(7, 'printer', 'prn-dies'),
        { ...dev(8, 'switch24', 'sw-small'), maxGetVarbinds: 12 },
        dev(9, 'switch24', 'sw-gone'),
      ],
    },
    { now, onError: () => undefined },
  );
});
afterAll(async () => {
  await sim?.close();
});

function session(
  a: { address: string },
  version: '1' | '2c' = '2c',
  signal?: AbortSignal,
  timeoutMs = 400,
) {
  return openSnmp(
    { address: a.address, port: PORT, timeoutMs, retries: 0 },
    { version, community: 'public' },
    signal,
  );
}

async function inventory(a: SimulatedAgent): Promise<InterfaceInfo[]> {
  const client = session(a);
  try {
    return (await collectInventory(client, { maxRows: 1000, maxValues: 10_000 })).interfaces;
  } finally {
    client.close();
  }
}

/** One poll as the monitoring job makes it: plan from caps, adapter, decode at the clock's time. */
async function poll(
  client: SnmpClient,
  ifs: InterfaceInfo[],
  prev: DevicePoll | undefined,
  signal = new AbortController().signal,
): Promise<{ raw: RawPoll; poll: DevicePoll }> {
  const raw = await pollSnmp(client, buildPollPlan(ifs, prev?.caps), { maxVarbinds: 40, signal });
  return { raw, poll: decodePoll(raw, t) };
}

const value = (samples: Sample[], metric: string, instance = '') =>
  samples.find((s) => s.metric === metric && s.instance === instance)?.value;
const elapsedS = (m: DeviceModel) => (t - m.startMs) / 1000;

/** The rates the model counted between two instants, per interface. */
function truth(m: DeviceModel, ifIndex: number, t0: number, t1: number) {
  const i = m.byIfIndex.get(ifIndex)!;
  const a = ifTotals(m, i, t0);
  const b = ifTotals(m, i, t1);
  const s = (t1 - t0) / 1000;
  const per = (k: keyof typeof a) => (b[k] - a[k]) / s;
  return {
    inBps: per('inOctets') * 8,
    outBps: per('outOctets') * 8,
    inUcast: per('inUcast'),
    outUcast: per('outUcast'),
    inNUcast: per('inMulticast') + per('inBroadcast'),
    outNUcast: per('outMulticast') + per('outBroadcast'),
    inErrors: per('inErrors'),
    inDiscards: per('inDiscards'),
    outDiscards: per('outDiscards'),
    speed: i.speed,
  };
}

function expectRatesMatch(m: DeviceModel, samples: Sample[], t0: number, t1: number) {
  let checked = 0;
  for (const i of m.ifaces) {
    if (i.admin !== 1) continue;
    const want = truth(m, i.ifIndex, t0, t1);
    const at = String(i.ifIndex);
    const got = (metric: string) => value(samples, metric, at);
    expect(got('if.in_bps'), `${i.name} in`).toBeCloseTo(want.inBps, 3);
    expect(got('if.out_bps'), `${i.name} out`).toBeCloseTo(want.outBps, 3);
    expect(got('if.in_util_pct')).toBeCloseTo((want.inBps / want.speed) * 100, 6);
    expect(got('if.in_ucast_pps')).toBeCloseTo(want.inUcast, 6);
    expect(got('if.out_ucast_pps')).toBeCloseTo(want.outUcast, 6);
    expect(got('if.in_nucast_pps')).toBeCloseTo(want.inNUcast, 6);
    expect(got('if.out_nucast_pps')).toBeCloseTo(want.outNUcast, 6);
    expect(got('if.in_errors_ps')).toBeCloseTo(want.inErrors, 6);
    expect(got('if.in_discards_ps')).toBeCloseTo(want.inDiscards, 6);
    expect(got('if.out_discards_ps')).toBeCloseTo(want.outDiscards, 6);
    if (want.inBps > 0) checked++;
  }
  return checked;
}

describe('the monitoring poller against simulated devices', () => {
  it('polls a 24-port switch twice: rates equal what its model counted', async () => {
    const sw = agent('sw-mon');
    const ifs = await inventory(sw);
    const client = session(sw);
    try {
      const t0 = t;
      const first = await poll(client, ifs, undefined);
      const none = derive(undefined, first.poll);
      expect(none.samples.some((s) => s.metric === 'if.in_bps')).toBe(false);

      t += MINUTE;
      const second = await poll(client, ifs, first.poll);
      const d = derive(previousOf(first.poll), second.poll);
      expect(d.rebooted).toBe(false);
      expect(d.notes).toEqual([]);
      expect(second.poll.notes).toEqual([]);
      expect(expectRatesMatch(sw.model, d.samples, t0, t)).toBeGreaterThan(10);

      for (const i of sw.model.ifaces) {
        expect(value(d.samples, 'if.oper_up', String(i.ifIndex))).toBe(i.oper === 1 ? 1 : 0);
      }
      expect(value(d.samples, 'uptime.s')).toBe(Math.floor(uptimeSeconds(sw.model, t) * 100) / 100);
      for (const s of sw.model.sensors) {
        expect(value(d.samples, 'sensor.temp_c', String(s.index))).toBe(
          sensorCelsius(s, elapsedS(sw.model)),
        );
      }
      expect(labelsOf(second.poll).if['10124']).toBe('Gi1/0/24 (uplink)');
      expect(labelsOf(second.poll).sensor['1006']).toBe('Switch 1 - Inlet Temp Sensor');

      // few round trips: GETs of 40 varbinds, then the one small table that exists
      const plan = second.raw.plan;
      expect(plan.walks.map((w) => w.name)).toEqual(['sensors']);
      expect(second.raw.requests).toBe(Math.ceil(plan.oids.length / 40) + 1);
      expect(first.raw.requests).toBeGreaterThan(second.raw.requests);
    } finally {
      client.close();
    }
  });

  it('reads a server: CPU, memory, file systems and temperatures as its model has them', async () => {
    const srv = agent('srv-mon');
    const ifs = await inventory(srv);
    const client = session(srv);
    try {
      const t0 = t;
      const first = await poll(client, ifs, undefined);
      t += 5 * MINUTE;
      const { poll: p } = await poll(client, ifs, first.poll);
      const d = derive(previousOf(first.poll), p);
      const h = srv.model.host!;
      const e = elapsedS(srv.model);
      const loads = Array.from({ length: h.cpus }, (_, i) => cpuLoad(h, i, e));
      expect(value(d.samples, 'cpu.load_pct')).toBeCloseTo(
        loads.reduce((a, b) => a + b) / h.cpus,
        9,
      );
      const ram = h.storage.find((s) => s.ram)!;
      expect(value(d.samples, 'mem.used_pct')).toBeCloseTo(
        (storageUsed(h, ram, e) / ram.sizeUnits) * 100,
        9,
      );
      for (const s of h.storage.filter((x) => x.descr.startsWith('/'))) {
        expect(value(d.samples, 'storage.used_bytes', String(s.index))).toBe(
          storageUsed(h, s, e) * s.unitBytes,
        );
        expect(value(d.samples, 'storage.used_pct', String(s.index))).toBeCloseTo(
          (storageUsed(h, s, e) / s.sizeUnits) * 100,
          9,
        );
      }
      expect(p.storage.map((s) => s.descr)).toEqual(['/', '/srv']);
      expect(p.sensors.map((s) => [s.descr, s.celsius])).toEqual(
        srv.model.sensors.map((s) => [s.descr, sensorCelsius(s, e)]),
      );
      expect(p.uptimeS).toBe(Math.floor(uptimeSeconds(srv.model, t) * 100) / 100);
      expectRatesMatch(srv.model, d.samples, t0, t);
      expect(p.caps).toMatchObject({ hrProcessor: true, hrRam: true, ucdCpu: false });
    } finally {
      client.close();
    }
  });

  it('reads printer supplies and the UPS battery as their models have them', async () => {
    const prn = agent('prn-mon');
    const ups = agent('ups-mon');
    t += 3 * MINUTE;
    for (const a of [prn, ups]) {
      const ifs = await inventory(a);
      const client = session(a);
      try {
        const first = await poll(client, ifs, undefined);
        const { poll: p } = await poll(client, ifs, first.poll);
        const samples = derive(previousOf(first.poll), p).samples;
        const e = elapsedS(a.model);
        if (a === prn) {
          const printer = prn.model.printer!;
          for (const s of printer.supplies) {
            const got = value(samples, 'printer.supply_pct', `1.${s.index}`);
            if (s.fixed !== undefined) expect(got).toBeUndefined();
            else expect(got).toBeCloseTo((supplyLevel(printer, s, e) / s.max) * 100, 9);
          }
          expect(p.supplies.find((s) => s.index === '1.7')!.state).toBe('some-remaining');
        } else {
          const u = upsState(ups.model.ups!, e);
          expect(p.ups).toEqual({
            batteryStatus: 'normal',
            onBattery: false,
            chargePct: u.chargePercent,
            runtimeMin: u.minutesRemaining,
            tempC: u.temperatureC,
            loadPct: u.loadPercent,
          });
          expect(value(samples, 'ups.load_pct')).toBe(u.loadPercent);
          expect(value(samples, 'sensor.temp_c', 'ups.battery')).toBe(u.temperatureC);
        }
      } finally {
        client.close();
      }
    }
  });

  it('over SNMPv1 learns there is no Counter64 and gets rates across a Counter32 wrap', async () => {
    const sw = agent('sw-v1');
    const ifs = await inventory(sw);
    const client = session(sw, '1');
    try {
      // an interface the device no longer has makes a v1 agent refuse every PDU that asks for it
      const stale = [...ifs, { ...ifs[1]!, index: 10199, name: 'Gi1/0/99' }];
      const probe = await poll(client, stale, undefined);
      expect(probe.poll.caps).toMatchObject({ counters64: false, absent: [10199] });
      expect(probe.poll.interfaces.length).toBe(25);
      expect(probe.poll.interfaces.every((i) => i.oper !== undefined)).toBe(true);
      expect(probe.poll.notes).toEqual([expect.stringMatching(/ifIndex 10199/)]);

      // move the clock to a minute in which the uplink's ifInOctets wraps
      const uplink = sw.model.byIfIndex.get(10124)!;
      const c32 = (ms: number) => counter32(ifTotals(sw.model, uplink, ms).inOctets);
      let at = t + MINUTE;
      while (c32(at + MINUTE) > c32(at)) at += 10_000;
      t = at;
      const before = await poll(client, stale, probe.poll);
      const { plan } = before.raw;
      expect(before.raw.requests).toBe(Math.ceil(plan.oids.length / 40) + plan.walks.length);
      expect(before.poll.interfaces[0]!.counters!.width).toBe(32);
      t += MINUTE;
      const after = await poll(client, stale, before.poll);
      const inAfter = after.poll.interfaces.find((i) => i.ifIndex === 10124)!.counters!.inOctets!;
      const inBefore = before.poll.interfaces.find((i) => i.ifIndex === 10124)!.counters!.inOctets!;
      expect(inAfter).toBeLessThan(inBefore); // it did wrap

      const d = derive(previousOf(before.poll), after.poll);
      expect(d.notes).toEqual([]);
      expectRatesMatch(sw.model, d.samples, t - MINUTE, t);
    } finally {
      client.close();
    }
  });

  it('after a reboot leaves a gap, then gives rates again', async () => {
    const sw = agent('sw-reboot');
    const ifs = await inventory(sw);
    const client = session(sw);
    try {
      const first = await poll(client, ifs, undefined);
      t += MINUTE;
      const before = await poll(client, ifs, first.poll);
      sw.reboot(t + 10_000);
      t += 2 * MINUTE;
      const rebooted = await poll(client, ifs, before.poll);
      expect(rebooted.poll.uptimeS).toBe(110);
      const d = derive(previousOf(before.poll), rebooted.poll);
      expect(d.rebooted).toBe(true);
      expect(d.samples.filter((s) => s.metric.endsWith('_bps'))).toEqual([]);
      expect(d.notes).toEqual([expect.stringMatching(/restarted/)]);

      t += MINUTE;
      const next = await poll(client, ifs, rebooted.poll);
      const again = derive(previousOf(rebooted.poll), next.poll);
      expect(again.rebooted).toBe(false);
      expect(expectRatesMatch(sw.model, again.samples, t - MINUTE, t)).toBeGreaterThan(5);
    } finally {
      client.close();
    }
  });
});

describe('the monitoring poller when things go wrong', () => {
  it('rejects with SNMP_TIMEOUT when nothing answers, without waiting for every request', async () => {
    const client = session({ address: '127.77.44.99' });
    try {
      const started = performance.now();
      const err = await poll(client, await inventory(agent('sw-mon')), undefined).catch((e) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('SNMP_TIMEOUT');
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      client.close();
    }
  });

  it('rejects with SNMP_STOPPED when its signal is aborted in the middle of a poll', async () => {
    const sw = agent('sw-mon');
    const ifs = await inventory(sw);
    const ac = new AbortController();
    const client = session(sw, '2c', ac.signal);
    let requests = 0;
    onRequest = () => {
      if (++requests === 3) ac.abort();
    };
    try {
      const err = await poll(client, ifs, undefined, ac.signal).catch((e) => e);
      expect((err as AppError).code).toBe('SNMP_STOPPED');
      expect(requests).toBeLessThan(5);
      // an abort that says why is passed on as it is (a per-device time budget)
      const aborted = new AbortController();
      aborted.abort(new AppError('POLL_BUDGET', 'Polling took too long.', { kind: 'transient' }));
      const other = session(sw);
      const early = await poll(other, ifs, undefined, aborted.signal).catch((e) => e);
      other.close();
      expect((early as AppError).code).toBe('POLL_BUDGET');
    } finally {
      onRequest = undefined;
      client.close();
    }
  });

  it('stops at once on an abort even with a client that was not given the signal', async () => {
    const sw = agent('sw-gone');
    const ifs = await inventory(sw);
    const ac = new AbortController();
    // The request in flight would wait two minutes for its timeout (past the test's own) unless
    // the abort closes the client.
    const client = session(sw, '2c', undefined, 120_000);
    let requests = 0;
    onRequest = () => {
      if (++requests === 2) {
        void sw.close(); // the second request is never answered
        setTimeout(() => ac.abort(), 50);
      }
    };
    try {
      const err = await poll(client, ifs, undefined, ac.signal).catch((e) => e);
      expect((err as AppError).code).toBe('SNMP_STOPPED');
    } finally {
      onRequest = undefined;
      client.close();
    }
  });

  it('asks fewer OIDs at a time when the agent says tooBig, instead of taking a MIB group as missing', async () => {
    const small = agent('sw-small');
    const ifs = await inventory(small);
    const client = session(small);
    try {
      // 40 OIDs a GET; this agent answers at most 12 (ifHighSpeed alone is 25 OIDs)
      const { raw, poll: p } = await poll(client, ifs, undefined);
      expect(raw.notes).toEqual([]);
      expect(p.caps).toMatchObject({ ifX: true, counters64: true, no64: [] });
      expect(p.interfaces).toHaveLength(ifs.length);
      const counting = p.interfaces.filter((i) => i.admin === 'up');
      expect(counting.length).toBeGreaterThan(12);
      for (const i of counting) {
        const truth = small.model.byIfIndex.get(i.ifIndex)!;
        expect(i.counters?.width).toBe(64);
        expect(i.counters?.inOctets).toBe(ifTotals(small.model, truth, t).inOctets);
      }
      const reference = session(agent('sw-mon'));
      const { poll: full } = await poll(reference, await inventory(agent('sw-mon')), undefined);
      reference.close();
      expect(p.caps).toEqual({ ...full.caps, adminDown: p.caps.adminDown });
    } finally {
      client.close();
    }
  });

  it('keeps what was read when the device stops answering in the middle of a poll', async () => {
    const prn = agent('prn-dies');
    const ifs = await inventory(prn);
    const client = session(prn);
    let requests = 0;
    onRequest = () => {
      // the first GET is answered, then the agent is gone
      if (++requests === 2) void prn.close();
    };
    try {
      const { raw, poll: p } = await poll(client, ifs, undefined);
      expect(p.uptimeS).toBeGreaterThan(0);
      expect(p.interfaces.map((i) => i.oper)).toEqual(['up', 'down']);
      expect(p.supplies).toEqual([]);
      expect(raw.requests).toBe(3); // two without an answer, then it gave up
      expect(p.notes.at(-1)).toMatch(/stopped answering/);
      // what did not answer is not learned as missing: the next poll asks again
      expect(p.caps).toMatchObject({ printer: true, hrUptime: true });
    } finally {
      onRequest = undefined;
      client.close();
    }
  });
});
