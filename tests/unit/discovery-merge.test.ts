import { describe, it, expect } from 'vitest';
import {
  mergeDevice,
  markMissing,
  matchDevice,
  observationKeys,
  sharedIdentities,
  usableSerial,
  MISSING_AFTER_SCANS,
} from '../../src/discovery/merge.js';
import { identityKeys, type IdentityKey } from '../../src/store/devices.js';
import type { Observation, Identification } from '../../src/discovery/types.js';
import type { DeviceRecord } from '../../src/store/types.js';

const ident: Identification = { type: 'server', vendor: 'Dell', os: 'Linux', reasons: ['because'] };
const ctx = (id = 'new1') => ({
  id,
  nowIso: '2026-11-26T12:00:00.000Z',
  scanId: 's1',
  servicesScanned: false,
});

function obs(
  ip: string,
  over: Partial<Observation> & { serial?: string; sysName?: string; engineId?: string } = {},
): Observation {
  const { serial, sysName, engineId, ...rest } = over;
  return {
    ip,
    mac: '18:66:da:00:00:01',
    snmp: {
      credentialId: 'c1',
      version: '2c',
      system: {
        sysName: sysName ?? 'srv-files',
        sysDescr: 'Linux srv-files 6.1',
        sysObjectID: '1.3.6.1.4.1.8072.3.2.10',
        ...(engineId ? { engineId } : {}),
      },
      entity: serial ? { serial } : {},
      interfaces: [],
      ipAddrs: [],
      neighbours: [],
      arp: [],
      fdb: [],
      notes: [],
      hasPrinterMib: false,
      hasUpsMib: false,
    },
    ...rest,
  };
}

function index(devices: DeviceRecord[]): Map<IdentityKey, DeviceRecord> {
  const m = new Map<IdentityKey, DeviceRecord>();
  for (const d of devices) for (const k of identityKeys(d)) m.set(k, d);
  return m;
}

describe('merging scan results into the inventory', () => {
  it('a new host becomes a device named by sysName, with a "new" event and a history entry', () => {
    const r = mergeDevice(undefined, obs('198.18.1.11'), ident, ctx());
    expect(r.outcome).toBe('new');
    expect(r.device).toMatchObject({
      id: 'new1',
      name: 'srv-files',
      ip: '198.18.1.11',
      type: 'server',
      status: 'up',
      snmp: { ok: true, credentialId: 'c1' },
    });
    expect(r.events).toEqual([expect.objectContaining({ kind: 'device.new', deviceId: 'new1' })]);
    expect(r.history?.kind).toBe('created');
  });

  it('the same MAC at a new address is the same device: address change recorded', () => {
    const first = mergeDevice(undefined, obs('198.18.1.11'), ident, ctx()).device;
    const keys = observationKeys(obs('198.18.1.50'), new Set());
    const match = matchDevice(keys, index([first]), new Set());
    expect(match?.id).toBe('new1');
    const r = mergeDevice(match, obs('198.18.1.50'), ident, ctx());
    expect(r.outcome).toBe('updated');
    expect(r.device.addresses).toEqual(['198.18.1.50', '198.18.1.11']);
    expect(r.events.map((e) => e.kind)).toEqual(['device.address-changed']);
  });

  it('another box taking over an address is a new device, not a change of the old one', () => {
    const first = mergeDevice(
      undefined,
      obs('198.18.1.11', { serial: 'AAA' }),
      ident,
      ctx(),
    ).device;
    const other = obs('198.18.1.11', { mac: '00:11:32:00:00:09', serial: 'BBB', sysName: 'nas' });
    expect(
      matchDevice(observationKeys(other, new Set()), index([first]), new Set()),
    ).toBeUndefined();
  });

  it('a device answering with another device’s sysName is not merged into it', () => {
    const a = mergeDevice(undefined, obs('198.18.1.11'), ident, ctx('a')).device;
    const impostor = obs('198.18.1.12', { mac: '02:00:00:00:00:02', sysName: 'srv-files' });
    expect(
      matchDevice(observationKeys(impostor, new Set()), index([a]), new Set()),
    ).toBeUndefined();
  });

  it('a MAC shared by several addresses (proxy ARP) is not used as identity', () => {
    const keys = observationKeys(obs('198.18.1.11'), new Set(['mac:18:66:da:00:00:01']));
    expect(keys.some((k) => k.startsWith('mac:'))).toBe(false);
  });

  it('serials and engine IDs that several hosts report (cloned images) are not used as identity', () => {
    const a = obs('198.18.1.2', {
      mac: '02:00:00:00:00:02',
      engineId: '80001f88deadbeef',
      serial: 'CLONE1',
    });
    const b = obs('198.18.1.3', {
      mac: '02:00:00:00:00:03',
      engineId: '80001f88deadbeef',
      serial: 'CLONE1',
    });
    const shared = sharedIdentities([a, b]);
    expect([...shared].sort()).toEqual(['engine:80001f88deadbeef', 'serial:clone1']);
    expect(
      observationKeys(a, shared).some((k) => k.startsWith('engine:') || k.startsWith('serial:')),
    ).toBe(false);
  });

  it('placeholder serials are ignored', () => {
    for (const s of ['0', 'N/A', 'To be filled by O.E.M.', 'Default string', '  ', 'xxxx'])
      expect(usableSerial(s), s).toBeUndefined();
    expect(usableSerial('FOC1234X0AB')).toBe('FOC1234X0AB');
  });

  it('a host reporting another device’s serial does not take over its record when the MAC differs', () => {
    const victim = mergeDevice(
      undefined,
      obs('198.18.1.20', { serial: 'VICTIM-SN', mac: '00:11:32:00:00:20' }),
      ident,
      ctx('victim'),
    ).device;
    const hostile = obs('198.18.1.5', {
      serial: 'VICTIM-SN',
      mac: '02:00:00:00:00:05',
      sysName: 'evil',
    });
    expect(
      matchDevice(observationKeys(hostile, new Set()), index([victim]), new Set()),
    ).toBeUndefined();
  });

  it('a changed serial on a matched device raises an identity-changed warning', () => {
    const first = mergeDevice(
      undefined,
      obs('198.18.1.11', { serial: 'AAA' }),
      ident,
      ctx(),
    ).device;
    const r = mergeDevice(first, obs('198.18.1.11', { serial: 'BBB' }), ident, ctx());
    expect(r.events[0]).toMatchObject({ kind: 'device.identity-changed', severity: 'warning' });
    expect(r.history?.kind).toBe('identity-changed');
  });

  it('an unchanged device writes no history', () => {
    const first = mergeDevice(undefined, obs('198.18.1.11'), ident, ctx()).device;
    const r = mergeDevice(first, obs('198.18.1.11'), ident, {
      ...ctx(),
      nowIso: '2026-11-27T00:00:00.000Z',
    });
    expect(r.outcome).toBe('unchanged');
    expect(r.history).toBeUndefined();
    expect(r.device.lastSeen).toBe('2026-11-27T00:00:00.000Z');
  });

  it('names and types set by an admin survive rediscovery', () => {
    const first = mergeDevice(undefined, obs('198.18.1.11'), ident, ctx()).device;
    const edited: DeviceRecord = {
      ...first,
      name: 'File server',
      nameSource: 'manual',
      type: 'nas',
      typeSource: 'manual',
    };
    const r = mergeDevice(edited, obs('198.18.1.11', { sysName: 'renamed' }), ident, ctx());
    expect(r.device).toMatchObject({ name: 'File server', type: 'nas', sysName: 'renamed' });
  });

  it(`a device is missing only after ${MISSING_AFTER_SCANS} scans without it, and returns with an event`, () => {
    const d = mergeDevice(undefined, obs('198.18.1.11'), ident, ctx()).device;
    const once = markMissing(d, 's2');
    expect(once.device.status).toBe('up');
    expect(once.event).toBeUndefined();
    const twice = markMissing(once.device, 's3');
    expect(twice.device.status).toBe('missing');
    expect(twice.event).toMatchObject({ kind: 'device.missing', severity: 'warning' });
    const back = mergeDevice(twice.device, obs('198.18.1.11'), ident, ctx());
    expect(back.device).toMatchObject({ status: 'up', missedScans: 0 });
    expect(back.events.map((e) => e.kind)).toContain('device.returned');
  });

  it('an SNMP failure is recorded on the device, not lost', () => {
    const d = mergeDevice(
      undefined,
      { ip: '198.18.1.14', snmpError: { code: 'SNMP_NO_ANSWER', message: 'No SNMP answer' } },
      { type: 'unknown', reasons: ['x'] },
      ctx(),
    ).device;
    expect(d.snmp).toEqual({
      ok: false,
      error: { code: 'SNMP_NO_ANSWER', message: 'No SNMP answer' },
    });
    expect(d.name).toBe('198.18.1.14');
  });
});
