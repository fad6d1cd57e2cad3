import type { SnmpClient } from '../snmp/session.js';
import type { Varbind } from '../snmp/types.js';
import { OID } from '../snmp/oids.js';
import { describeError } from '../core/errors.js';
import {
  decodeArp,
  decodeEntity,
  decodeFdb,
  decodeInterfaces,
  decodeIpAddrs,
  decodeLldp,
  decodeSystem,
} from './decode.js';
import type { Observation } from './types.js';

export const SYSTEM_OIDS = [
  OID.sysDescr,
  OID.sysObjectID,
  OID.sysUpTime,
  OID.sysContact,
  OID.sysName,
  OID.sysLocation,
  OID.sysServices,
];
/** Probes for the type: Printer-MIB prtGeneralConfigChanges.1 and UPS-MIB upsIdentManufacturer. */
const PRINTER_PROBE = '1.3.6.1.2.1.43.5.1.1.1.1';
const UPS_PROBE = '1.3.6.1.2.1.33.1.1.1.0';

export type SnmpInventory = NonNullable<Observation['snmp']>;

/**
 * Reads what the inventory keeps from one agent. Each table walk is capped at `maxRows`
 * varbinds (a huge table is cut and noted, never allowed to run the box out of memory), and a
 * table that fails is noted and skipped: one broken table does not lose the device.
 */
export async function collectInventory(
  client: SnmpClient,
  opts: { maxRows: number; maxValues: number; signal?: AbortSignal | undefined },
): Promise<Omit<SnmpInventory, 'credentialId' | 'version'>> {
  const notes: string[] = [];
  const sys = decodeSystem(await client.get([...SYSTEM_OIDS]));
  try {
    const [engine] = await client.get([OID.snmpEngineID]);
    if (engine) Object.assign(sys, decodeSystem([engine]));
  } catch {
    // v1 agents and some v2c agents do not expose the engine ID: not an error.
  }
  let budget = opts.maxValues;
  const walk = async (name: string, oid: string): Promise<Varbind[]> => {
    opts.signal?.throwIfAborted();
    if (budget <= 0) {
      notes.push(`${name}: not read, the device already sent ${opts.maxValues} values`);
      return [];
    }
    try {
      const cap = Math.min(opts.maxRows, budget);
      const r = await client.walk(oid, cap);
      budget -= r.varbinds.length;
      if (r.truncated) notes.push(`${name}: more than ${cap} values, the rest was not read`);
      return r.varbinds;
    } catch (err) {
      // A cancelled scan or an exhausted time budget stops the whole device, not just a table.
      opts.signal?.throwIfAborted();
      notes.push(`${name}: ${describeError(err).message}`);
      return [];
    }
  };
  const ifTable = await walk('ifTable', OID.ifEntry);
  const ifXTable = ifTable.length ? await walk('ifXTable', OID.ifXEntry) : [];
  const ipAddr = await walk('ipAddrTable', OID.ipAddrEntry);
  const entity = await walk('entPhysicalTable', OID.entPhysicalEntry);
  const basePort = await walk('dot1dBasePortTable', OID.dot1dBasePortIfIndex);
  const lldpRem = await walk('lldpRemTable', OID.lldpRemEntry);
  const lldpMan = lldpRem.length ? await walk('lldpRemManAddrTable', OID.lldpRemManAddrEntry) : [];
  const arp = await walk('ipNetToMediaTable', OID.ipNetToMediaEntry);
  const dot1q = basePort.length ? await walk('dot1qTpFdbTable', OID.dot1qTpFdbEntry) : [];
  const dot1d =
    basePort.length && !dot1q.length ? await walk('dot1dTpFdbTable', OID.dot1dTpFdbEntry) : [];
  let hasPrinterMib = false;
  let hasUpsMib = false;
  try {
    const probes = await client.get([PRINTER_PROBE, UPS_PROBE]);
    hasPrinterMib = probes[0]?.type !== 'null' && probes[0] !== undefined;
    hasUpsMib = probes[1]?.type !== 'null' && probes[1] !== undefined;
  } catch {
    // v1 agents fail the whole get when one OID is missing; the type is then guessed otherwise.
  }
  return {
    system: sys,
    entity: decodeEntity(entity),
    interfaces: decodeInterfaces(ifTable, ifXTable),
    ipAddrs: decodeIpAddrs(ipAddr),
    neighbours: decodeLldp(lldpRem, lldpMan, basePort),
    arp: decodeArp(arp),
    fdb: decodeFdb(dot1d, dot1q, basePort),
    notes,
    hasPrinterMib,
    hasUpsMib,
  };
}
