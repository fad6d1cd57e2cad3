/**
 * Trims `snmpwalk -On` output for fixtures: whole entries only (a Hex-STRING value wraps onto
 * continuation lines), without the host's process and software tables and without storage rows
 * that name this machine's own mount points (snmpd serves the host's HOST-RESOURCES data).
 */

export interface WalkEntry {
  oid: string;
  /** The entry's text, continuation lines included, without the final newline. */
  text: string;
}

export function parseWalk(output: string): WalkEntry[] {
  const entries: WalkEntry[] = [];
  for (const line of output.split('\n')) {
    const m = /^(\.?\d+(?:\.\d+)*) = /.exec(line);
    if (m) entries.push({ oid: m[1]!.replace(/^(?!\.)/, '.'), text: line });
    else if (entries.length > 0 && line !== '') entries.at(-1)!.text += `\n${line}`;
  }
  return entries;
}

const under = (oid: string, prefix: string): boolean =>
  oid === prefix || oid.startsWith(`${prefix}.`);

/** Subtrees of mib-2 kept in a device fixture. */
const KEEP = [
  '.1.3.6.1.2.1.1', // system
  '.1.3.6.1.2.1.2', // interfaces
  '.1.3.6.1.2.1.4', // ip (trimmed below)
  '.1.3.6.1.2.1.25', // host resources (trimmed below)
  '.1.3.6.1.2.1.31', // ifMIB (ifXTable)
  '.1.3.6.1.2.1.47', // ENTITY-MIB
  // BRIDGE-MIB, UPS-MIB and Printer-MIB of simulated devices are recorded in files of their own.
];

const DROP = [
  '.1.3.6.1.2.1.4.24', // ipForward / inetCidrRouteTable
  '.1.3.6.1.2.1.4.31', // ipTrafficStats
  '.1.3.6.1.2.1.4.32', // ipAddressPrefixTable
  '.1.3.6.1.2.1.4.33', // ipAddressSpinLock
  '.1.3.6.1.2.1.4.35', // ipNetToPhysicalTable
  '.1.3.6.1.2.1.4.36', // ipv6ScopeZoneIndexTable
  '.1.3.6.1.2.1.25.3.8', // hrFSTable (the host's mounts)
  '.1.3.6.1.2.1.25.4', // hrSWRun
  '.1.3.6.1.2.1.25.5', // hrSWRunPerf
  '.1.3.6.1.2.1.25.6', // hrSWInstalled
];

const HR_STORAGE_ENTRY = '.1.3.6.1.2.1.25.2.3.1';

/** hrStorage rows worth keeping: memory and swap, and the root file system. */
function storageIndexes(entries: WalkEntry[]): Set<string> {
  const keep = new Set<string>();
  for (const e of entries) {
    if (!under(e.oid, `${HR_STORAGE_ENTRY}.3`)) continue;
    const descr = /STRING: "(.*)"/.exec(e.text)?.[1] ?? '';
    if (!descr.startsWith('/') || descr === '/') keep.add(e.oid.split('.').at(-1)!);
  }
  return keep;
}

/** Tables that grow with the device (a 48-port switch): only their first rows are kept, whole. */
const ROW_LIMITED = [
  '.1.3.6.1.2.1.2.2.1', // ifEntry
  '.1.3.6.1.2.1.31.1.1.1', // ifXEntry
  '.1.3.6.1.2.1.47.1.1.1.1', // entPhysicalEntry
  '.1.3.6.1.2.1.25.3.2.1', // hrDeviceEntry
];

/** Whether the entry is in the first `rows` rows of its table (every column of a row is kept). */
function rowFilter(rows: number): (e: WalkEntry) => boolean {
  const seen = new Map<string, Set<string>>();
  return (e) => {
    const table = ROW_LIMITED.find((t) => under(e.oid, t));
    if (!table) return true;
    const index = e.oid.slice(table.length + 1).replace(/^\d+\./, '');
    let indexes = seen.get(table);
    if (!indexes) seen.set(table, (indexes = new Set()));
    if (indexes.has(index)) return true;
    if (indexes.size >= rows) return false;
    indexes.add(index);
    return true;
  };
}

export function trimDeviceWalk(output: string, maxEntries = 500, rows = 6): string {
  const entries = parseWalk(output);
  const storage = storageIndexes(entries);
  const firstRows = rowFilter(rows);
  const kept = entries.filter((e) => {
    if (!KEEP.some((p) => under(e.oid, p)) || DROP.some((p) => under(e.oid, p))) return false;
    if (under(e.oid, HR_STORAGE_ENTRY)) return storage.has(e.oid.split('.').at(-1)!);
    return firstRows(e);
  });
  return render(kept, maxEntries);
}

/** A walk of one subtree (LLDP, BRIDGE-MIB, ...), capped at whole entries. */
export function capWalk(output: string, maxEntries = 400): string {
  return render(parseWalk(output), maxEntries);
}

function render(entries: WalkEntry[], maxEntries: number): string {
  const out = entries.slice(0, maxEntries).map((e) => e.text);
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
