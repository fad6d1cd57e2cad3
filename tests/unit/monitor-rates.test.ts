/**
 * Counter deltas to rates (src/monitor/rates.ts): wraps, resets, restarts, impossible rates and
 * the gauges of a poll, on hand-made polls whose right answers are worked out here.
 */
import { describe, expect, it } from 'vitest';
import type {
  DeviceCaps,
  DevicePoll,
  IfCounters,
  IfReading,
} from '../../src/monitor/poll-types.js';
import { derive, previousOf, restarted } from '../../src/monitor/rates.js';
import { labelFamily, labelsOf } from '../../src/monitor/series-labels.js';
import type { Sample } from '../../src/monitor/types.js';

const CAPS: DeviceCaps = {
  probedAtMs: 0,
  ifX: true,
  counters64: true,
  no64: [],
  adminDown: [],
  absent: [],
  hrUptime: false,
  engine: true,
  hrProcessor: false,
  hrStorage: false,
  hrRam: false,
  ucdCpu: false,
  ucdMem: false,
  printer: false,
  ups: false,
  upsOutput: false,
  sensors: false,
  sensorIndexes: [],
};
const G = 1_000_000_000;
const TWO_32 = 4294967296;
/** A device up for 10 days when the test clock is at 0. */
const BOOT_UPTIME_S = 864_000;

function poll(atS: number, interfaces: IfReading[], more: Partial<DevicePoll> = {}): DevicePoll {
  return {
    atMs: 1_700_000_000_000 + atS * 1000,
    uptimeS: BOOT_UPTIME_S + atS,
    clocks: { sysUpTimeS: BOOT_UPTIME_S + atS, engineBoots: 7, engineTimeS: BOOT_UPTIME_S + atS },
    interfaces,
    storage: [],
    supplies: [],
    sensors: [],
    caps: CAPS,
    pollMs: 12,
    notes: [],
    ...more,
  };
}

function port(
  ifIndex: number,
  counters: Partial<IfCounters>,
  more: Partial<IfReading> = {},
): IfReading {
  return {
    ifIndex,
    name: `Gi1/0/${ifIndex - 10100}`,
    alias: '',
    oper: 'up',
    admin: 'up',
    speedBps: G,
    counters: { width: 64, ...counters },
    ...more,
  };
}

const value = (samples: Sample[], metric: string, instance = '') =>
  samples.find((s) => s.metric === metric && s.instance === instance)?.value;
const ifMetrics = (samples: Sample[], instance: string) =>
  samples.filter((s) => s.instance === instance && s.metric !== 'if.oper_up');

describe('derive: rates from counter deltas', () => {
  it('gives no rates on the first poll, only gauges', () => {
    const d = derive(undefined, poll(0, [port(10101, { inOctets: 5e9, outOctets: 1e9 })]));
    expect(d.rebooted).toBe(false);
    expect(d.samples.some((s) => s.metric === 'if.in_bps')).toBe(false);
    expect(value(d.samples, 'if.oper_up', '10101')).toBe(1);
    expect(value(d.samples, 'uptime.s')).toBe(BOOT_UPTIME_S);
    expect(value(d.samples, 'poll.ms')).toBe(12);
  });

  it('turns octets into bits per second and utilisation of the interface speed', () => {
    const fast = { speedBps: 100_000_000 };
    const a = poll(0, [port(10101, { inOctets: 1_000_000, outOctets: 0, inUcast: 100 }, fast)]);
    // 75 MB in and 7.5 MB out in 60 s on a 100 Mbit/s port: 10 Mbit/s and 1 Mbit/s
    const b = poll(60, [
      port(10101, { inOctets: 76_000_000, outOctets: 7_500_000, inUcast: 6100 }, fast),
    ]);
    const d = derive(previousOf(a), b);
    expect(value(d.samples, 'if.in_bps', '10101')).toBeCloseTo(10_000_000, 6);
    expect(value(d.samples, 'if.out_bps', '10101')).toBeCloseTo(1_000_000, 6);
    expect(value(d.samples, 'if.in_util_pct', '10101')).toBeCloseTo(10, 9);
    expect(value(d.samples, 'if.out_util_pct', '10101')).toBeCloseTo(1, 9);
    expect(value(d.samples, 'if.in_ucast_pps', '10101')).toBeCloseTo(100, 9);
    // a counter not read gives no sample (not a zero)
    expect(value(d.samples, 'if.out_ucast_pps', '10101')).toBeUndefined();
    expect(d.notes).toEqual([]);
  });

  it('gives per-second packets, errors and discards', () => {
    const c0 = { inNUcast: 10, outNUcast: 20, inErrors: 5, outErrors: 0, inDiscards: 0 };
    const c1 = { inNUcast: 130, outNUcast: 80, inErrors: 35, outErrors: 0, inDiscards: 6 };
    const d = derive(previousOf(poll(0, [port(10101, c0)])), poll(30, [port(10101, c1)]));
    expect(value(d.samples, 'if.in_nucast_pps', '10101')).toBeCloseTo(4, 9);
    expect(value(d.samples, 'if.out_nucast_pps', '10101')).toBeCloseTo(2, 9);
    expect(value(d.samples, 'if.in_errors_ps', '10101')).toBeCloseTo(1, 9);
    expect(value(d.samples, 'if.out_errors_ps', '10101')).toBe(0);
    expect(value(d.samples, 'if.in_discards_ps', '10101')).toBeCloseTo(0.2, 9);
  });

  it('handles one Counter32 wrap when the rate it implies fits the interface', () => {
    const c32 = (inOctets: number): Partial<IfCounters> => ({ width: 32, inOctets });
    const a = poll(0, [port(10101, c32(TWO_32 - 1_000_000))]);
    const b = poll(60, [port(10101, c32(59_000_000))]);
    const d = derive(previousOf(a), b);
    // 60 MB in 60 s across the wrap: 8 Mbit/s
    expect(value(d.samples, 'if.in_bps', '10101')).toBeCloseTo(8_000_000, 6);
    expect(d.notes).toEqual([]);
  });

  it('treats a Counter32 that went down as a reset when a wrap is impossible at its speed', () => {
    // a wrap would mean about 4 GB in 60 s on a 10 Mbit/s port
    const slow = { speedBps: 10_000_000 };
    const a = poll(0, [port(10101, { width: 32, inOctets: 3000, outOctets: 9e6 }, slow)]);
    const b = poll(60, [port(10101, { width: 32, inOctets: 1000, outOctets: 9.1e6 }, slow)]);
    const d = derive(previousOf(a), b);
    expect(ifMetrics(d.samples, '10101')).toEqual([]);
    expect(d.notes.join()).toMatch(/Gi1\/0\/1: counters started again/);
  });

  it('treats a Counter32 that went down on an interface of unknown speed as a reset', () => {
    const a = poll(0, [port(10101, { width: 32, inOctets: TWO_32 - 10 }, { speedBps: undefined })]);
    const b = poll(60, [port(10101, { width: 32, inOctets: 10 }, { speedBps: undefined })]);
    const d = derive(previousOf(a), b);
    expect(ifMetrics(d.samples, '10101')).toEqual([]);
    expect(d.notes).toHaveLength(1);
  });

  it('leaves a gap for an interface whose Counter64 went down, not for the others', () => {
    const a = poll(0, [
      port(10101, { inOctets: 9e12, outOctets: 5e12 }),
      port(10102, { inOctets: 1000, outOctets: 1000 }),
    ]);
    const b = poll(60, [
      port(10101, { inOctets: 12_000, outOctets: 5e12 + 60 }),
      port(10102, { inOctets: 7500, outOctets: 1000 }),
    ]);
    const d = derive(previousOf(a), b);
    expect(d.rebooted).toBe(false);
    expect(ifMetrics(d.samples, '10101')).toEqual([]);
    expect(value(d.samples, 'if.in_bps', '10102')).toBeCloseTo(((7500 - 1000) * 8) / 60, 9);
    expect(d.notes).toEqual([expect.stringMatching(/^Gi1\/0\/1: counters started again/)]);
  });

  it('never passes on a rate the interface cannot carry', () => {
    // 20 GB in 60 s on a 1 Gbit/s port: 2.7 Gbit/s
    const a = poll(0, [port(10101, { inOctets: 0, outOctets: 0, inUcast: 0 })]);
    const b = poll(60, [port(10101, { inOctets: 20e9, outOctets: 6e9, inUcast: 1e6 })]);
    const d = derive(previousOf(a), b);
    expect(value(d.samples, 'if.in_bps', '10101')).toBeUndefined();
    expect(value(d.samples, 'if.in_util_pct', '10101')).toBeUndefined();
    // 6 GB in 60 s = 800 Mbit/s is fine, and so are its packets
    expect(value(d.samples, 'if.out_bps', '10101')).toBeCloseTo(800_000_000, 3);
    expect(value(d.samples, 'if.in_ucast_pps', '10101')).toBeCloseTo(1e6 / 60, 6);
    expect(d.notes).toEqual([expect.stringMatching(/if\.in_bps .* above what the interface/)]);
  });

  it('drops a packet rate above what the interface can carry in minimum-size frames', () => {
    // 1 Gbit/s carries at most 1.49 Mpps of 64-byte frames
    const a = poll(0, [port(10101, { inUcast: 0 })]);
    const b = poll(10, [port(10101, { inUcast: 20e6 })]);
    expect(value(derive(previousOf(a), b).samples, 'if.in_ucast_pps', '10101')).toBeUndefined();
  });

  it('has nothing to compare when the counters changed width (a re-probe found Counter64)', () => {
    const a = poll(0, [port(10101, { width: 32, inOctets: 100 })]);
    const b = poll(60, [port(10101, { width: 64, inOctets: 90_000_000_000 })]);
    expect(ifMetrics(derive(previousOf(a), b).samples, '10101')).toEqual([]);
  });

  it('gives no rates for an interface without counters or new since the last poll', () => {
    const a = poll(0, [port(10101, {}, { counters: undefined })]);
    const b = poll(60, [
      port(10101, { inOctets: 5 }),
      port(10102, { inOctets: 5 }, { admin: 'down', oper: 'down' }),
    ]);
    const d = derive(previousOf(a), b);
    expect(
      d.samples.filter((s) => s.metric.startsWith('if.') && s.metric !== 'if.oper_up'),
    ).toEqual([]);
    expect(value(d.samples, 'if.oper_up', '10102')).toBe(0);
  });

  it('gives no rates when the polls are not in order', () => {
    const a = poll(60, [port(10101, { inOctets: 0 })]);
    const b = poll(60, [port(10101, { inOctets: 100 })]);
    const d = derive(previousOf(a), b);
    expect(value(d.samples, 'if.in_bps', '10101')).toBeUndefined();
    expect(d.notes).toEqual([expect.stringMatching(/not later/)]);
  });

  it('reports interfaces whose operational status changed', () => {
    const a = poll(0, [port(10101, {}), port(10102, {}, { oper: 'down' })]);
    const b = poll(60, [port(10101, {}, { oper: 'lowerLayerDown' }), port(10102, {})]);
    expect(derive(previousOf(a), b).ifChanges).toEqual([
      { ifIndex: 10101, name: 'Gi1/0/1', from: 'up', to: 'lowerLayerDown' },
      { ifIndex: 10102, name: 'Gi1/0/2', from: 'down', to: 'up' },
    ]);
  });
});

describe('previousOf: the compact form kept between polls', () => {
  it('finds interfaces that moved, were added or went away, and keeps counters exactly', () => {
    const big = 2 ** 53 - 10; // a Counter64 near the end of exact doubles
    const a = poll(0, [
      port(10101, { inOctets: big, inErrors: 5 }),
      port(10102, { inOctets: 1000 }, { oper: 'down' }),
      port(10103, { inOctets: 7 }),
    ]);
    const prev = previousOf(a);
    // the device lists them in another order, one is gone and one is new
    const b = poll(10, [
      port(10104, { inOctets: 1 }),
      port(10102, { inOctets: 1000 + 1250 }),
      port(10101, { inOctets: big + 8, inErrors: 15 }),
    ]);
    const d = derive(prev, b);
    expect(value(d.samples, 'if.in_bps', '10101')).toBeCloseTo(6.4, 9);
    expect(value(d.samples, 'if.in_errors_ps', '10101')).toBe(1);
    expect(value(d.samples, 'if.in_bps', '10102')).toBe(1000);
    expect(ifMetrics(d.samples, '10104')).toEqual([]);
    expect(d.ifChanges).toEqual([{ ifIndex: 10102, name: 'Gi1/0/2', from: 'down', to: 'up' }]);
  });

  it('keeps "not read" apart from zero: no counters, no status, a counter missing', () => {
    const a = poll(0, [
      port(10101, {}, { counters: undefined, oper: undefined }),
      port(10102, { inOctets: 0 }),
    ]);
    const b = poll(10, [
      port(10101, { inOctets: 500 }, { oper: 'down' }),
      port(10102, { inOctets: 100, outOctets: 100 }),
    ]);
    const d = derive(previousOf(a), b);
    expect(ifMetrics(d.samples, '10101')).toEqual([]);
    expect(d.ifChanges).toEqual([]);
    expect(value(d.samples, 'if.in_bps', '10102')).toBe(80);
    expect(value(d.samples, 'if.out_bps', '10102')).toBeUndefined();
  });

  it("lends the previous one's arrays to the next when the interfaces are as many", () => {
    const a = poll(0, [port(10101, { inOctets: 100 }), port(10102, {}, { counters: undefined })]);
    const b = poll(10, [port(10101, { inOctets: 1350 }), port(10102, { inOctets: 5 })]);
    const c = poll(20, [port(10101, { inOctets: 2600 })]);
    const pa = previousOf(a);
    const pb = previousOf(b, pa);
    expect(pb.rows).toBe(pa.rows);
    expect(pb).toEqual(previousOf(b));
    expect(value(derive(pb, c).samples, 'if.in_bps', '10101')).toBe(1000);
    // fewer interfaces: arrays of their own
    const pc = previousOf(c, pb);
    expect(pc.rows).not.toBe(pb.rows);
    expect(pc).toEqual(previousOf(c));
  });

  it("does not share the poll's objects", () => {
    const a = poll(0, [port(10101, { inOctets: 1 })], { cpuTicks: { idle: 1, total: 2 } });
    const prev = previousOf(a);
    a.clocks.sysUpTimeS = 0;
    a.cpuTicks!.idle = 99;
    expect(prev.clocks.sysUpTimeS).toBe(BOOT_UPTIME_S);
    expect(prev.cpuTicks).toEqual({ idle: 1, total: 2 });
  });
});

describe('derive: restarts', () => {
  const counters = (inOctets: number) => [port(10101, { inOctets })];

  it('sees a reboot when the uptime went backwards, and gives no rate for that interval', () => {
    const a = poll(0, counters(9e9));
    const b = poll(300, counters(4e6), {
      uptimeS: 120,
      clocks: { sysUpTimeS: 120, engineBoots: 8, engineTimeS: 120 },
    });
    const d = derive(previousOf(a), b);
    expect(d.rebooted).toBe(true);
    expect(ifMetrics(d.samples, '10101')).toEqual([]);
    expect(value(d.samples, 'uptime.s')).toBe(120);
    expect(d.notes).toEqual([expect.stringMatching(/restarted/)]);
    // and the next interval has rates again
    const c = poll(360, counters(4e6 + 7500), {
      clocks: { sysUpTimeS: 180, engineBoots: 8, engineTimeS: 180 },
    });
    const next = derive(previousOf(b), c);
    expect(next.rebooted).toBe(false);
    expect(value(next.samples, 'if.in_bps', '10101')).toBeCloseTo(1000, 9);
  });

  it('sees a reboot when the device is younger than the interval, even if its uptime grew', () => {
    // up 20 s at the last poll (it had just booted), then rebooted again 40 s ago
    const a = poll(0, counters(0), { clocks: { sysUpTimeS: 20 } });
    const b = poll(600, counters(10), { clocks: { sysUpTimeS: 40 } });
    expect(restarted(a, b)).toBe(true);
  });

  it('does not mistake the 497-day TimeTicks wrap for a reboot', () => {
    const wrap = TWO_32 / 100;
    const a = poll(0, counters(1000), { clocks: { sysUpTimeS: wrap - 30 } });
    const b = poll(60, counters(1600), { clocks: { sysUpTimeS: 30 } });
    const d = derive(previousOf(a), b);
    expect(d.rebooted).toBe(false);
    expect(value(d.samples, 'if.in_bps', '10101')).toBeCloseTo(80, 9);
  });

  it('an agent restart on a server is not a reboot: the host uptime goes on', () => {
    const host = (atS: number, sys: number, boots: number) => ({
      uptimeS: 5000 + atS,
      clocks: { sysUpTimeS: sys, hrUptimeS: 5000 + atS, engineBoots: boots, engineTimeS: sys },
    });
    const a = poll(0, counters(0), host(0, 4000, 3));
    const b = poll(60, counters(600), host(60, 10, 4));
    const d = derive(previousOf(a), b);
    expect(d.rebooted).toBe(false);
    expect(value(d.samples, 'if.in_bps', '10101')).toBeCloseTo(80, 9);
  });

  it('counts a new snmpEngineBoots as a restart when there is no host clock', () => {
    const a = poll(0, counters(0), { clocks: { engineBoots: 3, engineTimeS: 500 } });
    const b = poll(60, counters(600), { clocks: { engineBoots: 4, engineTimeS: 560 } });
    expect(restarted(a, b)).toBe(true);
  });

  it('is not fooled by a poll that read the clock a few seconds late', () => {
    const a = poll(0, counters(0), { clocks: { sysUpTimeS: 1000 } });
    const b = poll(60, counters(0), { clocks: { sysUpTimeS: 1057 } });
    expect(restarted(a, b)).toBe(false);
  });
});

describe('derive: gauges and labels', () => {
  const cur = poll(
    60,
    [port(10148, {}, { name: 'Gi1/0/48', alias: 'uplink' }), port(10101, {}, { oper: 'down' })],
    {
      cpuPct: 37.5,
      memUsedPct: 61,
      storage: [{ index: '31', descr: '/', usedBytes: 25e9, sizeBytes: 100e9 }],
      supplies: [
        { index: '1.1', descr: 'Black Toner Cartridge', levelPct: 8, state: 'level' },
        { index: '1.7', descr: 'Waste Toner Box', state: 'some-remaining' },
      ],
      ups: {
        onBattery: true,
        batteryStatus: 'normal',
        chargePct: 96,
        runtimeMin: 41,
        loadPct: 33,
        tempC: 27,
      },
      sensors: [{ index: '1006', descr: 'Switch 1 - Inlet Temp Sensor', celsius: 24 }],
    },
  );

  it('passes every gauge on with its instance', () => {
    const s = derive(undefined, cur).samples;
    expect(value(s, 'cpu.load_pct')).toBe(37.5);
    expect(value(s, 'mem.used_pct')).toBe(61);
    expect(value(s, 'storage.used_pct', '31')).toBe(25);
    expect(value(s, 'storage.used_bytes', '31')).toBe(25e9);
    expect(value(s, 'printer.supply_pct', '1.1')).toBe(8);
    expect(value(s, 'printer.supply_pct', '1.7')).toBeUndefined();
    expect(value(s, 'ups.on_battery')).toBe(1);
    expect(value(s, 'ups.battery_pct')).toBe(96);
    expect(value(s, 'ups.runtime_min')).toBe(41);
    expect(value(s, 'ups.load_pct')).toBe(33);
    expect(value(s, 'sensor.temp_c', 'ups.battery')).toBe(27);
    expect(value(s, 'sensor.temp_c', '1006')).toBe(24);
    expect(value(s, 'if.oper_up', '10148')).toBe(1);
    expect(value(s, 'if.oper_up', '10101')).toBe(0);
    expect(s.every((x) => Number.isFinite(x.value))).toBe(true);
  });

  it('labels every instance', () => {
    const labels = labelsOf(cur);
    expect(labels.if).toEqual({ '10148': 'Gi1/0/48 (uplink)', '10101': 'Gi1/0/1' });
    expect(labels.storage).toEqual({ '31': '/' });
    expect(labels.supply['1.7']).toBe('Waste Toner Box');
    expect(labels.sensor).toEqual({
      '1006': 'Switch 1 - Inlet Temp Sensor',
      'ups.battery': 'UPS battery',
    });
    for (const s of derive(undefined, cur).samples) {
      const family = labelFamily(s.metric);
      if (family) expect(labels[family][s.instance], `${s.metric} ${s.instance}`).toBeDefined();
      else expect(s.instance).toBe('');
    }
  });
});
