/**
 * The SNMP device simulator (tests/lab/simulator), checked with an independent client: Net-SNMP's
 * snmpget/snmpwalk/snmpbulkwalk (Debian package `snmp`), numeric output only (-On -Ob). Agents run
 * in-process on loopback 127.77.x.y; the scale check runs main.ts as its own process.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import snmp from 'net-snmp';
import { tempDir } from '../helpers/temp-dir.js';
import {
  parseSimulatorConfig,
  scaleConfig,
  startSimulator,
  SimulatorConfigError,
  type AgentConfigInput,
  type Simulator,
  type SimulatedAgent,
} from '../lab/simulator/index.js';
import {
  counter32,
  counter64,
  fromCounter64,
  total,
  TWO_POW_32,
} from '../lab/simulator/counters.js';
import { sysServicesFor } from '../lab/simulator/identity.js';
import { buildModel, ifTotals, type DeviceModel } from '../lab/simulator/model.js';
import { lifeCount, supplyLevel } from '../lab/simulator/model-printer.js';
import { buildMib } from '../lab/simulator/mibs/index.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO, 'tests', 'lab', 'simulator', 'main.ts');
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
const PORT = 16161;

function hasTool(name: string): boolean {
  return ['/usr/bin', '/usr/local/bin', '/bin'].some((dir) => {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
const missingTools = ['snmpget', 'snmpwalk', 'snmpbulkwalk', 'snmpbulkget'].filter(
  (t) => !hasTool(t),
);
const skipReason =
  missingTools.length > 0
    ? `missing ${missingTools.join(', ')} (Debian package snmp: bash tests/lab/install-deps.sh)`
    : undefined;

// ---------------------------------------------------------------------------------------------
// A tiny Net-SNMP command-line client: argument arrays, a timeout, numeric output parsed.

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(tool: string, args: string[], timeoutMs = 15_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      args,
      { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, MIBS: '' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        if (error && code === null && !error.killed) reject(error);
        else resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Vb {
  oid: string;
  type: string;
  value: string;
}

/** Parses `-On` output; string and hex values may continue over several lines. */
function parse(stdout: string): Vb[] {
  const out: Vb[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\.[0-9.]+) = (?:([A-Za-z0-9-]+): )?(.*)$/s.exec(line);
    if (m) out.push({ oid: m[1]!.slice(1), type: m[2] ?? '', value: m[3]! });
    else if (out.length > 0 && line !== '') {
      const last = out[out.length - 1]!;
      last.value += last.type === 'Hex-STRING' ? ` ${line}` : `\n${line}`;
    }
  }
  return out.map((vb) => ({
    ...vb,
    value:
      vb.type === 'STRING' || (vb.type === '' && vb.value.startsWith('"'))
        ? vb.value.replace(/^"|"$/g, '')
        : vb.type === 'Hex-STRING'
          ? vb.value.replace(/\s+/g, '').toLowerCase()
          : vb.type === 'Timeticks'
            ? vb.value.replace(/^\((\d+)\).*$/s, '$1')
            : vb.type === 'OID'
              ? vb.value.replace(/^\./, '')
              : vb.value,
  }));
}

const V2C = ['-v2c', '-c', 'public'];
const COMMON = ['-On', '-Ob', '-t', '2', '-r', '1'];
function target(a: SimulatedAgent): string {
  return `${a.address}:${a.port}`;
}
async function get(
  a: SimulatedAgent,
  oids: string[],
  auth = V2C,
  extra: string[] = [],
): Promise<Vb[]> {
  const r = await cli('snmpget', [...auth, ...COMMON, ...extra, target(a), ...oids]);
  expect(r.code, r.stderr).toBe(0);
  return parse(r.stdout);
}
async function walk(a: SimulatedAgent, oid: string, extra: string[] = []): Promise<Vb[]> {
  const r = await cli('snmpwalk', [...V2C, ...COMMON, ...extra, target(a), oid]);
  expect(r.code, r.stderr).toBe(0);
  return parse(r.stdout).filter((vb) => vb.oid.startsWith(`${oid}.`));
}
/** Index sub-identifiers of a column's instances: oid minus the column prefix. */
function rows(vbs: Vb[], column: string): Map<string, Vb> {
  return new Map(
    vbs
      .filter((v) => v.oid.startsWith(`${column}.`))
      .map((v) => [v.oid.slice(column.length + 1), v]),
  );
}
const hexToText = (hex: string) => Buffer.from(hex, 'hex').toString('utf8');
const macOfIndex = (parts: string[]) =>
  parts.map((p) => Number(p).toString(16).padStart(2, '0')).join(':');

// ---------------------------------------------------------------------------------------------
// Pure parts: counters, encodings, models (fake clock, no network).

describe('simulator models (no network)', () => {
  it('Counter32 is the 64-bit total modulo 2^32, and deltas survive the wrap', () => {
    const rate = { mean: 125_000_000, swing: 0.5, periodS: 600, phase: 1 };
    let wraps = 0;
    let prev = total(rate, 0);
    for (let s = 1; s <= 200; s++) {
      const t = total(rate, s);
      expect(t).toBeGreaterThanOrEqual(prev);
      const c1 = counter32(prev);
      const c2 = counter32(t);
      expect(c2).toBeLessThan(TWO_POW_32);
      if (c2 < c1) wraps++;
      expect((c2 - c1 + TWO_POW_32) % TWO_POW_32).toBe(t - prev);
      prev = t;
    }
    expect(wraps).toBeGreaterThanOrEqual(4); // 1 Gbit/s for 200 s is about 6 wraps
    expect(counter32(TWO_POW_32 + 5)).toBe(5);
  });

  it('Counter64 values are minimal BER content octets', () => {
    expect(counter64(0)).toEqual(Buffer.from([0]));
    expect(counter64(0x7f)).toEqual(Buffer.from([0x7f]));
    expect(counter64(0x80)).toEqual(Buffer.from([0, 0x80]));
    expect(counter64(2n ** 64n - 1n)).toEqual(
      Buffer.from([0, 255, 255, 255, 255, 255, 255, 255, 255]),
    );
    for (const v of [0n, 1n, 255n, 2n ** 32n + 7n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
      expect(fromCounter64(counter64(v))).toBe(v);
    }
  });

  it('sysServices is the sum of 2^(layer-1)', () => {
    expect(sysServicesFor([2])).toBe(2);
    expect(sysServicesFor([2, 3])).toBe(6);
    expect(sysServicesFor([4, 7])).toBe(72);
    expect(sysServicesFor([2, 3, 4, 7])).toBe(78);
  });

  it('interface counters move only while the interface is up (fake clock)', () => {
    const cfg = parseSimulatorConfig({
      agents: [{ address: '127.77.9.1', profile: 'switch48', sysName: 'sw', seed: 7 }],
    }).agents[0]!;
    const t0 = 1_700_000_000_000;
    const m = buildModel(cfg, { nowMs: t0 });
    const up = m.ifaces.find((i) => i.oper === 1 && i.port === 48)!;
    const down = m.ifaces.filter((i) => i.oper === 2);
    expect(down.length).toBeGreaterThan(0);
    const a = ifTotals(m, up, t0);
    const b = ifTotals(m, up, t0 + 60_000);
    expect(b.inOctets).toBeGreaterThan(a.inOctets);
    expect(b.outUcast).toBeGreaterThan(a.outUcast);
    for (const d of down) expect(ifTotals(m, d, t0 + 3_600_000)).toEqual(ifTotals(m, d, t0));
  });

  it('toner drifts down slowly with the page counter and never below 0', () => {
    const cfg = parseSimulatorConfig({
      agents: [{ address: '127.77.9.2', profile: 'printer', sysName: 'prn', seed: 3 }],
    }).agents[0]!;
    const m = buildModel(cfg, { nowMs: 0 });
    const p = m.printer!;
    const black = p.supplies.find((s) => s.descr.startsWith('Black'))!;
    const day = 86400;
    expect(lifeCount(p, day)).toBeGreaterThan(lifeCount(p, 0));
    expect(supplyLevel(p, black, 600)).toBeGreaterThanOrEqual(supplyLevel(p, black, 0) - 1);
    expect(supplyLevel(p, black, 7 * day)).toBeLessThan(supplyLevel(p, black, 0));
    expect(supplyLevel(p, black, 3650 * day)).toBe(0);
    const waste = p.supplies.find((s) => s.descr === 'Waste Toner Box')!;
    expect(supplyLevel(p, waste, 30 * day)).toBe(-3);
  });

  it('every profile builds a MIB for hundreds of seeds', () => {
    const profiles = ['switch24', 'switch48', 'router', 'printer', 'ups', 'server'] as const;
    for (const profile of profiles) {
      for (let seed = 0; seed < 120; seed++) {
        const cfg = parseSimulatorConfig({
          agents: [{ address: '127.77.9.3', profile, sysName: `d${seed}`, seed }],
        }).agents[0]!;
        const m = buildModel(cfg, { nowMs: Date.now() });
        expect(() =>
          buildMib(m, Date.now, (e) => {
            throw e;
          }),
        ).not.toThrow();
      }
    }
  });

  it('Counter64 of a number is the same octets as of the same bigint', () => {
    const values = [0, 1, 0x7f, 0x80, 0xff, 0x100, 2 ** 31, 2 ** 32 - 1, 2 ** 48 + 3, 2 ** 53 - 1];
    for (let k = 0; k < 200; k++) values.push(Math.floor(Math.random() * 2 ** 53));
    for (const v of values) expect(counter64(v)).toEqual(counter64(BigInt(v)));
  });

  it('hostResources adds HOST-RESOURCES-MIB to a switch, and is refused on a printer', () => {
    const [plain, withHr] = parseSimulatorConfig({
      agents: [
        { address: '127.77.9.4', profile: 'switch24', sysName: 'sw', seed: 5 },
        {
          address: '127.77.9.5',
          profile: 'switch24',
          sysName: 'swh',
          seed: 5,
          hostResources: true,
        },
      ],
    }).agents;
    expect(buildModel(plain!, { nowMs: Date.now() }).host).toBeUndefined();
    const m = buildModel(withHr!, { nowMs: Date.now() });
    expect(m.host?.storage.length).toBeGreaterThan(0);
    expect(m.ifaces).toHaveLength(25);
    const mib = buildMib(m, Date.now, (e) => {
      throw e;
    }) as unknown as { getProvider(name: string): unknown };
    for (const table of ['hrStorageTable', 'hrProcessorTable', 'hrDeviceTable', 'ifXTable'])
      expect(mib.getProvider(table), table).toBeTruthy();
    expect(() =>
      parseSimulatorConfig({
        agents: [{ address: '127.77.9.6', profile: 'printer', sysName: 'p', hostResources: true }],
      }),
    ).toThrow(/a printer serves its own hrDeviceTable/);
  });

  it('rejects a bad configuration with every problem at once', () => {
    let error: unknown;
    try {
      parseSimulatorConfig({
        agents: [
          {
            address: '127.77.0.1',
            profile: 'switch24',
            sysName: 'a',
            fdb: [{ mac: 'zz', port: 1 }],
          },
          { address: '127.77.0.1', profile: 'switch24', sysName: 'b', neighbours: [] },
          { address: '127.77.0.1', profile: 'switch24', sysName: 'c' },
          { address: '10.1.2.3', profile: 'ups', sysName: 'd' },
          { address: '127.77.0.2', profile: 'printer', sysName: 'e', community: null },
          {
            address: '127.77.0.3',
            profile: 'switch24',
            sysName: 'f',
            fdb: [{ mac: '00:11:22:33:44:55', port: 25 }],
          },
        ],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SimulatorConfigError);
    const text = (error as Error).message;
    expect(text).toMatch(/agents\[0\] \(a 127\.77\.0\.1\)\.fdb\.0\.mac: a MAC address/);
    // the schema failed, so the cross-agent checks report once it passes: check them separately
    let second: unknown;
    try {
      parseSimulatorConfig({
        agents: [
          { address: '127.77.0.1', profile: 'switch24', sysName: 'b' },
          { address: '127.77.0.1', profile: 'switch24', sysName: 'c' },
          { address: '10.1.2.3', profile: 'ups', sysName: 'd' },
          { address: '127.77.0.2', profile: 'printer', sysName: 'e', community: null },
          {
            address: '127.77.0.3',
            profile: 'switch24',
            sysName: 'f',
            fdb: [{ mac: '00:11:22:33:44:55', port: 25 }],
          },
        ],
      });
    } catch (e) {
      second = e;
    }
    const problems = (second as SimulatorConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/127\.77\.0\.1:161 is already used by agents\[0\]/);
    expect(problems.join('\n')).toMatch(/10\.1\.2\.3 is neither loopback/);
    expect(problems.join('\n')).toMatch(/community is null and there is no v3 user/);
    expect(problems.join('\n')).toMatch(/fdb 00:11:22:33:44:55 on port 25, profile has 24/);
  });
});

// ---------------------------------------------------------------------------------------------
// Agents in this process, on loopback, asked by Net-SNMP's command-line tools.

const V3_USER = {
  user: 'caretaker',
  authProtocol: 'sha',
  authKey: 'lab-auth-5521',
  privProtocol: 'aes',
  privKey: 'lab-priv-8830',
} as const;
const V3_OK = [
  '-v3',
  '-l',
  'authPriv',
  '-u',
  V3_USER.user,
  '-a',
  'SHA',
  '-A',
  V3_USER.authKey,
  '-x',
  'AES',
  '-X',
  V3_USER.privKey,
];

type Neighbours = NonNullable<AgentConfigInput['neighbours']>;
const NEIGHBOURS: Neighbours = [
  {
    port: 48,
    sysName: 'rt-wan',
    chassisMac: '00:1b:54:10:20:30',
    portId: 'Gi0/0/1',
    portDescr: 'GigabitEthernet0/0/1',
    mgmtIp: '127.77.0.3',
    capabilities: ['bridge', 'router'],
  },
  {
    port: 5,
    sysName: 'prn-office',
    chassisMac: '00:80:77:aa:bb:cc',
    portId: '00:80:77:aa:bb:cc',
    mgmtIp: '127.77.0.4',
    capabilities: ['printer'],
  },
  {
    port: 45,
    sysName: 'srv-files',
    chassisMac: '18:66:da:01:02:03',
    portId: 'eno1',
    sysDescr: 'Linux srv-files 6.1.0-18-amd64',
    capabilities: ['station'],
  },
];
const FDB: NonNullable<AgentConfigInput['fdb']> = [
  { mac: '00:80:77:aa:bb:cc', port: 5, vlan: 10 },
  { mac: '18:66:da:01:02:03', port: 45 },
  { mac: '00:1b:54:10:20:30', port: 48 },
  { mac: '00:1b:54:10:20:30', port: 48, vlan: 10 },
  { mac: '00:0b:82:11:22:33', port: 7, vlan: 20 },
];
const ARP: NonNullable<AgentConfigInput['arp']> = [
  { ip: '127.77.0.1', mac: '00:1b:54:00:00:01' },
  { ip: '127.77.10.20', mac: '00:80:77:aa:bb:cc' },
  { ip: '127.77.20.7', mac: '00:0b:82:11:22:33', ifIndex: 14 },
];

describe.skipIf(skipReason)(
  `simulated devices over SNMP${skipReason ? ` (${skipReason})` : ''}`,
  () => {
    let sim: Simulator | undefined;
    let offsetMs = 0;
    const now = () => Date.now() + offsetMs;
    const agent = (name: string) => sim!.agents.find((a) => a.sysName === name)!;

    beforeAll(async () => {
      sim = await startSimulator(
        {
          agents: [
            {
              address: '127.77.0.1',
              port: PORT,
              profile: 'switch48',
              sysName: 'sw-core',
              sysLocation: 'server room, rack A',
              sysContact: 'netops@example.org',
              mac: '00:1b:54:00:00:01',
              serial: 'FOC2231X0AB',
              seed: 11,
              v3: V3_USER,
              neighbours: NEIGHBOURS,
              fdb: FDB,
            },
            {
              address: '127.77.0.2',
              port: PORT,
              profile: 'switch24',
              sysName: 'sw-access',
              seed: 12,
            },
            {
              address: '127.77.0.3',
              port: PORT,
              profile: 'router',
              sysName: 'rt-wan',
              seed: 13,
              arp: ARP,
            },
            {
              address: '127.77.0.4',
              port: PORT,
              profile: 'printer',
              sysName: 'prn-office',
              seed: 14,
            },
            { address: '127.77.0.5', port: PORT, profile: 'ups', sysName: 'ups-rack', seed: 15 },
            {
              address: '127.77.0.6',
              port: PORT,
              profile: 'server',
              sysName: 'srv-v3',
              community: null,
              v3: V3_USER,
            },
            {
              address: '127.77.0.7',
              port: PORT,
              profile: 'printer',
              sysName: 'prn-hp',
              vendor: 'hp',
            },
            // the default port, where a real device listens (binding it needs root)
            ...(IS_ROOT
              ? [{ address: '127.77.0.8', profile: 'ups' as const, sysName: 'ups-161' }]
              : []),
          ],
        },
        { now, onError: () => undefined },
      );
    });
    afterAll(async () => {
      await sim?.close();
    });

    it('answers the system group like a Catalyst 2960-X', async () => {
      const sw = agent('sw-core');
      const sys = '1.3.6.1.2.1.1';
      const vbs = await get(
        sw,
        [1, 2, 3, 4, 5, 6, 7].map((n) => `${sys}.${n}.0`),
      );
      const v = new Map(vbs.map((x) => [x.oid, x]));
      expect(v.get(`${sys}.1.0`)!.value).toMatch(
        /^Cisco IOS Software, C2960X Software \(C2960X-UNIVERSALK9-M\), Version 15\.2\(7\)E4, /,
      );
      expect(v.get(`${sys}.2.0`)).toMatchObject({ type: 'OID', value: '1.3.6.1.4.1.9.1.1208' });
      expect(v.get(`${sys}.3.0`)!.type).toBe('Timeticks');
      expect(v.get(`${sys}.4.0`)!.value).toBe('netops@example.org');
      expect(v.get(`${sys}.5.0`)!.value).toBe('sw-core');
      expect(v.get(`${sys}.6.0`)!.value).toBe('server room, rack A');
      expect(v.get(`${sys}.7.0`)).toMatchObject({ type: 'INTEGER', value: '2' });

      offsetMs += 5000;
      const later = await get(sw, [`${sys}.3.0`]);
      expect(Number(later[0]!.value) - Number(v.get(`${sys}.3.0`)!.value)).toBeGreaterThanOrEqual(
        500,
      );

      const services = async (name: string) => (await get(agent(name), [`${sys}.7.0`]))[0]!.value;
      expect(await services('rt-wan')).toBe('78');
      expect(await services('ups-rack')).toBe('72');

      const entity = await walk(sw, '1.3.6.1.2.1.47.1.1.1.1');
      const ent = (col: number) => rows(entity, `1.3.6.1.2.1.47.1.1.1.1.${col}`).get('1')!.value;
      expect(ent(5)).toBe('3'); // chassis
      expect(ent(10)).toBe('15.2(7)E4');
      expect(ent(11)).toBe('FOC2231X0AB');
      expect(ent(13)).toBe('WS-C2960X-48FPD-L');
      const engine = await get(sw, ['1.3.6.1.6.3.10.2.1.1.0', '1.3.6.1.6.3.10.2.1.3.0']);
      expect(engine[0]!.value).toBe(sw.engineId);
      // RFC 3411 format 3: 0x80000000 | enterprise 9, then the MAC
      expect(sw.engineId).toBe('8000000903001b54000001');
    });

    it('has 48 ports + Vlan1 (and 24 + 1), some down, uplink and server-room aliases', async () => {
      const sw = agent('sw-core');
      const ifIndex = await walk(sw, '1.3.6.1.2.1.2.2.1.1');
      expect(ifIndex).toHaveLength(49);
      expect((await get(sw, ['1.3.6.1.2.1.2.1.0']))[0]!.value).toBe('49');
      expect(await walk(agent('sw-access'), '1.3.6.1.2.1.2.2.1.1')).toHaveLength(25);
      expect(await walk(sw, '1.3.6.1.2.1.31.1.1.1.1')).toHaveLength(49);

      const oper = rows(await walk(sw, '1.3.6.1.2.1.2.2.1.8'), '1.3.6.1.2.1.2.2.1.8');
      const alias = rows(await walk(sw, '1.3.6.1.2.1.31.1.1.1.18'), '1.3.6.1.2.1.31.1.1.1.18');
      const name = rows(await walk(sw, '1.3.6.1.2.1.31.1.1.1.1'), '1.3.6.1.2.1.31.1.1.1.1');
      expect(name.get('10148')!.value).toBe('Gi1/0/48');
      expect(alias.get('10148')!.value).toBe('uplink');
      expect(
        [...alias.values()].filter((a) => a.value === 'server room').length,
      ).toBeGreaterThanOrEqual(2);
      expect([...oper.values()].some((o) => o.value === '2')).toBe(true);
      for (const n of NEIGHBOURS) expect(oper.get(String(10100 + n.port))!.value).toBe('1');
    });

    it('counters increase between polls; Counter32 and Counter64 agree across a wrap', async () => {
      const sw = agent('sw-core');
      const c32 = '1.3.6.1.2.1.2.2.1.10.10148';
      const c64 = '1.3.6.1.2.1.31.1.1.1.6.10148';
      const read = async () => {
        const [a, b] = await get(sw, [c32, c64]);
        expect(a!.type).toBe('Counter32');
        expect(b!.type).toBe('Counter64');
        return { c32: Number(a!.value), c64: BigInt(b!.value) };
      };
      const first = await read();
      offsetMs += 10_000;
      const second = await read();
      expect(second.c64).toBeGreaterThan(first.c64);
      expect((second.c32 - first.c32 + TWO_POW_32) % TWO_POW_32).toBe(
        Number(second.c64 - first.c64),
      );

      // move the fake clock to just before the 32-bit counter wraps, then just after it
      const model: DeviceModel = sw.model;
      const uplink = model.byIfIndex.get(10148)!;
      const at = (ms: number) => ifTotals(model, uplink, ms).inOctets;
      let t = now();
      while (counter32(at(t + 1000)) > counter32(at(t))) t += 1000;
      offsetMs += t - 2000 - now();
      const before = await read();
      offsetMs += 4000;
      const after = await read();
      expect(after.c32).toBeLessThan(before.c32); // wrapped
      const delta64 = after.c64 - before.c64;
      expect(delta64).toBeLessThan(BigInt(TWO_POW_32));
      expect((after.c32 - before.c32 + TWO_POW_32) % TWO_POW_32).toBe(Number(delta64));

      // a port that is down does not count
      const down = model.ifaces.find((i) => i.oper === 2)!;
      const d1 = await get(sw, [`1.3.6.1.2.1.2.2.1.10.${down.ifIndex}`]);
      offsetMs += 60_000;
      const d2 = await get(sw, [`1.3.6.1.2.1.2.2.1.10.${down.ifIndex}`]);
      expect(d2[0]!.value).toBe(d1[0]!.value);
    });

    it('LLDP remote rows decode to the configured neighbours', async () => {
      const sw = agent('sw-core');
      const rem = '1.0.8802.1.1.2.1.4.1.1';
      const vbs = await walk(sw, rem, ['-Ox']);
      const names = rows(vbs, `${rem}.9`);
      expect(names.size).toBe(NEIGHBOURS.length);
      const basePorts = rows(await walk(sw, '1.3.6.1.2.1.17.1.4.1.2'), '1.3.6.1.2.1.17.1.4.1.2');
      const ifNames = rows(await walk(sw, '1.3.6.1.2.1.31.1.1.1.1'), '1.3.6.1.2.1.31.1.1.1.1');
      const seen = new Map<string, string>();
      for (const [index, vb] of names) {
        const [timeMark, localPort, remIndex, ...rest] = index.split('.');
        expect(rest).toEqual([]);
        expect(Number(timeMark)).toBeGreaterThan(0);
        expect(Number(remIndex)).toBeGreaterThan(0);
        const n = NEIGHBOURS.find((x) => x.sysName === hexToText(vb.value))!;
        expect(n, hexToText(vb.value)).toBeDefined();
        expect(Number(localPort)).toBe(n.port);
        // lldpRemLocalPortNum is a bridge port: dot1dBasePortIfIndex leads to the interface
        const ifIndex = basePorts.get(localPort!)!.value;
        expect(ifNames.get(ifIndex)!.value).toBe(`Gi1/0/${n.port}`);
        const col = (c: number) => rows(vbs, `${rem}.${c}`).get(index)!.value;
        expect(col(4)).toBe('4'); // chassis id is a MAC
        expect(col(5)).toBe(n.chassisMac.replace(/:/g, ''));
        const isMac = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(n.portId);
        expect(col(6)).toBe(isMac ? '3' : '5');
        expect(isMac ? col(7) : hexToText(col(7))).toBe(
          isMac ? n.portId.replace(/:/g, '') : n.portId,
        );
        // LldpSystemCapabilitiesMap BITS: bridge(2) 0x20, router(4) 0x08, stationOnly(7) 0x01
        const caps = parseInt(col(12), 16);
        const bits = { bridge: 0x20, router: 0x08, station: 0x01, printer: 0x80 } as const;
        const want = (n.capabilities ?? []).reduce((sum, c) => sum | bits[c], 0);
        expect(caps).toBe(want);
        expect(col(11)).toBe(col(12));
        expect(hexToText(col(10))).toBe(n.sysDescr ?? '');
        if (n.portDescr) expect(hexToText(col(8))).toBe(n.portDescr);
        seen.set(`${timeMark}.${localPort}.${remIndex}`, n.sysName);
      }

      const man = rows(await walk(sw, '1.0.8802.1.1.2.1.4.2.1.3'), '1.0.8802.1.1.2.1.4.2.1.3');
      const addresses = [...man.keys()].map((index) => {
        const p = index.split('.');
        expect(p.slice(3, 5)).toEqual(['1', '4']); // ipV4, 4 octets (length-prefixed)
        return { name: seen.get(p.slice(0, 3).join('.')), ip: p.slice(5).join('.') };
      });
      expect(addresses.sort((a, b) => a.ip.localeCompare(b.ip))).toEqual([
        { name: 'rt-wan', ip: '127.77.0.3' },
        { name: 'prn-office', ip: '127.77.0.4' },
      ]);

      const local = await get(
        sw,
        ['1.0.8802.1.1.2.1.3.1.0', '1.0.8802.1.1.2.1.3.2.0', '1.0.8802.1.1.2.1.3.3.0'],
        V2C,
        ['-Ox'],
      );
      expect(local.map((x) => x.value)).toEqual([
        '4',
        '001b54000001',
        Buffer.from('sw-core').toString('hex'),
      ]);
    });

    it('FDB rows map MACs to the configured ports in BRIDGE-MIB and Q-BRIDGE-MIB', async () => {
      const sw = agent('sw-core');
      const port = rows(await walk(sw, '1.3.6.1.2.1.17.4.3.1.2'), '1.3.6.1.2.1.17.4.3.1.2');
      const status = rows(await walk(sw, '1.3.6.1.2.1.17.4.3.1.3'), '1.3.6.1.2.1.17.4.3.1.3');
      const bridge = new Map(
        [...port].map(([index, vb]) => [macOfIndex(index.split('.')), Number(vb.value)]),
      );
      const uniqueMacs = new Set(FDB.map((f) => f.mac));
      expect(bridge.size).toBe(uniqueMacs.size);
      for (const f of FDB) expect(bridge.get(f.mac)).toBe(f.port);
      expect([...status.values()].every((s) => s.value === '3')).toBe(true);

      const qport = rows(
        await walk(sw, '1.3.6.1.2.1.17.7.1.2.2.1.2'),
        '1.3.6.1.2.1.17.7.1.2.2.1.2',
      );
      const q = [...qport].map(([index, vb]) => {
        const [fdbId, ...mac] = index.split('.');
        expect(mac).toHaveLength(6);
        return { vlan: Number(fdbId), mac: macOfIndex(mac), port: Number(vb.value) };
      });
      const expected = FDB.map((f) => ({ vlan: f.vlan ?? 1, mac: f.mac, port: f.port }));
      const key = (x: { vlan: number; mac: string }) => `${x.vlan}/${x.mac}`;
      expect(q.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
        expected.sort((a, b) => key(a).localeCompare(key(b))),
      );
      const fdbIds = rows(
        await walk(sw, '1.3.6.1.2.1.17.7.1.4.2.1.3'),
        '1.3.6.1.2.1.17.7.1.4.2.1.3',
      );
      // dot1qVlanCurrentTable: timeMark 0, VLAN → FDB id (the same: independent VLAN learning)
      expect(new Map([...fdbIds].map(([i, v]) => [i, v.value]))).toEqual(
        new Map([
          ['0.1', '1'],
          ['0.10', '10'],
          ['0.20', '20'],
        ]),
      );
    });

    it('the router serves its ARP cache (ipNetToMediaTable), addresses and forwarding', async () => {
      const rt = agent('rt-wan');
      const phys = rows(await walk(rt, '1.3.6.1.2.1.4.22.1.2', ['-Ox']), '1.3.6.1.2.1.4.22.1.2');
      const type = rows(await walk(rt, '1.3.6.1.2.1.4.22.1.4'), '1.3.6.1.2.1.4.22.1.4');
      const arp = [...phys].map(([index, vb]) => {
        const [ifIndex, ...ip] = index.split('.');
        expect(type.get(index)!.value).toBe('3'); // dynamic
        return { ifIndex: Number(ifIndex), ip: ip.join('.'), mac: vb.value };
      });
      expect(arp).toHaveLength(ARP.length);
      for (const e of ARP) {
        const row = arp.find((x) => x.ip === e.ip)!;
        expect(row.mac).toBe(e.mac.replace(/:/g, ''));
        if (e.ifIndex !== undefined) expect(row.ifIndex).toBe(e.ifIndex);
        else expect(row.ifIndex).toBeGreaterThan(0);
      }
      const ipAddr = rows(await walk(rt, '1.3.6.1.2.1.4.20.1.2'), '1.3.6.1.2.1.4.20.1.2');
      expect(ipAddr.has('127.77.0.3')).toBe(true);
      expect(ipAddr.size).toBeGreaterThanOrEqual(3);
      expect((await get(rt, ['1.3.6.1.2.1.4.1.0']))[0]!.value).toBe('1');
      expect((await walk(rt, '1.3.6.1.2.1.2.2.1.1')).length).toBeGreaterThanOrEqual(12);
    });

    it("reports the printer's supplies, toner levels and page counter", async () => {
      const prn = agent('prn-office');
      const base = '1.3.6.1.2.1.43.11.1.1';
      const vbs = await walk(prn, base);
      const col = (c: number) => rows(vbs, `${base}.${c}`);
      expect(col(6).size).toBe(8);
      const elapsed = (now() - prn.model.startMs) / 1000;
      const p = prn.model.printer!;
      for (const [index, descr] of col(6)) {
        const [dev, supply] = index.split('.');
        expect(dev).toBe('1'); // hrDeviceIndex of the printer
        const s = p.supplies.find((x) => x.index === Number(supply))!;
        expect(descr.value).toBe(s.descr);
        const level = Number(col(9).get(index)!.value);
        expect(Math.abs(level - supplyLevel(p, s, elapsed))).toBeLessThanOrEqual(1);
        if (s.type === 3) {
          expect(col(5).get(index)!.value).toBe('3'); // toner
          expect(col(7).get(index)!.value).toBe('19'); // percent
          expect(col(8).get(index)!.value).toBe('100');
          expect(level).toBeGreaterThanOrEqual(0);
          expect(level).toBeLessThanOrEqual(100);
        }
      }
      expect([...col(6).values()].filter((d) => / Toner Cartridge$/.test(d.value))).toHaveLength(4);
      expect(col(9).get('1.7')!.value).toBe('-3'); // waste toner box: "some remaining"

      const pages = '1.3.6.1.2.1.43.10.2.1.4.1.1';
      const before = Number((await get(prn, [pages]))[0]!.value);
      offsetMs += 3_600_000;
      const after = Number((await get(prn, [pages]))[0]!.value);
      expect(after).toBeGreaterThan(before);
      const dev = await get(prn, ['1.3.6.1.2.1.25.3.2.1.2.1', '1.3.6.1.2.1.43.5.1.1.17.1']);
      expect(dev[0]!.value).toBe('1.3.6.1.2.1.25.3.1.5'); // hrDevicePrinter
      expect(dev[1]!.value).toBe(prn.model.identity.serial);

      const hp = await get(agent('prn-hp'), ['1.3.6.1.2.1.1.1.0', `${base}.6.1.1`]);
      expect(hp[0]!.value).toMatch(/^HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT/);
      expect(hp[1]!.value).toBe('Black Cartridge HP 415A W2030A');
    });

    it('reports the UPS battery and output load (UPS-MIB)', async () => {
      const ups = agent('ups-rack');
      const b = '1.3.6.1.2.1.33.1.2';
      const vbs = await get(
        ups,
        [1, 2, 3, 4, 5, 7]
          .map((n) => `${b}.${n}.0`)
          .concat('1.3.6.1.2.1.33.1.4.4.1.5.1', '1.3.6.1.2.1.1.2.0'),
      );
      const [status, onBattery, minutes, charge, voltage, temp, load, oid] = vbs.map(
        (x) => x.value,
      );
      expect(status).toBe('2'); // batteryNormal
      expect(onBattery).toBe('0');
      expect(Number(minutes)).toBeGreaterThan(10);
      expect(charge).toBe('100');
      expect(voltage).toBe('273'); // 27.3 V
      expect(Number(temp)).toBeGreaterThanOrEqual(20);
      expect(Number(temp)).toBeLessThanOrEqual(35);
      expect(Number(load)).toBeGreaterThanOrEqual(5);
      expect(Number(load)).toBeLessThanOrEqual(100);
      expect(oid).toMatch(/^1\.3\.6\.1\.4\.1\.318\.1\.3\./);
      if (IS_ROOT) {
        // an agent without a port listens on 161
        const r = await cli('snmpget', [...V2C, ...COMMON, '127.77.0.8', '1.3.6.1.2.1.1.5.0']);
        expect(parse(r.stdout)[0]?.value).toBe('ups-161');
      }
    });

    it('SNMPv3 authPriv works with the right keys and fails with wrong ones; v2c can be off', async () => {
      const srv = agent('srv-v3');
      const sysName = '1.3.6.1.2.1.1.5.0';
      expect((await get(srv, [sysName], V3_OK))[0]!.value).toBe('srv-v3');
      expect((await get(agent('sw-core'), [sysName], V3_OK))[0]!.value).toBe('sw-core');
      expect((await get(agent('sw-core'), [sysName]))[0]!.value).toBe('sw-core');

      const fail = (auth: string[]) =>
        cli('snmpget', [...auth, '-On', '-t', '1', '-r', '0', target(srv), sysName]);
      const wrongAuth = V3_OK.map((a) => (a === V3_USER.authKey ? 'wrong-auth-0000' : a));
      const wrongPriv = V3_OK.map((a) => (a === V3_USER.privKey ? 'wrong-priv-0000' : a));
      const wrongUser = V3_OK.map((a) => (a === V3_USER.user ? 'intruder' : a));
      // net-snmp's agent drops a message with a wrong digest (no usmStatsWrongDigests report)
      const before = srv.stats.authFailures;
      const r1 = await fail(wrongAuth);
      expect(r1.code).not.toBe(0);
      expect(r1.stdout).not.toMatch(/srv-v3/);
      expect(srv.stats.authFailures).toBe(before + 1);
      const r2 = await fail(wrongPriv);
      expect(r2.code).not.toBe(0); // undecryptable: dropped, like Net-SNMP's snmpd
      expect(r2.stdout).not.toMatch(/srv-v3/);
      expect(srv.stats.authFailures).toBe(before + 2);
      const r3 = await fail(wrongUser);
      expect(r3.code).not.toBe(0);
      expect(r3.stderr).toMatch(/Unknown user name/);
      const r4 = await fail(V2C);
      expect(r4.code).not.toBe(0);
      expect(r4.stderr).toMatch(/Timeout/);
      expect(srv.stats.authFailures).toBeGreaterThanOrEqual(3);
    });

    it('getBulk walks a whole 48-port switch and returns N + M*R varbinds', async () => {
      const sw = agent('sw-core');
      for (const reps of ['10', '50', '500']) {
        const r = await cli('snmpbulkwalk', [
          ...V2C,
          ...COMMON,
          `-Cr${reps}`,
          target(sw),
          '1.3.6.1.2.1.2.2',
        ]);
        expect(r.code, r.stderr).toBe(0);
        expect(parse(r.stdout).filter((x) => x.oid.startsWith('1.3.6.1.2.1.2.2.1.'))).toHaveLength(
          49 * 22,
        );
      }
      const all = await cli('snmpbulkwalk', [...V2C, ...COMMON, '-Cr40', target(sw), '1.3.6.1']);
      expect(all.code, all.stderr).toBe(0);
      expect(parse(all.stdout).length).toBeGreaterThan(2000);

      // one non-repeater, five repetitions of two columns: 1 + 5 * 2
      const bulk = await cli('snmpbulkget', [
        ...V2C,
        ...COMMON,
        '-Cn1',
        '-Cr5',
        target(sw),
        '1.3.6.1.2.1.1.5',
        '1.3.6.1.2.1.2.2.1.2',
        '1.3.6.1.2.1.31.1.1.1.6',
      ]);
      const vbs = parse(bulk.stdout);
      expect(vbs).toHaveLength(11);
      expect(vbs[0]).toMatchObject({ oid: '1.3.6.1.2.1.1.5.0', value: 'sw-core' });
      expect(vbs.slice(1).map((x) => x.type)).toEqual(
        Array(5).fill(['STRING', 'Counter64']).flat(),
      );
    });

    it('an SNMPv1 GetNext skips Counter64 objects (RFC 3584)', async () => {
      const sw = agent('sw-core');
      const r = await cli('snmpgetnext', [
        '-v1',
        '-c',
        'public',
        ...COMMON,
        target(sw),
        '1.3.6.1.2.1.31.1.1.1.5.10148',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(parse(r.stdout)[0]).toMatchObject({
        oid: '1.3.6.1.2.1.31.1.1.1.14.1',
        type: 'INTEGER',
      });
    });
  },
);

// ---------------------------------------------------------------------------------------------
// The simulator as a process: READY, scale, memory, signals, errors.

interface Proc {
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  kill: () => void;
}

function startMain(configFile: string): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, configFile], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

function walkWithLibrary(ip: string, port: number, oid: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = snmp.createSession(ip, 'public', {
      port,
      version: snmp.Version2c,
      timeout: 5000,
      retries: 1,
    });
    let n = 0;
    s.subtree(
      oid,
      25,
      (vbs: unknown[]) => {
        n += vbs.length;
      },
      (error: Error | null) => {
        s.close();
        if (error) reject(error);
        else resolve(n);
      },
    );
  });
}

describe.skipIf(skipReason)(`main.ts${skipReason ? ` (${skipReason})` : ''}`, () => {
  const procs: Proc[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const p of procs) p.kill();
    for (const c of cleanups) await c();
  });
  async function file(name: string, content: unknown): Promise<string> {
    const t = await tempDir('caretaker-sim-');
    cleanups.push(t.cleanup);
    const f = path.join(t.dir, name);
    await writeFile(f, JSON.stringify(content));
    return f;
  }

  it('starts 500 agents, each answers sysName, memory stays bounded, SIGTERM exits 0', async () => {
    const port = IS_ROOT ? 161 : 16500;
    const config = scaleConfig(500, { first: '127.77.1.1', port });
    const agents = config.agents;
    const f = await file('scale.json', config);
    const started = performance.now();
    const p = startMain(f);
    procs.push(p);
    await until(() => p.stdout().includes('\n'), 60_000, `READY (stderr: ${p.stderr()})`);
    const readyMs = performance.now() - started;
    expect(p.stdout()).toBe('READY 500\n');
    const rssReady = await rssKb(p.pid);

    const sample = Array.from(
      { length: 20 },
      (_, i) => agents[Math.floor((i * agents.length) / 20) + (i % 7)]!,
    );
    const answers = await Promise.all(
      sample.map((a) =>
        cli('snmpget', [...V2C, ...COMMON, `${a.address}:${port}`, '1.3.6.1.2.1.1.5.0']).then(
          (r) => parse(r.stdout)[0]?.value,
        ),
      ),
    );
    expect(answers).toEqual(sample.map((a) => a.sysName));

    // every agent's ifTable walked once: every MIB tree gets built (at most 128 stay resident)
    const walkStart = performance.now();
    let varbinds = 0;
    for (let i = 0; i < agents.length; i += 16) {
      const counts = await Promise.all(
        agents.slice(i, i + 16).map((a) => walkWithLibrary(a.address, port, '1.3.6.1.2.1.2.2.1')),
      );
      varbinds += counts.reduce((x, y) => x + y, 0);
    }
    const walkMs = performance.now() - walkStart;
    const rssBusy = await rssKb(p.pid);
    console.log(
      `[simulator] 500 agents: READY after ${readyMs.toFixed(0)} ms (process start included), ` +
        `RSS ${(rssReady / 1024).toFixed(0)} MB at READY, ${(rssBusy / 1024).toFixed(0)} MB after ` +
        `walking every ifTable (${varbinds} varbinds in ${walkMs.toFixed(0)} ms)`,
    );
    expect(varbinds).toBeGreaterThan(500 * 22);
    expect(rssBusy / 1024).toBeLessThan(600);

    process.kill(p.pid, 'SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stdout()).toBe('READY 500\n');
  }, 180_000);

  it('exits 2 with the problems on a bad configuration', async () => {
    const f = await file('bad.json', {
      agents: [{ address: '8.8.8.8', profile: 'toaster', sysName: '' }],
    });
    const p = startMain(f);
    procs.push(p);
    expect(await p.exited).toBe(2);
    expect(p.stdout()).toBe('');
    expect(p.stderr()).toMatch(/agents\[0\].*profile/);
    expect(p.stderr()).toMatch(/sysName/);
  });

  it('exits 1 naming the agent that cannot bind', async () => {
    // 198.18.0.0/15 is the lab's range: allowed, but this address is assigned nowhere
    const f = await file('unbound.json', {
      agents: [
        { address: '127.77.0.200', port: 16170, profile: 'ups', sysName: 'ok' },
        { address: '198.19.255.254', port: 16170, profile: 'ups', sysName: 'nowhere' },
      ],
    });
    const p = startMain(f);
    procs.push(p);
    expect(await p.exited).toBe(1);
    expect(p.stdout()).toBe('');
    expect(p.stderr()).toMatch(
      /cannot listen on udp 198\.19\.255\.254:16170 \(nowhere\): EADDRNOTAVAIL/,
    );
  });
});
