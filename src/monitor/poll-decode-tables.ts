/**
 * Decoders (pure) for the walked tables of a monitoring poll: HOST-RESOURCES storage and
 * processors, UCD-SNMP-MIB fallbacks, Printer-MIB supplies, UPS-MIB and ENTITY-SENSOR-MIB.
 * Each checks what it passes on: an impossible value is dropped with a note.
 */
import { tableRows } from '../discovery/decode.js';
import { text, type Varbind } from '../snmp/types.js';
import {
  ENT_PHY_SENSOR_COLUMN as SC,
  ENT_PHY_SENSOR_ENTRY,
  HR_STORAGE_COLUMN as HC,
  HR_STORAGE_ENTRY,
  HR_STORAGE_TYPE,
  HR_STORAGE_TYPES,
  SENSOR_CELSIUS,
  SENSOR_OK,
  SENSOR_SCALE_UNITS,
  UPS_SOURCE_BATTERY,
} from './poll-oids.js';
import type { SensorReading, StorageReading, SupplyReading, UpsReading } from './poll-types.js';
import { intOf, type Notes } from './poll-values.js';

/** File systems worth watching; RAM, swap, buffers, CD-ROMs and tmpfs are not. */
const DISK_TYPES: ReadonlySet<number> = new Set([
  HR_STORAGE_TYPE.fixedDisk,
  HR_STORAGE_TYPE.removableDisk,
  HR_STORAGE_TYPE.flashMemory,
  HR_STORAGE_TYPE.networkDisk,
]);

export interface HostStorage {
  storage: StorageReading[];
  memUsedPct?: number;
  /** The table has a RAM row (so UCD-SNMP-MIB memory is not needed). */
  hasRam: boolean;
}

const pct = (part: number, whole: number) => (part / whole) * 100;

export function decodeStorage(vbs: Varbind[], notes: Notes): HostStorage {
  const storage: StorageReading[] = [];
  let ram: { used: number; size: number } | undefined;
  // Net-SNMP on Linux counts buffers and page cache as used RAM, and adds rows that say how much
  // of it is (the used part of "Memory buffers" and "Cached memory") and what the kernel deems
  // available (the size of "Available memory"); without them a file server always looks full.
  const netSnmp = new Map<string, { sizeBytes: number; usedBytes: number }>();
  const typePrefix = `${HR_STORAGE_TYPES}.`;
  for (const [index, row] of tableRows(vbs, HR_STORAGE_ENTRY)) {
    const typeOid = text(row.get(HC.type));
    const type = typeOid?.startsWith(typePrefix) ? Number(typeOid.slice(typePrefix.length)) : 0;
    const descr = text(row.get(HC.descr)) ?? '';
    const units = intOf(row.get(HC.allocationUnits));
    const size = intOf(row.get(HC.size));
    const used = intOf(row.get(HC.used));
    if (units === undefined || size === undefined || used === undefined) continue;
    if (units <= 0 || size < 0 || used < 0 || used > size) {
      notes.add(`storage ${descr || index}: impossible values (${used} of ${size} × ${units} B)`);
      continue;
    }
    const sizeBytes = size * units;
    const usedBytes = used * units;
    if (type === HR_STORAGE_TYPE.ram) ram ??= { used: usedBytes, size: sizeBytes };
    else if (type === HR_STORAGE_TYPE.other) netSnmp.set(descr, { sizeBytes, usedBytes });
    else if (DISK_TYPES.has(type) && size > 0) storage.push({ index, descr, usedBytes, sizeBytes });
  }
  const out: HostStorage = { storage, hasRam: ram !== undefined };
  if (ram && ram.size > 0) {
    const available = netSnmp.get('Available memory')?.sizeBytes;
    const cache =
      (netSnmp.get('Memory buffers')?.usedBytes ?? 0) +
      (netSnmp.get('Cached memory')?.usedBytes ?? 0);
    let used = ram.used;
    if (available !== undefined && available <= ram.size) used = ram.size - available;
    else if (cache <= used) used -= cache;
    out.memUsedPct = pct(used, ram.size);
  }
  return out;
}

/** UCD-SNMP-MIB memory (KB): free, buffers and cache are not used. */
export function ucdMemoryPct(
  total: number | undefined,
  free: number | undefined,
  buffer: number | undefined,
  cached: number | undefined,
  notes: Notes,
): number | undefined {
  if (total === undefined || free === undefined || total <= 0) return undefined;
  const used = total - free - (buffer ?? 0) - (cached ?? 0);
  if (used < 0 || used > total) {
    notes.add(`memory: impossible values (total ${total} KB, free ${free} KB)`);
    return undefined;
  }
  return pct(used, total);
}

/** The mean of hrProcessorLoad over all processors (percent over the last minute). */
export function decodeProcessors(vbs: Varbind[], notes: Notes): number | undefined {
  let sum = 0;
  let n = 0;
  for (const vb of vbs) {
    const load = intOf(vb);
    if (load === undefined) continue;
    if (load < 0 || load > 100) {
      notes.add(`cpu: impossible load ${load} %`);
      continue;
    }
    sum += load;
    n++;
  }
  return n > 0 ? sum / n : undefined;
}

/** Values of one walked column, by row index (the OID after the column). */
export function columnOf(vbs: Varbind[] | undefined, columnOid: string): Map<string, Varbind> {
  const out = new Map<string, Varbind>();
  const prefix = `${columnOid}.`;
  for (const vb of vbs ?? []) {
    if (vb.oid.startsWith(prefix) && vb.type !== 'null') out.set(vb.oid.slice(prefix.length), vb);
  }
  return out;
}

export function decodeSupplies(
  descr: Map<string, Varbind>,
  max: Map<string, Varbind>,
  level: Map<string, Varbind>,
  notes: Notes,
): SupplyReading[] {
  const out: SupplyReading[] = [];
  for (const [index, vb] of level) {
    const lvl = intOf(vb);
    if (lvl === undefined) continue;
    const name = text(descr.get(index)) || `supply ${index}`;
    const cap = intOf(max.get(index));
    const s: SupplyReading = { index, descr: name, state: 'unknown' };
    if (lvl >= 0) {
      if (cap !== undefined && cap > 0 && lvl <= cap) {
        s.levelPct = pct(lvl, cap);
        s.state = 'level';
      } else if (cap !== undefined && cap > 0) {
        notes.add(`supply ${name}: level ${lvl} above its capacity ${cap}`);
      }
    } else if (lvl === -3) s.state = 'some-remaining';
    else if (lvl === -1) s.state = 'other';
    else if (lvl !== -2) notes.add(`supply ${name}: impossible level ${lvl}`);
    out.push(s);
  }
  return out;
}

const BATTERY = ['unknown', 'unknown', 'normal', 'low', 'depleted'] as const;

export interface UpsValues {
  batteryStatus?: Varbind;
  secondsOnBattery?: Varbind;
  minutesRemaining?: Varbind;
  chargeRemaining?: Varbind;
  temperature?: Varbind;
  outputSource?: Varbind;
  outputLoad: Varbind[];
}

/** Undefined when the device answered nothing of UPS-MIB. */
export function decodeUps(v: UpsValues, notes: Notes): UpsReading | undefined {
  const out: UpsReading = {};
  let any = false;
  const ranged = (vb: Varbind | undefined, what: string, lo: number, hi: number) => {
    const n = intOf(vb);
    if (n === undefined) return undefined;
    any = true;
    if (n >= lo && n <= hi) return n;
    notes.add(`ups: impossible ${what} ${n}`);
    return undefined;
  };
  const status = ranged(v.batteryStatus, 'battery status', 1, 4);
  if (status !== undefined) out.batteryStatus = BATTERY[status];
  const seconds = ranged(v.secondsOnBattery, 'seconds on battery', 0, 2 ** 31);
  const source = ranged(v.outputSource, 'output source', 1, 7);
  if (source !== undefined || seconds !== undefined) {
    // RFC 1628: secondsOnBattery is zero whenever the unit is not on battery
    out.onBattery = source === UPS_SOURCE_BATTERY || (seconds ?? 0) > 0;
  }
  const charge = ranged(v.chargeRemaining, 'charge', 0, 100);
  if (charge !== undefined) out.chargePct = charge;
  const runtime = ranged(v.minutesRemaining, 'runtime', 0, 100_000);
  if (runtime !== undefined) out.runtimeMin = runtime;
  const temp = ranged(v.temperature, 'battery temperature', -40, 100);
  if (temp !== undefined) out.tempC = temp;
  for (const vb of v.outputLoad) {
    // an overloaded UPS reports more than 100 %
    const load = ranged(vb, 'output load', 0, 250);
    if (load !== undefined) out.loadPct = Math.max(out.loadPct ?? 0, load);
  }
  return any ? out : undefined;
}

/** entPhysicalIndex of every celsius sensor in a walk of entPhySensorTable. */
export function celsiusSensorIndexes(vbs: Varbind[]): number[] {
  const out: number[] = [];
  const prefix = `${ENT_PHY_SENSOR_ENTRY}.${SC.type}.`;
  for (const vb of vbs) {
    if (vb.oid.startsWith(prefix) && intOf(vb) === SENSOR_CELSIUS) {
      const index = Number(vb.oid.slice(prefix.length));
      if (Number.isSafeInteger(index)) out.push(index);
    }
  }
  return out;
}

/** Celsius sensors that work, scaled: value × 10^(3 × (scale − units)) / 10^precision. */
export function decodeSensors(
  vbs: Varbind[],
  names: Map<string, string>,
  notes: Notes,
): SensorReading[] {
  const out: SensorReading[] = [];
  for (const [index, row] of tableRows(vbs, ENT_PHY_SENSOR_ENTRY)) {
    if (intOf(row.get(SC.type)) !== SENSOR_CELSIUS) continue;
    if (intOf(row.get(SC.operStatus)) !== SENSOR_OK) continue;
    const value = intOf(row.get(SC.value));
    if (value === undefined) continue;
    const scale = intOf(row.get(SC.scale)) ?? SENSOR_SCALE_UNITS;
    const precision = intOf(row.get(SC.precision)) ?? 0;
    const descr = names.get(index) || `sensor ${index}`;
    const exp = 3 * (scale - SENSOR_SCALE_UNITS) - precision;
    const celsius = value * 10 ** exp;
    if (
      scale < 1 ||
      scale > 17 ||
      precision < -8 ||
      precision > 9 ||
      !(celsius > -60 && celsius < 250)
    ) {
      notes.add(
        `sensor ${descr}: impossible temperature (${value}, scale ${scale}, precision ${precision})`,
      );
      continue;
    }
    out.push({ index, descr, celsius: Number(celsius.toFixed(Math.max(0, -exp))) });
  }
  return out;
}
