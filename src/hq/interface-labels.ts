import type { Store } from '../store/store.js';
import type { DeviceRecord } from '../store/types.js';

type DeviceRef = Pick<DeviceRecord, 'id' | 'lastScanId'>;
import { encodeLabelSets, labelSet, MAX_LABEL_LENGTH } from './exposition.js';

/** Interfaces of one device exported at most (a stacked core switch has a few hundred). */
export const MAX_INTERFACES_PER_DEVICE = 1_024;
/** Inventories read at once when many devices' interfaces must be (re)loaded. */
const READ_CONCURRENCY = 16;

/**
 * A device's exported interfaces: their ifIndexes (the series' instances) and, at the same
 * positions, their `{device="…",ifname="…"}` label sets, encoded once.
 */
export interface DeviceInterfaces {
  indexes: string[];
  sets: Uint8Array[];
}

const NONE: DeviceInterfaces = { indexes: [], sets: encodeLabelSets([]) };

/**
 * The `{device, ifname}` label strings of every device's interfaces, as the inventory has them.
 * Only a scan's merge changes a device's interfaces, and it sets lastScanId (the monitor relies
 * on the same), so a device's list is read from the store again only when that changed: a scrape
 * reads no interface records in the steady state.
 *
 * Interface names are bounded by the inventory. Two interfaces of one device with the same name
 * would make one series twice: the later ones get their ifIndex appended.
 */
export class InterfaceLabels {
  private readonly cache = new Map<string, { scanId: string; list: DeviceInterfaces }>();

  constructor(private readonly store: Store) {}

  /** Each device's labels, in the order given; devices no longer listed are forgotten. */
  async of(devices: readonly DeviceRef[]): Promise<Map<string, DeviceInterfaces>> {
    const stale = devices.filter((d) => this.cache.get(d.id)?.scanId !== d.lastScanId);
    let next = 0;
    const worker = async () => {
      while (next < stale.length) {
        const d = stale[next++]!;
        const interfaces = await this.store.devices.interfacesOf(d.id);
        this.cache.set(d.id, { scanId: d.lastScanId, list: build(d.id, interfaces) });
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, stale.length) }, worker));
    const out = new Map<string, DeviceInterfaces>();
    for (const d of devices) out.set(d.id, this.cache.get(d.id)?.list ?? NONE);
    if (this.cache.size > out.size)
      for (const id of this.cache.keys()) if (!out.has(id)) this.cache.delete(id);
    return out;
  }
}

function build(
  deviceId: string,
  interfaces: ReadonlyArray<{ index: number; name: string; descr: string }>,
): DeviceInterfaces {
  const seen = new Set<string>();
  const indexes: string[] = [];
  const sets: string[] = [];
  for (const i of interfaces.slice(0, MAX_INTERFACES_PER_DEVICE)) {
    let name = (i.name || i.descr || `if${i.index}`).slice(0, MAX_LABEL_LENGTH);
    if (seen.has(name)) name = `${name.slice(0, MAX_LABEL_LENGTH - 12)} #${i.index}`;
    if (seen.has(name)) continue;
    seen.add(name);
    indexes.push(String(i.index));
    sets.push(
      labelSet([
        ['device', deviceId],
        ['ifname', name],
      ]),
    );
  }
  return { indexes, sets: encodeLabelSets(sets) };
}
