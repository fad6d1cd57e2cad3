import os from 'node:os';
import { statfs } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../core/time.js';
import type { JobRunRecord } from '../store/types.js';
import type { BackupTarget } from '../store/backups.js';
import type { SiteService } from '../settings/site-service.js';
import type { MonitorService } from '../monitor/monitor-service.js';
import type { MetricsService } from '../monitor/metrics-service.js';
import type { IncidentService } from '../incidents/incident-service.js';
import type { TrapService } from '../incidents/trap-service.js';
import type { BackupService, JobStatus as BackupStatus } from '../backup/backup-service.js';
import type { JobStatus } from '../jobs/types.js';
import type { BadAuthKind } from '../auth/bad-auth-limiter.js';
import { SEVERITIES } from '../monitor/rules.js';
import { InterfaceLabels } from './interface-labels.js';
import { InterfaceColumns, renderDeviceFamilies, summaryOf } from './device-families.js';
import { ExpositionWriter } from './exposition.js';
import { Page, PagePool } from './page-pool.js';

/** What the exporter reads at scrape time; it keeps nothing of its own but caches of labels. */
export interface PrometheusDeps {
  config: Pick<Config, 'dataDir' | 'monitor'>;
  store: Store;
  clock: Clock;
  site: Pick<SiteService, 'get'>;
  monitor: Pick<MonitorService, 'statuses' | 'generation'>;
  metrics: Pick<MetricsService, 'usage' | 'suspended'>;
  incidents: Pick<IncidentService, 'unresolved'>;
  backups: Pick<BackupService, 'overview' | 'listTargets'>;
  scheduler: { status(): Promise<JobStatus[]> };
  traps: Pick<TrapService, 'info'>;
  /** Failed authentication attempts since start, by kind (the bad-credentials throttle's count). */
  authFailures: () => Readonly<Record<BadAuthKind, number>>;
  version: string;
}

/** The small part is served again to scrapes that start within this long after it. */
const REUSE_MS = 1_000;
/** The per-device part is rebuilt after this long even when nothing moved (values age out). */
const DEVICE_PART_MAX_AGE_MS = 60_000;

/** The small families as text, built for each scrape. */
interface Head {
  body: Buffer;
  buildMs: number;
}
/** The per-device families, and the device counts they were built from. */
interface DevicePart {
  counts: Snapshot['devices'];
  page: Page;
}
/** One scrape's answer: the small part, then the per-device part. */
export interface Scrape {
  head: Head;
  devices: Page;
  /** The per-device part was built before this scrape (nothing had changed since). */
  devicesReused: boolean;
  /** Milliseconds of building this scrape waited for. */
  buildMs: number;
}

const BACKUP_RESULTS = ['succeeded', 'warning', 'failed', 'interrupted', 'running'] as const;
const TRAP_RESULTS = ['accepted', 'dropped', 'malformed', 'auth_failure', 'ignored'] as const;

/** Everything the small families show, read once per scrape before prom-client renders them. */
interface Snapshot {
  nowS: number;
  info: { box: string; hostname: string; site: string };
  devices: Record<'up' | 'down' | 'flapping' | 'unknown', number>;
  incidents: Map<string, number>;
  backups: BackupStatus[];
  targets: BackupTarget[];
  jobs: Array<{ status: JobStatus; finished?: JobRunRecord }>;
  disk?: { size: number; free: number };
  traps?: NonNullable<ReturnType<TrapService['info']>['stats']>;
}

const seconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : undefined);

/**
 * GET /metrics for HQ's Prometheus. A prom-client registry of this app (no global default
 * registry) holds the process metrics (prefix `caretaker_`), the auth failure counter and the
 * small families (box, incidents, backups, jobs, traps), each filled at scrape time from one
 * snapshot of the services. The large per-device and per-interface families are written by
 * device-families.ts straight into the text format and appended (see exposition.ts for why),
 * into buffers that are reused from page to page (page-pool.ts).
 *
 * Scrapes that arrive while a page is being built, or within a second of it, share it, so any
 * number of pollers at once costs one build.
 */
export class PrometheusExporter {
  readonly registry = new Registry();
  private readonly interfaceLabels: InterfaceLabels;
  private readonly interfaceColumns = new InterfaceColumns();
  private snap: Snapshot | undefined;
  /** The per-device part being built, or the last one while its key stands and it is young. */
  private devices:
    | {
        key: string;
        startedAt: number;
        done: boolean;
        part: Promise<DevicePart>;
        built?: DevicePart;
      }
    | undefined;
  /** The small part being built, or the last one while it is younger than REUSE_MS. */
  private head: { startedAt: number; done: boolean; head: Promise<Head> } | undefined;
  private readonly pool = new PagePool();
  private boxId: string | undefined;
  private lastLength = 0;

  constructor(private readonly deps: PrometheusDeps) {
    this.interfaceLabels = new InterfaceLabels(deps.store);
    collectDefaultMetrics({ register: this.registry, prefix: 'caretaker_' });
    // prom-client names these three gauges `_total`, which promtool rejects; they are only the
    // sums of caretaker_nodejs_active_{handles,requests,resources}{type}, which stay.
    for (const kind of ['handles', 'requests', 'resources'])
      this.registry.removeSingleMetric(`caretaker_nodejs_active_${kind}_total`);
    const failures = deps.authFailures;
    new Counter({
      name: 'caretaker_http_auth_failures_total',
      help: 'Requests refused for a bad API token (anywhere) or bad basic credentials (/metrics).',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [kind, n] of Object.entries(failures())) this.inc({ kind }, n);
      },
    });
    this.smallFamilies();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The current page, in two parts. The large per-device part is rebuilt only when what it shows
   * can have changed: a monitoring cycle committed, the inventory changed (the change feed moved),
   * or it is older than DEVICE_PART_MAX_AGE_MS (values age out of it). Polls come once a minute
   * and reachability every 30 s, so most scrapes get it as built, compressed once. The small part
   * (process, box, incidents, backups, jobs) is built for every scrape, shared by scrapes that
   * arrive while it is built or within REUSE_MS of it.
   */
  async scrape(): Promise<Scrape> {
    const { part, waited } = this.devicePart();
    const devices = await part;
    const head = await this.headPart(devices.counts);
    return {
      head,
      devices: devices.page,
      devicesReused: !waited,
      buildMs: head.buildMs + (waited ? devices.page.buildMs : 0),
    };
  }

  /** The per-device part, and whether this scrape waited for it to be built. */
  private devicePart(): { part: Promise<DevicePart>; waited: boolean } {
    const now = this.deps.clock.now();
    // Read before the data: a change during the build makes the next scrape build again.
    const key = `${this.deps.monitor.generation}|${this.deps.store.changes.visibleSeq}`;
    const c = this.devices;
    if (c && !c.done) return { part: c.part, waited: true };
    if (c && c.key === key && now - c.startedAt < DEVICE_PART_MAX_AGE_MS)
      return { part: c.part, waited: false };
    c?.built?.page.retire();
    const entry: NonNullable<typeof this.devices> = {
      key,
      startedAt: now,
      done: false,
      part: this.buildDevices(),
    };
    this.devices = entry;
    entry.part.then(
      (part) => {
        entry.done = true;
        entry.built = part;
      },
      () => {
        // A failed build is not reused: the next scrape tries again.
        if (this.devices === entry) this.devices = undefined;
      },
    );
    return { part: entry.part, waited: true };
  }

  private headPart(counts: Snapshot['devices']): Promise<Head> {
    const now = this.deps.clock.now();
    const c = this.head;
    if (c && (!c.done || now - c.startedAt < REUSE_MS)) return c.head;
    const entry: NonNullable<typeof this.head> = {
      startedAt: now,
      done: false,
      head: this.buildHead(counts),
    };
    this.head = entry;
    entry.head.then(
      () => {
        entry.done = true;
      },
      () => {
        if (this.head === entry) this.head = undefined;
      },
    );
    return entry.head;
  }

  private async buildHead(counts: Snapshot['devices']): Promise<Head> {
    const started = performance.now();
    const snap = await this.snapshot();
    snap.devices = { ...counts };
    this.snap = snap;
    const body = Buffer.from(await this.registry.metrics(), 'utf8');
    return { body, buildMs: performance.now() - started };
  }

  private async buildDevices(): Promise<DevicePart> {
    const { store, config, monitor, clock } = this.deps;
    const started = performance.now();
    // Only what the page shows is kept: whole records held through the build would outlive the
    // young generation (the box runs with a small one) and cost major collections.
    const [devices, statuses] = await Promise.all([
      store.devices.list().then((all) => all.map(summaryOf)),
      monitor.statuses(),
    ]);
    const interfaces = await this.interfaceLabels.of(devices);
    const counts = { up: 0, down: 0, flapping: 0, unknown: 0 };
    for (const d of devices) counts[statuses.get(d.id) ?? 'unknown'] += 1;
    // The part is about as long as the previous one: start there, so it is rarely regrown.
    const out = new ExpositionWriter(this.pool.take(this.lastLength + 64 * 1024));
    const freshForS = Math.max(
      3 * Math.max(config.monitor.pollIntervalS, config.monitor.reachIntervalS),
      300,
    );
    renderDeviceFamilies(
      {
        devices,
        statuses,
        interfaces,
        metrics: store.metrics,
        columns: this.interfaceColumns,
        freshAfterS: Math.floor(clock.now() / 1000) - freshForS,
      },
      out,
    );
    const body = out.finish();
    this.lastLength = body.length;
    return {
      counts,
      page: new Page(body, performance.now() - started, out.buffer, this.pool),
    };
  }

  private async snapshot(): Promise<Snapshot> {
    const { store, clock, site, incidents, backups, scheduler, traps, config } = this.deps;
    this.boxId ??= (await store.settings.boxId()) ?? '';
    const [s, open, overview, targets, jobs, disk] = await Promise.all([
      site.get(),
      incidents.unresolved(),
      backups.overview(),
      backups.listTargets(),
      scheduler.status(),
      statfs(config.dataDir).catch(() => undefined),
    ]);
    const byKey = new Map<string, number>();
    for (const i of open) {
      const k = `${i.severity}|${i.state}`;
      byKey.set(k, (byKey.get(k) ?? 0) + 1);
    }
    // A running job's own record has no duration yet: its previous run is the last finished one.
    const finished = await Promise.all(
      jobs.map(async (status) => {
        if (!status.running)
          return { status, ...(status.lastRun ? { finished: status.lastRun } : {}) };
        const prev = (await store.jobRuns.recent(status.name, 2)).find((r) => r.finishedAt);
        return { status, ...(prev ? { finished: prev } : {}) };
      }),
    );
    const trapStats = traps.info().stats;
    return {
      nowS: Math.floor(clock.now() / 1000),
      info: { box: this.boxId, hostname: os.hostname(), site: s.name },
      devices: { up: 0, down: 0, flapping: 0, unknown: 0 },
      incidents: byKey,
      backups: overview,
      targets,
      jobs: finished,
      ...(disk ? { disk: { size: disk.blocks * disk.bsize, free: disk.bavail * disk.bsize } } : {}),
      ...(trapStats ? { traps: trapStats } : {}),
    };
  }

  /** Registers the small families; each fills itself from the scrape's snapshot. */
  private smallFamilies(): void {
    const registers = [this.registry];
    const snap = () => this.snap;
    const gauge = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      fill: (s: Snapshot, set: (labels: Record<L, string>, value: number) => void) => void,
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          const s = snap();
          if (s) fill(s, (labels, value) => this.set(labels as never, value));
        },
      });
    const none = [] as const;

    gauge(
      'caretaker_info',
      'This box (always 1): software version, box id, host name and site name.',
      ['version', 'box', 'hostname', 'site'],
      (s, set) => set({ version: this.deps.version, ...s.info }, 1),
    );
    gauge('caretaker_devices', 'Devices of the inventory by reachability.', ['state'], (s, set) => {
      for (const [state, n] of Object.entries(s.devices)) set({ state }, n);
    });
    gauge(
      'caretaker_incidents_open',
      'Unresolved incidents by severity and state (open or acknowledged).',
      ['severity', 'state'],
      (s, set) => {
        for (const severity of SEVERITIES)
          for (const state of ['open', 'acknowledged'])
            set({ severity, state }, s.incidents.get(`${severity}|${state}`) ?? 0);
      },
    );
    this.backupFamilies(gauge);
    this.jobFamilies(gauge);
    gauge(
      'caretaker_data_disk_size_bytes',
      'Size of the filesystem of the data directory.',
      none,
      (s, set) => s.disk && set({}, s.disk.size),
    );
    gauge(
      'caretaker_data_disk_free_bytes',
      'Free bytes (for the service) on the filesystem of the data directory.',
      none,
      (s, set) => s.disk && set({}, s.disk.free),
    );
    gauge('caretaker_metrics_store_bytes', 'Bytes of stored metrics.', none, (_s, set) =>
      set({}, this.deps.metrics.usage().bytes),
    );
    gauge(
      'caretaker_metrics_store_quota_bytes',
      'Size limit of the stored metrics.',
      none,
      (_s, set) => set({}, this.deps.metrics.usage().quotaBytes),
    );
    gauge(
      'caretaker_metrics_suspended',
      'Whether metric writes are suspended (1), for a full disk or a write error.',
      none,
      (_s, set) => set({}, this.deps.metrics.suspended ? 1 : 0),
    );
    const traps = (
      name: string,
      help: string,
      fill: (
        t: NonNullable<Snapshot['traps']>,
        set: (l: { result: string }, v: number) => void,
      ) => void,
    ) =>
      new Counter<'result'>({
        name,
        help,
        labelNames: ['result'],
        registers,
        collect() {
          this.reset();
          const t = snap()?.traps;
          if (t) fill(t, (labels, value) => this.inc(labels, value));
        },
      });
    traps(
      'caretaker_traps_total',
      'SNMP trap datagrams received since start, by what became of them (never by sender).',
      (t, set) => {
        const by: Record<(typeof TRAP_RESULTS)[number], number> = {
          accepted: t.accepted,
          dropped: t.dropped,
          malformed: t.malformed,
          auth_failure: t.authFailures,
          ignored: t.ignored,
        };
        for (const result of TRAP_RESULTS) set({ result }, by[result]);
      },
    );
  }

  private backupFamilies(gauge: GaugeFactory): void {
    const labels = ['backup', 'name'] as const;
    const each = (
      s: Snapshot,
      fn: (b: BackupStatus, l: { backup: string; name: string }) => void,
    ) => {
      for (const b of s.backups) fn(b, { backup: b.job.id, name: b.job.name });
    };
    gauge('caretaker_backup_job_enabled', 'Whether the backup job is enabled.', labels, (s, set) =>
      each(s, (b, l) => set(l, b.job.enabled ? 1 : 0)),
    );
    gauge(
      'caretaker_backup_last_success_timestamp_seconds',
      'When the last good (succeeded or warning) backup of the job finished.',
      labels,
      (s, set) =>
        each(s, (b, l) => {
          const t = seconds(b.lastGood?.finishedAt ?? b.lastGood?.startedAt);
          if (t !== undefined) set(l, t);
        }),
    );
    gauge(
      'caretaker_backup_age_seconds',
      'Seconds since the last good backup of the job finished (since the job was created, before its first).',
      labels,
      (s, set) =>
        each(s, (b, l) => {
          const t =
            seconds(b.lastGood?.finishedAt ?? b.lastGood?.startedAt) ?? seconds(b.job.createdAt);
          if (t !== undefined) set(l, Math.max(0, Math.round(s.nowS - t)));
        }),
    );
    gauge(
      'caretaker_backup_last_result',
      'Result of the last backup run of the job (1 for the result it had, 0 for the others; all 0 before the first run).',
      ['backup', 'name', 'result'],
      (s, set) =>
        each(s, (b, l) => {
          for (const result of BACKUP_RESULTS)
            set({ ...l, result }, b.lastRun?.status === result ? 1 : 0);
        }),
    );
    gauge(
      'caretaker_backup_last_run_duration_seconds',
      'How long the last finished backup run of the job took.',
      labels,
      (s, set) =>
        each(s, (b, l) => {
          if (b.lastRun?.durationMs !== undefined) set(l, b.lastRun.durationMs / 1000);
        }),
    );
    gauge(
      'caretaker_backup_target_free_bytes',
      'Free bytes on a backup target at its last check.',
      ['target', 'name'],
      (s, set) => {
        for (const t of s.targets)
          if (t.lastProbe?.freeBytes !== undefined)
            set({ target: t.id, name: t.name }, t.lastProbe.freeBytes);
      },
    );
    gauge(
      'caretaker_backup_target_size_bytes',
      'Size of a backup target at its last check.',
      ['target', 'name'],
      (s, set) => {
        for (const t of s.targets)
          if (t.lastProbe?.totalBytes !== undefined)
            set({ target: t.id, name: t.name }, t.lastProbe.totalBytes);
      },
    );
  }

  private jobFamilies(gauge: GaugeFactory): void {
    const labels = ['job_name'] as const;
    gauge(
      'caretaker_job_running',
      'Whether a background job (discovery, snmp-poll, reachability, …) is running now.',
      labels,
      (s, set) => {
        for (const j of s.jobs) set({ job_name: j.status.name }, j.status.running ? 1 : 0);
      },
    );
    gauge(
      'caretaker_job_last_duration_seconds',
      'How long the last finished run of a background job took (a discovery scan, an SNMP poll cycle, …).',
      labels,
      (s, set) => {
        for (const j of s.jobs)
          if (j.finished?.durationMs !== undefined)
            set({ job_name: j.status.name }, j.finished.durationMs / 1000);
      },
    );
    gauge(
      'caretaker_job_last_success',
      'Whether the last finished run of a background job succeeded (1) or not (0).',
      labels,
      (s, set) => {
        for (const j of s.jobs)
          if (j.finished) set({ job_name: j.status.name }, j.finished.status === 'ok' ? 1 : 0);
      },
    );
    gauge(
      'caretaker_job_last_run_timestamp_seconds',
      'When the last finished run of a background job ended.',
      labels,
      (s, set) => {
        for (const j of s.jobs) {
          const t = seconds(j.finished?.finishedAt);
          if (t !== undefined) set({ job_name: j.status.name }, t);
        }
      },
    );
  }
}

type GaugeFactory = <L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  fill: (s: Snapshot, set: (labels: Record<L, string>, value: number) => void) => void,
) => Gauge<L>;
