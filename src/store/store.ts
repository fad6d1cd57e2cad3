import type { Db, BatchOp } from './db.js';
import { METRICS_DB_MEMORY, metricsDir, openDb, writeBatch } from './db.js';
import { relocateMetrics, isMetricsKey } from './metrics-relocation.js';
import { migrate, type MigrationResult } from './migrations.js';
import { UsersStore } from './users.js';
import { SessionsStore } from './sessions.js';
import { TokensStore } from './tokens.js';
import { AuditStore } from './audit.js';
import { JobRunsStore } from './job-runs.js';
import { SettingsStore } from './settings.js';
import { CredentialsStore } from './credentials.js';
import { DevicesStore } from './devices.js';
import { ScansStore } from './scans.js';
import { EventsStore } from './events.js';
import { AlertsStore } from './alerts.js';
import { RulesStore } from './rules.js';
import { InterfaceMarksStore } from './interface-marks.js';
import { MetricsStore } from './metrics.js';
import { MonitorStateStore } from './monitor-state.js';
import { ServiceChecksStore } from './service-checks.js';
import { InspectionsStore } from './inspections.js';
import { IncidentsStore } from './incidents.js';
import { MaintenanceStore } from './maintenance.js';
import { TrapsStore } from './traps.js';
import { DeviceParentsStore } from './device-parents.js';
import { NotificationsStore } from './notifications.js';
import { BackupsStore } from './backups.js';
import { ChangesStore } from './changes.js';
import type { Clock } from '../core/time.js';
import { randomId } from '../core/ids.js';

/**
 * The store: domain repositories over one LevelDB, and the one way to write atomically. The
 * metrics have a LevelDB of their own (`metricsDir`); nothing writes across the two.
 */
export class Store {
  readonly users: UsersStore;
  readonly sessions: SessionsStore;
  readonly tokens: TokensStore;
  readonly audit: AuditStore;
  readonly jobRuns: JobRunsStore;
  readonly settings: SettingsStore;
  readonly credentials: CredentialsStore;
  readonly devices: DevicesStore;
  readonly scans: ScansStore;
  readonly events: EventsStore;
  readonly alerts: AlertsStore;
  readonly rules: RulesStore;
  readonly interfaceMarks: InterfaceMarksStore;
  readonly metrics: MetricsStore;
  readonly monitorState: MonitorStateStore;
  readonly serviceChecks: ServiceChecksStore;
  readonly inspections: InspectionsStore;
  readonly incidents: IncidentsStore;
  readonly maintenance: MaintenanceStore;
  readonly traps: TrapsStore;
  readonly deviceParents: DeviceParentsStore;
  readonly notifications: NotificationsStore;
  readonly backups: BackupsStore;
  /** The change feed for HQ: filled by `write` from device, incident and backup-run writes. */
  readonly changes: ChangesStore;
  readonly dataDir: string;
  migration: MigrationResult | undefined;
  private readonly db: Db;
  private readonly metricsDb: Db;

  constructor(db: Db, metricsDb: Db, dataDir: string) {
    this.db = db;
    this.metricsDb = metricsDb;
    this.dataDir = dataDir;
    this.users = new UsersStore(db);
    this.sessions = new SessionsStore(db);
    this.tokens = new TokensStore(db);
    this.audit = new AuditStore(db);
    this.jobRuns = new JobRunsStore(db);
    this.settings = new SettingsStore(db);
    this.credentials = new CredentialsStore(db);
    this.devices = new DevicesStore(db);
    this.scans = new ScansStore(db);
    this.events = new EventsStore(db);
    this.alerts = new AlertsStore(db);
    this.rules = new RulesStore(db);
    this.interfaceMarks = new InterfaceMarksStore(db);
    this.metrics = new MetricsStore(metricsDb);
    this.monitorState = new MonitorStateStore(db);
    this.serviceChecks = new ServiceChecksStore(db);
    this.inspections = new InspectionsStore(db);
    this.incidents = new IncidentsStore(db);
    this.maintenance = new MaintenanceStore(db);
    this.traps = new TrapsStore(db);
    this.deviceParents = new DeviceParentsStore(db);
    this.notifications = new NotificationsStore(db);
    this.backups = new BackupsStore(db);
    this.changes = new ChangesStore(db, [
      [this.devices.byId, 'device'],
      [this.incidents.sub, 'incident'],
      [this.backups.runs, 'backupRun'],
    ]);
  }

  /**
   * Every key and value of the store as bytes, read from implicit snapshots of both LevelDBs
   * taken together: a consistent copy while the service keeps writing (the appliance's own
   * backup). The metrics come last, under the same keys as when they shared the main LevelDB.
   */
  async *rawEntries(): AsyncGenerator<[Buffer, Buffer]> {
    const opts = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as const;
    // Both iterators first: each takes its snapshot when it is made, so the two are of a moment.
    const iterators = [this.db.iterator(opts), this.metricsDb.iterator(opts)];
    for (const it of iterators)
      for await (const [k, v] of it) yield [k as unknown as Buffer, v as unknown as Buffer];
  }

  /**
   * Writes raw entries (restoring an export into an empty store): metrics keys into the metrics'
   * LevelDB, whichever layout the export has (an older one is brought up to date on next open).
   */
  async putRaw(entries: ReadonlyArray<[Buffer, Buffer]>): Promise<void> {
    const opts = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as never;
    const put = ([key, value]: [Buffer, Buffer]) => ({ type: 'put' as const, key, value });
    const metrics = entries.filter(([k]) => isMetricsKey(k));
    const rest = metrics.length ? entries.filter(([k]) => !isMetricsKey(k)) : entries;
    if (rest.length) await this.db.batch(rest.map(put) as never, opts);
    if (metrics.length) await this.metricsDb.batch(metrics.map(put) as never, opts);
    await this.changes.newEpochAfterImport();
  }

  /** Applies all writes or none; device, incident and backup-run writes add their changes. */
  async write(ops: BatchOp[]): Promise<void> {
    if (this.changes.watches(ops))
      await this.changes.capture(ops, (all) => writeBatch(this.db, all));
    else await writeBatch(this.db, ops);
    for (const l of this.writeListeners) l(ops);
  }

  private readonly writeListeners: Array<(ops: readonly BatchOp[]) => void> = [];

  /**
   * Calls `listener` with the ops of every batch write() committed, for services that keep
   * something derived from stored records in memory. It must be quick and must not throw.
   */
  onWrite(listener: (ops: readonly BatchOp[]) => void): void {
    this.writeListeners.push(listener);
  }

  get isOpen(): boolean {
    return this.db.status === 'open' && this.metricsDb.status === 'open';
  }

  async close(): Promise<void> {
    for (const db of [this.metricsDb, this.db])
      if (db.status === 'open' || db.status === 'opening') await db.close();
  }
}

/** Opens the store in the data directory and brings its schema up to date. */
export async function openStore(dataDir: string, opts: { clock?: Clock } = {}): Promise<Store> {
  const db = await openDb(dataDir);
  let metricsDb: Db | undefined;
  try {
    metricsDb = await openDb(dataDir, metricsDir(dataDir), METRICS_DB_MEMORY);
    const store = new Store(db, metricsDb, dataDir);
    if (opts.clock) store.changes.now = () => opts.clock!.now();
    store.migration = await migrate(db);
    await relocateMetrics(db, metricsDb);
    await store.changes.ready();
    await store.metrics.load();
    if (!(await store.settings.boxId())) await store.write([store.settings.boxIdOp(randomId(9))]);
    return store;
  } catch (err) {
    await metricsDb?.close();
    await db.close();
    throw err;
  }
}
