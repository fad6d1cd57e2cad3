/**
 * hq.bench.ts's site, written into a fresh data directory before the appliance starts: 1,000
 * devices with 24 interfaces each (inventory records as a scan's merge writes them), their
 * reachability verdicts, one poll's worth of latest metrics per device (through MetricsService,
 * so the store's open rows are what the started appliance reads back), open incidents (events
 * folded by the real IncidentService) and three backup jobs with run histories.
 *
 * Every device address is on 127.2.0.0/16 (loopback): should a monitoring cycle run during the
 * benchmark after all, it only ever probes this machine.
 */
import { mkdir } from 'node:fs/promises';
import { openStore, type Store } from '../../src/store/store.js';
import { configSchema } from '../../src/config/schema.js';
import { MetricsService } from '../../src/monitor/metrics-service.js';
import { IncidentService } from '../../src/incidents/incident-service.js';
import { initialReachState, type ReachStatus } from '../../src/monitor/reachability.js';
import { createLogger } from '../../src/lib/logger.js';
import type { BatchOp } from '../../src/store/db.js';
import type { DeviceRecord } from '../../src/store/types.js';
import type { InterfaceInfo } from '../../src/discovery/types.js';
import type { MetricsEntry } from '../../src/store/metrics.js';
import type { Sample } from '../../src/monitor/types.js';
import type { BackupJob, BackupRun, BackupTarget } from '../../src/store/backups.js';

export interface HqSiteSize {
  devices: number;
  interfacesPerDevice: number;
  incidents: number;
}

export interface SeededSite extends HqSiteSize {
  series: number;
}

const TYPES = ['switch', 'server', 'access-point', 'printer', 'workstation', 'router', 'ups'];
const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;

/** Ids look like the appliance's own (randomId(8): 11 characters). */
export const deviceId = (n: number) => `dv${n.toString(36).padStart(9, '0')}`;

function device(n: number, now: string): DeviceRecord {
  const id = deviceId(n);
  const ip = `127.2.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  return {
    id,
    name: `${TYPES[n % TYPES.length]}-${String(n).padStart(4, '0')}`,
    nameSource: 'auto',
    ip,
    addresses: [ip],
    mac: `02:43:00:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`,
    type: TYPES[n % TYPES.length]!,
    typeSource: 'auto',
    reasons: ['seeded by hq.bench.ts'],
    // No SNMP credential: the poller leaves the devices alone.
    snmp: { ok: false },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: now,
    lastSeen: now,
    lastScanId: 'hq-bench-seed',
  };
}

function interfaces(count: number): InterfaceInfo[] {
  return Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    // ifName as a Cisco access switch reports it; ifDescr is the long form.
    name: i < count - 2 ? `Gi1/0/${i + 1}` : `Te1/1/${i - count + 3}`,
    descr: i < count - 2 ? `GigabitEthernet1/0/${i + 1}` : `TenGigabitEthernet1/1/${i - count + 3}`,
    alias: i === 0 ? 'uplink to core' : '',
    type: 6,
    speedBps: i < count - 2 ? 1_000_000_000 : 10_000_000_000,
    adminUp: true,
    operStatus: i % 5 === 4 ? 'down' : 'up',
  }));
}

/** One SNMP poll's samples of a device: gauges, two volumes and every interface's rates. */
function samples(n: number, ifCount: number): Sample[] {
  const out: Sample[] = [
    { metric: 'cpu.load_pct', instance: '', value: (n * 7) % 100 },
    { metric: 'mem.used_pct', instance: '', value: 30 + ((n * 3) % 60) },
    { metric: 'uptime.s', instance: '', value: 86_400 + n * 17 },
    { metric: 'poll.ms', instance: '', value: 120 + (n % 50) },
    { metric: 'storage.used_pct', instance: '1', value: 20 + (n % 70) },
    { metric: 'storage.used_bytes', instance: '1', value: (20 + (n % 70)) * 1e9 },
    { metric: 'storage.used_pct', instance: '31', value: 55 },
    { metric: 'storage.used_bytes', instance: '31', value: 2.2e9 },
  ];
  for (let i = 1; i <= ifCount; i++) {
    const inst = String(i);
    const up = i % 5 !== 0;
    out.push(
      { metric: 'if.oper_up', instance: inst, value: up ? 1 : 0 },
      { metric: 'if.in_bps', instance: inst, value: up ? 1_000 * ((n * i) % 9_973) : 0 },
      { metric: 'if.out_bps', instance: inst, value: up ? 1_300 * ((n + i) % 7_919) : 0 },
      { metric: 'if.in_util_pct', instance: inst, value: up ? 1.5 : 0 },
      { metric: 'if.out_util_pct', instance: inst, value: up ? 2.5 : 0 },
      { metric: 'if.in_errors_ps', instance: inst, value: (n + i) % 97 === 0 ? 0.25 : 0 },
      { metric: 'if.out_errors_ps', instance: inst, value: 0 },
      { metric: 'if.in_discards_ps', instance: inst, value: (n * i) % 89 === 0 ? 1.5 : 0 },
      { metric: 'if.out_discards_ps', instance: inst, value: 0 },
    );
  }
  return out;
}

function reachStatus(n: number): ReachStatus {
  if (n % 97 === 0) return 'down';
  if (n % 331 === 0) return 'flapping';
  return 'up';
}

async function seedBackups(store: Store, targetDir: string, nowMs: number): Promise<void> {
  const iso = (ms: number) => new Date(ms).toISOString();
  await mkdir(targetDir, { recursive: true });
  const target: BackupTarget = {
    id: 'tgbench',
    name: 'USB disk',
    kind: 'local',
    path: targetDir,
    minFreeMiB: 1,
    minFreeInodes: 10,
    createdAt: iso(nowMs - 30 * 86_400_000),
    createdBy: 'bench',
    updatedAt: iso(nowMs - 30 * 86_400_000),
    lastProbe: { at: iso(nowMs), ok: true, freeBytes: 400e9, totalBytes: 1e12 },
  };
  const ops: BatchOp[] = [store.backups.targetOp(target)];
  const jobs: Array<[string, string, BackupRun['status'][]]> = [
    ['bkfiles', 'File share', ['succeeded', 'succeeded', 'warning']],
    ['bkmail', 'Mail archive', ['succeeded', 'failed', 'failed']],
    ['bkerp', 'ERP database', ['succeeded', 'succeeded', 'succeeded']],
  ];
  for (const [id, name, statuses] of jobs) {
    const job: BackupJob = {
      id,
      name,
      targetId: target.id,
      sources: [{ kind: 'local', path: `/srv/${id}` }],
      include: [],
      exclude: [],
      oneFileSystem: true,
      numericIds: true,
      aclsXattrs: false,
      schedule: '',
      retention: { daily: 7, weekly: 4 },
      verifySample: 20,
      enabled: true,
      createdAt: iso(nowMs - 30 * 86_400_000),
      createdBy: 'bench',
      updatedAt: iso(nowMs - 30 * 86_400_000),
    };
    ops.push(store.backups.jobOp(job));
    statuses.forEach((status, k) => {
      const started = nowMs - (statuses.length - k) * 86_400_000;
      ops.push(
        ...store.backups.runOps({
          id: `${iso(started)}-${id}`,
          jobId: id,
          jobName: name,
          kind: 'backup',
          status,
          trigger: 'schedule',
          by: 'system:schedule',
          startedAt: iso(started),
          finishedAt: iso(started + 600_000),
          durationMs: 600_000,
          ...(status === 'failed'
            ? { error: { code: 'RSYNC_FAILED', message: 'rsync exited with 23' } }
            : {}),
        }),
      );
    });
  }
  await store.write(ops);
}

/**
 * Seeds the site into `dataDir` (a fresh directory) and closes the store again; the backup
 * target is the directory `targetDir` (made here).
 */
export async function seedHqSite(
  dataDir: string,
  targetDir: string,
  size: HqSiteSize = { devices: 1_000, interfacesPerDevice: 24, incidents: 40 },
): Promise<SeededSite> {
  const store = await openStore(dataDir);
  const logger = createLogger('silent');
  const nowMs = Date.now();
  const clock = { now: () => nowMs };
  const now = new Date(nowMs).toISOString();
  try {
    const ifs = interfaces(size.interfacesPerDevice);
    const batch: BatchOp[] = [];
    for (let n = 1; n <= size.devices; n++) {
      const d = { ...device(n, now), interfaceCount: ifs.length };
      batch.push(...store.devices.putOps(d), ...store.devices.interfaceOps(d.id, ifs, []));
      const status = reachStatus(n);
      batch.push(
        store.monitorState.putOp({
          deviceId: d.id,
          reach: {
            ...initialReachState(),
            status,
            stable: status === 'flapping' ? 'up' : status,
            since: nowMs - 3_600_000,
            stableSince: nowMs - 3_600_000,
            lastProbeAt: nowMs,
            lastUp: status === 'up',
          },
        }),
      );
      if (batch.length >= 5_000) await store.write(batch.splice(0));
    }
    await store.write(batch.splice(0));

    const metrics = new MetricsService({
      store,
      clock,
      logger,
      policy: { quotaBytes: 2048 * 1024 * 1024, minFreeBytes: 1, pollIntervalS: 60 },
    });
    let series = 0;
    let entries: MetricsEntry[] = [];
    for (let n = 1; n <= size.devices; n++) {
      const id = deviceId(n);
      const s = samples(n, size.interfacesPerDevice);
      series += s.length + 1;
      entries.push(
        {
          deviceId: id,
          source: 'snmp',
          at: nowMs,
          samples: s,
          labels: { 'storage.used_pct|1': '/', 'storage.used_pct|31': '/var' },
        },
        {
          deviceId: id,
          source: 'reach',
          at: nowMs,
          samples: [{ metric: 'reach.rtt_ms', instance: '', value: 0.4 + (n % 10) / 10 }],
        },
      );
      if (entries.length >= 200) {
        if (!(await metrics.write(entries))) throw new Error('seeding metrics was refused');
        entries = [];
      }
    }
    if (entries.length && !(await metrics.write(entries)))
      throw new Error('seeding metrics was refused');

    // Open incidents, folded from events by the real incident service.
    const config = configSchema.parse({ dataDir, logLevel: 'silent' });
    const incidents = new IncidentService({
      store,
      clock,
      logger,
      config,
      statuses: async () => new Map(),
      ancestors: async () => [],
    });
    const events: BatchOp[] = [];
    for (let k = 0; k < size.incidents; k++) {
      const n = 1 + ((k * 37) % size.devices);
      const id = deviceId(n);
      events.push(
        ...store.events.appendOps(
          {
            kind: 'alert.raised',
            severity: SEVERITIES[k % SEVERITIES.length]!,
            deviceId: id,
            message: `${id}: interface errors above threshold`,
            details: {
              key: `if-errors/${id}/${k}`,
              rule: 'if-errors',
              title: 'Interface errors',
              instance: String(k),
            },
          },
          nowMs,
        ),
      );
    }
    await store.write(events);
    while ((await incidents.pump()) > 0) {
      // folds the inbox in slices
    }
    await seedBackups(store, targetDir, nowMs);
    return { ...size, series };
  } finally {
    await store.close();
  }
}
