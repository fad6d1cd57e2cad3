/**
 * The monitoring poll's plan and decoder (src/monitor/poll-plan.ts, poll-decode.ts) on recorded
 * walks (tests/fixtures/snmp): a real Net-SNMP snmpd (srv-files, snmpd-host) and the simulator
 * (sw-core, srv-sim, prn-office, ups-rack). Each plan is answered from a walk the way an SNMPv2c
 * agent serving exactly those objects answers: by value, or noSuchObject.
 */
import { describe, expect, it } from 'vitest';
import { decodeInterfaces } from '../../src/discovery/decode.js';
import type { InterfaceInfo } from '../../src/discovery/types.js';
import { PollAnswers } from '../../src/monitor/poll-answers.js';
import { decodePoll } from '../../src/monitor/poll-decode.js';
import { celsiusSensorIndexes } from '../../src/monitor/poll-decode-tables.js';
import { ENT_PHYSICAL_DESCR, UCD } from '../../src/monitor/poll-oids.js';
import {
  buildPollPlan as buildPlan,
  hashPlanInterface,
  planOids,
  samePlanInterface,
  type PlanSharing,
} from '../../src/monitor/poll-plan.js';
import { ListPool, ValuePool } from '../../src/lib/list-pool.js';
import { derive, previousOf } from '../../src/monitor/rates.js';
import type {
  DeviceCaps,
  DevicePoll,
  PlanInterface,
  PollPlan,
  RawPoll,
} from '../../src/monitor/poll-types.js';
import { OID } from '../../src/snmp/oids.js';
import type { Varbind } from '../../src/snmp/types.js';
import { loadWalk } from '../helpers/walk-fixture.js';

const AT = Date.UTC(2026, 10, 26, 12, 0, 0);

/*
 * Plans are built as the monitor builds them: ports, OID lists and block members shared and
 * frozen, so that a decoder changing any of them fails here.
 */
const lists = new ListPool();
const ports = new ValuePool<PlanInterface>(hashPlanInterface, samePlanInterface);
const SHARING: PlanSharing = { string: (s) => s, list: (l) => lists.share(l) };
function buildPollPlan(ifs: readonly InterfaceInfo[], caps: DeviceCaps | undefined): PollPlan {
  const shared = ifs.map((i) =>
    ports.share({
      index: i.index,
      name: i.name,
      alias: i.alias,
      adminUp: i.adminUp,
      ...(i.speedBps !== undefined ? { speedBps: i.speedBps } : {}),
    }),
  );
  return buildPlan(shared, caps, SHARING);
}

function interfacesOf(vbs: Varbind[]): InterfaceInfo[] {
  const under = (p: string) => vbs.filter((v) => v.oid.startsWith(`${p}.`));
  return decodeInterfaces(under(OID.ifEntry), under(OID.ifXEntry));
}

/** The answers of an SNMPv2c agent holding exactly `vbs` to what the plan asks. */
function answer(plan: PollPlan, vbs: Varbind[]): RawPoll {
  const byOid = new Map(vbs.map((v) => [v.oid, v]));
  const get = (oid: string): Varbind => byOid.get(oid) ?? { oid, type: 'null' };
  const walks: RawPoll['walks'] = {};
  for (const w of plan.walks) walks[w.name] = vbs.filter((v) => v.oid.startsWith(`${w.oid}.`));
  const known = new Set(plan.sensorNames.indexes);
  const values = new PollAnswers(plan.oids);
  plan.oids.forEach((oid, pos) => values.set(pos, get(oid)));
  return {
    plan,
    values,
    walks,
    sensorNames: celsiusSensorIndexes(walks.sensors ?? [])
      .filter((i) => !known.has(i))
      .map((i) => get(`${ENT_PHYSICAL_DESCR}.${i}`)),
    notes: [],
    requests: 12,
    durationMs: 42,
  };
}

function pollOf(vbs: Varbind[], prev?: DevicePoll, ifs = interfacesOf(vbs)): DevicePoll {
  return decodePoll(answer(buildPollPlan(ifs, prev?.caps), vbs), AT);
}

/** The walk with one value replaced (in place: walks are in OID order). */
const set = (vbs: Varbind[], vb: Varbind): Varbind[] => vbs.map((v) => (v.oid === vb.oid ? vb : v));
const without = (vbs: Varbind[], prefix: string) =>
  vbs.filter((v) => !v.oid.startsWith(`${prefix}.`));

const SRV = [...loadWalk('srv-files.walk'), ...loadWalk('srv-files.engine.walk')];
const HOST = loadWalk('snmpd-host.walk');
const SW = [...loadWalk('sw-core.walk'), ...loadWalk('sw-core.sensors.walk')];

describe('decodePoll: a Linux server (Net-SNMP snmpd)', () => {
  const poll = pollOf(SRV);

  it('reads the clocks: host uptime, agent uptime, engine boots', () => {
    expect(poll.uptimeS).toBe(3135.6);
    expect(poll.clocks).toEqual({
      sysUpTimeS: 3.85,
      hrUptimeS: 3135.6,
      engineBoots: 1,
      engineTimeS: 4,
    });
    expect(poll.atMs).toBe(AT);
    expect(poll.pollMs).toBe(42);
  });

  it('reads each interface with 64-bit counters and its speed', () => {
    expect(poll.interfaces.map((i) => [i.ifIndex, i.name, i.oper, i.admin, i.speedBps])).toEqual([
      [1, 'lo', 'up', 'up', 10_000_000],
      [2, 'eth0', 'up', 'up', 10_000_000_000],
    ]);
    const eth0 = poll.interfaces[1]!.counters!;
    expect(eth0.width).toBe(64);
    expect(eth0.inOctets).toBe(15752);
    // non-unicast is multicast + broadcast
    const c64 = (col: number) =>
      Number(
        (SRV.find((v) => v.oid === `1.3.6.1.2.1.31.1.1.1.${col}.2`) as { value: bigint }).value,
      );
    expect(eth0.inNUcast).toBe(c64(8) + c64(9));
    expect(eth0.outUcast).toBe(c64(11));
    expect(eth0.inErrors).toBe(0);
  });

  it('counts used memory the way the kernel does (available memory), not page cache', () => {
    expect(poll.memUsedPct).toBeCloseTo(((24731708 - 23964320) / 24731708) * 100, 9);
    // without the "Available memory" row: used minus buffers and cache
    const older = pollOf(
      without(SRV, '1.3.6.1.2.1.25.2.3.1').concat(
        SRV.filter((v) => /^1\.3\.6\.1\.2\.1\.25\.2\.3\.1\.\d+\.(1|6|7|31)$/.test(v.oid)),
      ),
    );
    expect(older.memUsedPct).toBeCloseTo(((2840436 - 91280 - 2296456) / 24731708) * 100, 9);
  });

  it('keeps file systems as storage, not RAM, swap or buffers', () => {
    expect(poll.storage).toEqual([
      { index: '31', descr: '/', usedBytes: 5982382 * 4096, sizeBytes: 66053021 * 4096 },
    ]);
  });

  it('has no CPU load when the agent has none yet (the first minute of snmpd)', () => {
    expect(poll.cpuPct).toBeUndefined();
  });

  it('learns what the device answers', () => {
    expect(poll.caps).toEqual({
      probedAtMs: AT,
      ifX: true,
      counters64: true,
      no64: [],
      adminDown: [],
      absent: [],
      hrUptime: true,
      engine: true,
      hrProcessor: false,
      hrStorage: true,
      hrRam: true,
      ucdCpu: false,
      ucdMem: false,
      printer: false,
      ups: false,
      upsOutput: false,
      sensors: false,
      sensorIndexes: [],
    });
    expect(poll.ups).toBeUndefined();
    expect(poll.supplies).toEqual([]);
    expect(poll.sensors).toEqual([]);
    expect(poll.notes).toEqual([]);
  });

  it('averages hrProcessorLoad over the processors', () => {
    expect(pollOf([...SRV, ...HOST]).cpuPct).toBe((32 + 29) / 2);
  });

  it('falls back to UCD-SNMP-MIB without HOST-RESOURCES-MIB', () => {
    const ucdOnly = without([...SRV, ...HOST], '1.3.6.1.2.1.25');
    const p = pollOf(ucdOnly);
    // The raw tick counters are there: CPU comes from their change between two polls, not from
    // ssCpuIdle (which snmpd reports as 0 during its first minute).
    expect(p.cpuPct).toBeUndefined();
    expect(p.cpuTicks?.total).toBeGreaterThan(p.cpuTicks!.idle);
    const later = pollOf(
      ucdOnly.map((v) => {
        const m = /^1\.3\.6\.1\.4\.1\.2021\.11\.(5[0-6]|61)\.0$/.exec(v.oid);
        if (!m || v.type !== 'counter32') return v;
        // 600 ticks in the interval, 450 of them idle: 25 % busy.
        return { ...v, value: v.value + (m[1] === '53' ? 450 : m[1] === '50' ? 150 : 0) };
      }),
    );
    const cpu = derive(previousOf(p), { ...later, atMs: p.atMs + 60_000 }).samples.find(
      (x) => x.metric === 'cpu.load_pct',
    );
    expect(cpu?.value).toBeCloseTo(25, 6);
    // Without them, ssCpuIdle is the fallback.
    const idleOnly = without(without(ucdOnly, '1.3.6.1.4.1.2021.11.5'), '1.3.6.1.4.1.2021.11.61');
    expect(pollOf(idleOnly).cpuPct).toBe(100 - 69);
    expect(p.memUsedPct).toBeCloseTo(((24731708 - 23390708 - 33976 - 990956) / 24731708) * 100, 9);
    expect(p.loadAvg1).toBe(2.64);
    expect(p.uptimeS).toBe(3.85); // sysUpTime when there is no host clock
    expect(p.caps).toMatchObject({ ucdCpu: true, ucdMem: true, hrRam: false, hrUptime: false });
    // and keeps asking UCD-SNMP-MIB, since that is where CPU and memory are
    const next = buildPollPlan(interfacesOf(SRV), p.caps);
    expect(next.oids).toEqual(expect.arrayContaining([UCD.ssCpuIdle, UCD.memTotalReal]));
  });
});

describe('buildPollPlan', () => {
  const ifs = interfacesOf(SRV);

  it('asks everything once on the first poll, in runs per MIB group', () => {
    const plan = buildPollPlan(ifs, undefined);
    expect(plan.walks.map((w) => w.name)).toEqual([
      'hrProcessorLoad',
      'hrStorage',
      'supplyDescr',
      'supplyMax',
      'supplyLevel',
      'sensors',
      'upsOutputLoad',
    ]);
    expect(plan.segments.map((s) => s.optional ?? '')).toEqual([
      '',
      'ifX',
      'counters64',
      'hrUptime',
      'engine',
      'ucdCpu',
      'ucdMem',
      'ups',
    ]);
    // the runs cover every OID once, in order
    expect(plan.segments[0]!.start).toBe(0);
    expect(plan.segments.at(-1)!.end).toBe(plan.oids.length);
    plan.segments.slice(1).forEach((s, i) => expect(s.start).toBe(plan.segments[i]!.end));
    // GETs of explicit instances: no ifTable walk
    expect(plan.oids).toContain('1.3.6.1.2.1.31.1.1.1.6.2');
    expect(plan.walks.some((w) => w.oid.startsWith('1.3.6.1.2.1.2.2'))).toBe(false);
  });

  it('asks only what the device has once caps are known, in one run', () => {
    const caps = pollOf([...SRV, ...HOST]).caps;
    const plan = buildPollPlan(ifs, caps);
    expect(plan.walks.map((w) => w.name)).toEqual(['hrProcessorLoad', 'hrStorage']);
    expect(plan.segments).toEqual([{ start: 0, end: plan.oids.length }]);
    expect(Object.keys(plan.scalars).sort()).toEqual([
      'engineBoots',
      'engineTime',
      'hrUptime',
      'sysUpTime',
    ]);
    // per interface: oper, admin, ifHighSpeed, 4 error/discard counters, 8 ifHC* counters
    expect(plan.oids).toHaveLength(4 + 2 * 15);
    const { get, walk } = planOids(plan);
    expect(get).toBe(plan.oids);
    expect(walk).toEqual(['1.3.6.1.2.1.25.3.3.1.2', '1.3.6.1.2.1.25.2.3.1']);
  });

  it('reads only the status of an interface that is administratively down', () => {
    const down = ifs.map((i) => (i.index === 2 ? { ...i, adminUp: false } : i));
    const plan = buildPollPlan(down, undefined);
    expect(plan.oids.filter((o) => o.endsWith('.2') && o.startsWith('1.3.6.1.2.1.'))).toEqual([
      '1.3.6.1.2.1.2.2.1.8.2',
      '1.3.6.1.2.1.2.2.1.7.2',
    ]);
    const p = decodePoll(answer(plan, SRV), AT);
    expect(p.interfaces[1]).toEqual({
      ifIndex: 2,
      name: 'eth0',
      alias: '',
      oper: 'up',
      admin: 'up',
      speedBps: 10_000_000_000,
    });
    // it answered "admin up": the next poll reads its counters again
    expect(p.caps.adminDown).toEqual([]);
    expect(buildPollPlan(down, p.caps).oids).toContain('1.3.6.1.2.1.31.1.1.1.6.2');
  });
});

describe('decodePoll: a switch (simulator) with temperature sensors', () => {
  const first = pollOf(SW);

  it('reads its six recorded ports and their non-unicast counters', () => {
    expect(first.interfaces.map((i) => i.ifIndex)).toEqual([1, 10101, 10102, 10103, 10104, 10105]);
    expect(first.interfaces[5]!.speedBps).toBe(100_000_000);
    expect(first.interfaces[1]!.counters!.inNUcast).toBe(2834278 + 5765665);
  });

  it('reads celsius sensors, named by entPhysicalDescr', () => {
    expect(first.sensors).toEqual([
      { index: '1006', descr: 'Switch 1 - Inlet Temp Sensor', celsius: 26 },
      { index: '1007', descr: 'Switch 1 - CPU Temp Sensor', celsius: 40 },
    ]);
    expect(first.caps).toMatchObject({ sensors: true, sensorIndexes: [1006, 1007] });
  });

  it('then GETs the sensor names with the interfaces and walks only the sensor table', () => {
    const plan = buildPollPlan(interfacesOf(SW), first.caps);
    expect(plan.walks.map((w) => w.name)).toEqual(['sensors']);
    expect(plan.oids).toEqual(
      expect.arrayContaining([`${ENT_PHYSICAL_DESCR}.1006`, `${ENT_PHYSICAL_DESCR}.1007`]),
    );
    const raw = answer(plan, SW);
    expect(raw.sensorNames).toEqual([]);
    const second = decodePoll(raw, AT + 60_000);
    expect(second.sensors).toEqual(first.sensors);
    // nothing new was learned: the same caps object, so a caller may keep its plan
    expect(second.caps).toBe(first.caps);
  });

  it('scales by precision: tenths of a degree', () => {
    const srv = pollOf(loadWalk('srv-sim.sensors.walk'), undefined, []);
    expect(srv.sensors).toEqual([
      { index: '20', descr: 'System Board Inlet Temp', celsius: 24 },
      { index: '21', descr: 'CPU1 Temp', celsius: 59.8 },
    ]);
  });
});

describe('decodePoll: printer supplies and a UPS (simulator)', () => {
  it('reads supply levels as percent of capacity, and the special levels', () => {
    const p = pollOf([...loadWalk('prn-office.walk'), ...loadWalk('prn-office.printer.walk')]);
    expect(p.supplies.map((s) => [s.index, s.descr, s.state, s.levelPct])).toEqual([
      ['1.1', 'Black Toner Cartridge', 'level', 38],
      ['1.2', 'Cyan Toner Cartridge', 'level', 9],
      ['1.3', 'Magenta Toner Cartridge', 'level', 87],
      ['1.4', 'Yellow Toner Cartridge', 'level', 92],
      ['1.5', 'Drum Unit', 'level', (15544 / 30000) * 100],
      ['1.6', 'Belt Unit', 'level', (8546 / 50000) * 100],
      ['1.7', 'Waste Toner Box', 'some-remaining', undefined],
      ['1.8', 'Fuser Unit', 'level', (41128 / 100000) * 100],
    ]);
    expect(p.caps).toMatchObject({ printer: true, ups: false, hrStorage: false });
  });

  it('reads the UPS battery, runtime, load and temperature', () => {
    const p = pollOf([...loadWalk('ups-rack.walk'), ...loadWalk('ups-rack.ups.walk')]);
    expect(p.ups).toEqual({
      batteryStatus: 'normal',
      onBattery: false,
      chargePct: 100,
      runtimeMin: 28,
      tempC: 25,
      loadPct: 54,
    });
    expect(p.caps).toMatchObject({ ups: true, upsOutput: true, printer: false });
  });

  it('sees a UPS on battery from its output source or its seconds on battery', () => {
    const ups = [...loadWalk('ups-rack.walk'), ...loadWalk('ups-rack.ups.walk')];
    const onBattery = set(ups, { oid: '1.3.6.1.2.1.33.1.4.1.0', type: 'int', value: 5 });
    expect(pollOf(onBattery).ups!.onBattery).toBe(true);
    const seconds = set(ups, { oid: '1.3.6.1.2.1.33.1.2.2.0', type: 'int', value: 95 });
    expect(pollOf(seconds).ups!.onBattery).toBe(true);
  });
});

describe('decodePoll: devices that lack something', () => {
  it('learns when there are no Counter64 columns and reads the Counter32 ones next', () => {
    const v1ish = SRV.filter((v) => v.type !== 'counter64');
    const first = pollOf(v1ish);
    expect(first.caps.counters64).toBe(false);
    const plan = buildPollPlan(interfacesOf(SRV), first.caps);
    expect(plan.oids).toContain('1.3.6.1.2.1.2.2.1.12.2'); // ifInNUcastPkts
    expect(plan.oids).not.toContain('1.3.6.1.2.1.31.1.1.1.6.2');
    const second = decodePoll(answer(plan, v1ish), AT + 60_000);
    expect(second.interfaces[1]!.counters).toMatchObject({ width: 32, inOctets: 15752 });
  });

  it('reads an interface without ifHC* counters with the Counter32 columns', () => {
    const partial = SRV.filter((v) => !(v.type === 'counter64' && v.oid.endsWith('.1')));
    const first = pollOf(partial);
    expect(first.caps).toMatchObject({ counters64: true, no64: [1] });
    const plan = buildPollPlan(interfacesOf(SRV), first.caps);
    expect(plan.ifBlocks.map((b) => [b.width, b.members.length])).toEqual([
      [64, 1],
      [32, 1],
    ]);
    const second = decodePoll(answer(plan, partial), AT + 60_000);
    expect(second.interfaces.map((i) => i.counters?.width)).toEqual([32, 64]);
  });

  it('does not learn "missing" from requests that got no answer at all', () => {
    const plan = buildPollPlan(interfacesOf(SRV), undefined);
    const raw = answer(plan, SRV);
    const first = raw.values.get(0)!;
    raw.values = new PollAnswers(plan.oids);
    raw.values.set(0, first);
    raw.walks = {};
    raw.notes = ['GET of 40 values from 1.3.6.1.2.1.2.2.1.8.1: timeout'];
    const p = decodePoll(raw, AT);
    expect(p.caps).toMatchObject({ counters64: true, ifX: true, hrStorage: true, ups: true });
    expect(p.notes).toEqual(raw.notes);
    expect(p.interfaces.every((i) => i.oper === undefined)).toBe(true);
  });

  it('notes interfaces that are gone from the device and leaves them out', () => {
    const ifs = [...interfacesOf(SRV), { ...interfacesOf(SRV)[1]!, index: 77, name: 'eth9' }];
    const p = pollOf(SRV, undefined, ifs);
    expect(p.interfaces.map((i) => i.ifIndex)).toEqual([1, 2]);
    expect(p.notes).toEqual([expect.stringMatching(/ifIndex 77\).*rediscover/)]);
    // and is not asked again until the next probe
    expect(p.caps.absent).toEqual([77]);
    const next = buildPollPlan(ifs, p.caps);
    expect(next.interfaces.map((i) => i.index)).toEqual([1, 2]);
    expect(next.oids.some((o) => o.endsWith('.77'))).toBe(false);
    expect(decodePoll(answer(next, SRV), AT).caps.absent).toEqual([77]);
  });
});

describe('decodePoll: impossible values are dropped with a note', () => {
  const plan = () => buildPollPlan(interfacesOf(SRV), undefined);

  it('storage used beyond its size, CPU above 100 %, absurd speeds', () => {
    let vbs = set([...SRV, ...HOST], { oid: '1.3.6.1.2.1.25.2.3.1.6.31', type: 'int', value: 7e7 });
    vbs = set(vbs, { oid: '1.3.6.1.2.1.25.3.3.1.2.196609', type: 'int', value: 180 });
    vbs = set(vbs, { oid: '1.3.6.1.2.1.31.1.1.1.15.2', type: 'gauge32', value: 4e9 });
    const p = pollOf(vbs, undefined, interfacesOf(SRV));
    expect(p.storage).toEqual([]);
    expect(p.cpuPct).toBe(32);
    expect(p.interfaces[1]!.speedBps).toBe(10_000_000_000); // what discovery saw
    expect(p.notes).toEqual([
      expect.stringMatching(/^eth0: speed 4000000000 Mbit\/s/),
      expect.stringMatching(/^cpu: impossible load 180/),
      expect.stringMatching(/^storage \/: impossible values/),
    ]);
  });

  it('a supply above its capacity, a UPS charge above 100 %, a sensor out of range', () => {
    let vbs = [...loadWalk('prn-office.printer.walk'), ...loadWalk('ups-rack.ups.walk'), ...SW];
    vbs = set(vbs, { oid: '1.3.6.1.2.1.43.11.1.1.9.1.1', type: 'int', value: 150 });
    vbs = set(vbs, { oid: '1.3.6.1.2.1.43.11.1.1.9.1.2', type: 'int', value: -7 });
    vbs = set(vbs, { oid: '1.3.6.1.2.1.33.1.2.4.0', type: 'int', value: 140 });
    vbs = set(vbs, { oid: '1.3.6.1.2.1.99.1.1.1.2.1006', type: 'int', value: 12 });
    const p = pollOf(vbs);
    expect(p.supplies.slice(0, 2)).toEqual([
      { index: '1.1', descr: 'Black Toner Cartridge', state: 'unknown' },
      { index: '1.2', descr: 'Cyan Toner Cartridge', state: 'unknown' },
    ]);
    expect(p.ups!.chargePct).toBeUndefined();
    expect(p.sensors.map((s) => s.index)).toEqual(['1007']);
    expect(p.notes).toEqual([
      expect.stringMatching(/^supply Black Toner Cartridge: level 150 above its capacity 100/),
      expect.stringMatching(/^supply Cyan Toner Cartridge: impossible level -7/),
      expect.stringMatching(/^ups: impossible charge 140/),
      expect.stringMatching(/^sensor Switch 1 - Inlet Temp Sensor: impossible temperature/),
    ]);
  });

  it('values of the wrong type are not read, answers for other OIDs are ignored', () => {
    const raw = answer(plan(), SRV);
    const pos = raw.plan.oids.indexOf('1.3.6.1.2.1.31.1.1.1.6.2');
    raw.values.set(pos, { oid: raw.plan.oids[pos]!, type: 'str', value: Buffer.from('12') });
    const hs = raw.plan.oids.indexOf('1.3.6.1.2.1.31.1.1.1.15.1');
    raw.values.set(hs, { oid: '1.3.6.1.2.1.31.1.1.1.15.2', type: 'gauge32', value: 1 });
    const p = decodePoll(raw, AT);
    expect(p.interfaces[1]!.counters!.inOctets).toBeUndefined();
    expect(p.interfaces[0]!.speedBps).toBe(10_000_000); // from discovery, not the stray answer
    expect(p.notes).toEqual(['1 answers were for other OIDs than asked: ignored']);
  });

  it('bounds the notes of a device that gets everything wrong', () => {
    const raw = answer(plan(), SRV);
    raw.notes = Array.from({ length: 30 }, (_, i) => `walk ${i} failed`);
    const p = decodePoll(raw, AT);
    expect(p.notes).toHaveLength(21);
    expect(p.notes.at(-1)).toBe('… and 10 more');
  });
});

describe('buildPollPlan shares what plans hold alike', () => {
  it('gives two devices with the same ports and caps one OID list and the same block members', () => {
    const a = buildPollPlan(interfacesOf(SW), undefined);
    const b = buildPollPlan(interfacesOf(SW), undefined);
    expect(b.oids).toBe(a.oids);
    expect(Object.isFrozen(a.oids)).toBe(true);
    b.ifBlocks.forEach((blk, n) => expect(blk.members).toBe(a.ifBlocks[n]!.members));
    b.interfaces.forEach((i, n) => expect(i).toBe(a.interfaces[n]));
    // one port down: another list, its own ports
    const down = interfacesOf(SW).map((i, n) => (n === 3 ? { ...i, adminUp: false } : i));
    const c = buildPollPlan(down, undefined);
    expect(c.oids).not.toBe(a.oids);
    expect(c.interfaces[3]).not.toBe(a.interfaces[3]);
    expect(c.interfaces[4]).toBe(a.interfaces[4]);
  });
});
