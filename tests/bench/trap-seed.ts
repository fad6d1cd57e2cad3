/**
 * The trap storm's inventory, written into a fresh data directory before the appliance starts
 * (as poll-seed.ts does for the poll benchmark): one access switch per storm source, at
 * 127.1.0.N, with the three ports the traps name, plus the sentinel device (not returned). The trap service maps a trap to its device by
 * the UDP source address. The devices have no SNMP credential, so the poller leaves them alone.
 * Also: reading back what the appliance stored once it has stopped (the store is single-process).
 */
import { openStore } from '../../src/store/store.js';
import type { BatchOp } from '../../src/store/db.js';
import type { DeviceRecord } from '../../src/store/types.js';
import type { InterfaceInfo } from '../../src/discovery/types.js';
import { SENTINEL, SOURCES, sourceAddress } from './trap-storm.js';

export interface SeededSource {
  id: string;
  ip: string;
}

const mac = (n: number) => `02:54:00:00:00:${n.toString(16).padStart(2, '0')}`;

export async function seedTrapSources(dataDir: string): Promise<SeededSource[]> {
  const store = await openStore(dataDir);
  try {
    const now = new Date().toISOString();
    const ops: BatchOp[] = [];
    const seeded: SeededSource[] = [];
    for (let n = 1; n <= SOURCES + 1; n++) {
      const sentinel = n > SOURCES;
      const ip = sentinel ? SENTINEL.address : sourceAddress(n);
      const id = sentinel ? SENTINEL.id : `trapsw${String(n).padStart(3, '0')}`;
      const device: DeviceRecord = {
        id,
        name: `access-sw-${String(n).padStart(3, '0')}`,
        nameSource: 'auto',
        ip,
        addresses: [ip],
        mac: mac(n),
        type: 'switch',
        typeSource: 'auto',
        reasons: ['seeded by traps.bench.ts'],
        snmp: { ok: false },
        services: [],
        interfaceCount: 3,
        notes: '',
        status: 'up',
        missedScans: 0,
        firstSeen: now,
        lastSeen: now,
        lastScanId: 'trap-bench-seed',
      };
      const ports = [1, 2, 3].map((i): InterfaceInfo => ({
        index: i,
        name: `ge-0/0/${i}`,
        descr: `ge-0/0/${i}`,
        alias: '',
        type: 6,
        speedBps: 1_000_000_000,
        adminUp: true,
        operStatus: 'up',
      }));
      ops.push(...store.devices.putOps(device), ...store.devices.interfaceOps(id, ports, []));
      if (!sentinel) seeded.push({ id, ip });
    }
    await store.write(ops);
    return seeded;
  } finally {
    await store.close();
  }
}

export interface StoredCounts {
  traps: number;
  trapsBySource: Map<string, number>;
  events: number;
  /** Events the incident service has not folded yet (its inbox). */
  unfolded: number;
  incidents: number;
}

/** Counts what the appliance stored; call only after it has stopped. */
export async function storedCounts(dataDir: string): Promise<StoredCounts> {
  const store = await openStore(dataDir);
  try {
    const trapsBySource = new Map<string, number>();
    let traps = 0;
    for await (const [, t] of store.traps.sub.iterator()) {
      traps++;
      trapsBySource.set(t.address, (trapsBySource.get(t.address) ?? 0) + 1);
    }
    let events = 0;
    for await (const _ of store.events.sub.keys()) events++;
    let unfolded = 0;
    for await (const _ of store.events.inbox.keys()) unfolded++;
    let incidents = 0;
    for await (const _ of store.incidents.newestFirst()) incidents++;
    return { traps, trapsBySource, events, unfolded, incidents };
  } finally {
    await store.close();
  }
}
