import type { DeviceChange, DeviceRecord, EventRecord } from '../store/types.js';
import { identityKeys, type IdentityKey } from '../store/devices.js';
import type { Identification, Observation } from './types.js';
import { normalizeVendor } from './oui.js';
import { usableSerial } from './serial.js';

export { usableSerial };

/** Scans in a row a device may be absent before it counts as missing. */
export const MISSING_AFTER_SCANS = 2;

export interface MergeResult {
  device: DeviceRecord;
  history?: Omit<DeviceChange, 'key' | 'at'>;
  events: Array<Omit<EventRecord, 'key' | 'at'>>;
  outcome: 'new' | 'updated' | 'unchanged';
}

/**
 * Identity keys of an observation, most trustworthy first. A MAC, serial or engine ID that several
 * hosts report in the same scan (proxy ARP, cloned images) tells nothing apart and is not used.
 */
export function observationKeys(obs: Observation, shared: ReadonlySet<string>): IdentityKey[] {
  const sys = obs.snmp?.system;
  const keys: IdentityKey[] = [];
  const serial = usableSerial(obs.snmp?.entity.serial)?.toLowerCase();
  if (serial && !shared.has(`serial:${serial}`)) keys.push(`serial:${serial}`);
  if (sys?.engineId && !shared.has(`engine:${sys.engineId}`)) keys.push(`engine:${sys.engineId}`);
  if (obs.mac && !shared.has(`mac:${obs.mac}`)) keys.push(`mac:${obs.mac}`);
  if (sys?.sysName) keys.push(`name:${sys.sysName.toLowerCase()}@${obs.ip}`);
  keys.push(`ip:${obs.ip}`);
  return keys;
}

/** Strong identity keys that more than one observation of this scan carries. */
export function sharedIdentities(observations: Observation[]): Set<string> {
  const seen = new Map<string, number>();
  const count = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
  for (const o of observations) {
    if (o.mac) count(`mac:${o.mac}`);
    const serial = usableSerial(o.snmp?.entity.serial)?.toLowerCase();
    if (serial) count(`serial:${serial}`);
    if (o.snmp?.system.engineId) count(`engine:${o.snmp.system.engineId}`);
  }
  return new Set([...seen].filter(([, n]) => n > 1).map(([k]) => k));
}

/**
 * Picks the existing device an observation belongs to. Strong keys (serial, engine ID, MAC) win
 * in that order, but a serial or engine ID never moves a device whose MAC differs from the
 * observation's (a host reporting someone else's serial must not take over their record); a
 * match by address alone is refused when the device there has a different strong identity
 * (another box took over the address).
 */
export function matchDevice(
  keys: IdentityKey[],
  found: ReadonlyMap<IdentityKey, DeviceRecord>,
  claimed: ReadonlySet<string>,
): DeviceRecord | undefined {
  const obsMac = keys.find((k) => k.startsWith('mac:'))?.slice(4);
  for (const k of keys) {
    const d = found.get(k);
    if (!d || claimed.has(d.id)) continue;
    if ((k.startsWith('serial:') || k.startsWith('engine:')) && obsMac && d.mac && d.mac !== obsMac)
      continue;
    if (k.startsWith('ip:') || k.startsWith('name:')) {
      const strong = keys.filter(
        (x) => x.startsWith('mac:') || x.startsWith('serial:') || x.startsWith('engine:'),
      );
      const theirs = new Set(
        identityKeys(d).filter(
          (x) => x.startsWith('mac:') || x.startsWith('serial:') || x.startsWith('engine:'),
        ),
      );
      if (strong.length && theirs.size && !strong.some((x) => theirs.has(x))) continue;
    }
    return d;
  }
  return undefined;
}

const TRACKED: Array<keyof DeviceRecord> = [
  'ip',
  'mac',
  'sysName',
  'sysDescr',
  'sysObjectID',
  'engineId',
  'serial',
  'vendor',
  'model',
  'os',
  'osVersion',
  'firmware',
  'type',
  'location',
  'contact',
  'name',
];

/** The device record after this observation, what changed, and the events to raise. */
export function mergeDevice(
  existing: DeviceRecord | undefined,
  obs: Observation,
  ident: Identification,
  ctx: {
    id: string;
    nowIso: string;
    scanId: string;
    servicesScanned: boolean;
    defaultName?: string;
  },
): MergeResult {
  const sys = obs.snmp?.system ?? {};
  const base: DeviceRecord = existing
    ? { ...existing }
    : {
        id: ctx.id,
        name: ctx.defaultName ?? obs.ip,
        nameSource: 'auto',
        ip: obs.ip,
        addresses: [],
        type: 'unknown',
        typeSource: 'auto',
        reasons: [],
        snmp: { ok: false },
        services: [],
        interfaceCount: 0,
        notes: '',
        status: 'up',
        missedScans: 0,
        firstSeen: ctx.nowIso,
        lastSeen: ctx.nowIso,
        lastScanId: ctx.scanId,
      };
  const next: DeviceRecord = {
    ...base,
    ip: obs.ip,
    addresses: [obs.ip, ...base.addresses.filter((a) => a !== obs.ip)].slice(0, 10),
    status: 'up',
    missedScans: 0,
    lastSeen: ctx.nowIso,
    lastScanId: ctx.scanId,
    reasons: ident.reasons,
  };
  const setOpt = <K extends keyof DeviceRecord>(k: K, v: DeviceRecord[K] | undefined) => {
    if (v !== undefined && v !== '') next[k] = v;
  };
  setOpt('mac', obs.mac);
  setOpt('macVendor', normalizeVendor(obs.macVendor));
  if (obs.snmp) {
    setOpt('sysName', sys.sysName);
    setOpt('sysDescr', sys.sysDescr);
    setOpt('sysObjectID', sys.sysObjectID);
    setOpt('engineId', sys.engineId);
    setOpt('serial', obs.snmp.entity.serial);
    setOpt('firmware', obs.snmp.entity.firmware);
    setOpt('location', sys.sysLocation);
    setOpt('contact', sys.sysContact);
    if (sys.sysUpTimeTicks !== undefined) {
      next.uptimeS = Math.floor(sys.sysUpTimeTicks / 100);
      next.uptimeAt = ctx.nowIso;
    }
    next.interfaceCount = obs.snmp.interfaces.length;
    next.snmp = {
      ...base.snmp,
      ok: true,
      credentialId:
        base.snmp.credentialSource === 'manual' && base.snmp.credentialId
          ? base.snmp.credentialId
          : obs.snmp.credentialId,
      credentialSource: base.snmp.credentialSource ?? 'auto',
      version: obs.snmp.version,
    };
    delete next.snmp.error;
  } else {
    next.snmp = { ...base.snmp, ok: false, ...(obs.snmpError ? { error: obs.snmpError } : {}) };
  }
  setOpt('vendor', ident.vendor);
  setOpt('model', ident.model);
  setOpt('os', ident.os);
  setOpt('osVersion', ident.osVersion);
  next.autoType = ident.type;
  if (next.typeSource !== 'manual') next.type = ident.type;
  if (next.nameSource !== 'manual')
    next.name =
      sys.sysName ||
      base.sysName ||
      ctx.defaultName ||
      (existing && existing.name !== existing.ip ? existing.name : obs.ip);
  if (ctx.servicesScanned && obs.services) {
    next.services = obs.services
      .filter((p) => p.state === 'open')
      .map((p) => ({
        protocol: p.protocol,
        port: p.port,
        ...(p.service?.name ? { name: p.service.name } : {}),
        ...(p.service?.product ? { product: p.service.product } : {}),
        ...(p.service?.version ? { version: p.service.version } : {}),
      }));
  }

  const events: MergeResult['events'] = [];
  if (!existing) {
    events.push({
      kind: 'device.new',
      severity: 'info',
      deviceId: next.id,
      message: `New device ${next.name} (${next.ip}${next.vendor ? `, ${next.vendor}` : ''}${next.type !== 'unknown' ? ` ${next.type}` : ''})`,
    });
    return {
      device: next,
      history: {
        deviceId: next.id,
        scanId: ctx.scanId,
        kind: 'created',
        changes: TRACKED.filter((k) => next[k] !== undefined).map((k) => ({
          field: k,
          to: next[k],
        })),
      },
      events,
      outcome: 'new',
    };
  }
  const changes = TRACKED.filter(
    (k) => JSON.stringify(existing[k]) !== JSON.stringify(next[k]),
  ).map((k) => ({ field: k, from: existing[k], to: next[k] }));
  let kind: DeviceChange['kind'] = 'changed';
  const identityChanged = changes.some(
    (c) =>
      (c.field === 'serial' || c.field === 'engineId' || c.field === 'sysObjectID') &&
      c.from !== undefined,
  );
  if (identityChanged) {
    kind = 'identity-changed';
    events.push({
      kind: 'device.identity-changed',
      severity: 'warning',
      deviceId: next.id,
      message: `${next.name} (${next.ip}) now reports a different identity: ${changes
        .filter((c) => ['serial', 'engineId', 'sysObjectID'].includes(c.field))
        .map((c) => `${c.field} ${String(c.from)} → ${String(c.to)}`)
        .join(', ')}`,
      details: { changes },
    });
  } else if (changes.some((c) => c.field === 'ip')) {
    kind = 'address-changed';
    events.push({
      kind: 'device.address-changed',
      severity: 'info',
      deviceId: next.id,
      message: `${next.name} moved from ${existing.ip} to ${next.ip}`,
    });
  }
  if (existing.status === 'missing') {
    kind = changes.length ? kind : 'returned';
    events.push({
      kind: 'device.returned',
      severity: 'info',
      deviceId: next.id,
      message: `${next.name} (${next.ip}) is back`,
    });
  }
  if (!changes.length && existing.status !== 'missing')
    return { device: next, events, outcome: 'unchanged' };
  return {
    device: next,
    history: { deviceId: next.id, scanId: ctx.scanId, kind, changes },
    events,
    outcome: 'updated',
  };
}

/** A device in the scanned ranges that did not answer this time. */
export function markMissing(
  d: DeviceRecord,
  scanId: string,
): {
  device: DeviceRecord;
  history?: Omit<DeviceChange, 'key' | 'at'>;
  event?: Omit<EventRecord, 'key' | 'at'>;
} {
  const missedScans = d.missedScans + 1;
  const becameMissing = d.status === 'up' && missedScans >= MISSING_AFTER_SCANS;
  const device: DeviceRecord = {
    ...d,
    missedScans,
    status: becameMissing ? 'missing' : d.status,
    lastScanId: scanId,
  };
  if (!becameMissing) return { device };
  return {
    device,
    history: {
      deviceId: d.id,
      scanId,
      kind: 'missing',
      changes: [{ field: 'status', from: 'up', to: 'missing' }],
    },
    event: {
      kind: 'device.missing',
      severity: 'warning',
      deviceId: d.id,
      message: `${d.name} (${d.ip}) was not found in the last ${missedScans} scans`,
    },
  };
}
