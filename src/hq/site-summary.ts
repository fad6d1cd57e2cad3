import os from 'node:os';
import { createHash } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { Clock } from '../core/time.js';
import type { MonitorService } from '../monitor/monitor-service.js';
import type { MetricsService } from '../monitor/metrics-service.js';
import type { IncidentService } from '../incidents/incident-service.js';
import type { BackupService, JobStatus } from '../backup/backup-service.js';
import type { SiteService } from '../settings/site-service.js';
import type { ChangeFeedService } from './change-feed.js';
import type { SiteSummary } from './site-summary-schema.js';
import { sampleBoxHealth, type BoxHealth } from './box-health.js';
import { compareText } from '../lib/collate.js';

export interface SiteSummaryDeps {
  store: Store;
  clock: Clock;
  site: SiteService;
  monitor: MonitorService;
  metrics: MetricsService;
  incidents: IncidentService;
  backups: BackupService;
  changeFeed: ChangeFeedService;
  version: string;
  startedAt: number;
}

/** The summary as sent: its JSON bytes and their entity tag. */
export interface SiteSummaryBody {
  json: string;
  etag: string;
  summary: SiteSummary;
}

/** How long a built summary is served as is: HQ polling many boxes at once costs one build. */
const SUMMARY_TTL_MS = 2_000;
/** The box's own health is sampled this often (a directory walk and a statfs). */
const HEALTH_TTL_MS = 60_000;
const MIB = 1024 * 1024;
const FINAL_FAILURES = new Set(['failed', 'interrupted']);

function backupJobs(status: readonly JobStatus[]): SiteSummary['backups'] {
  let failing = 0;
  let lastGoodAt: string | undefined;
  const jobs = status.map(({ job, lastRun, lastGood }) => {
    const goodAt = lastGood ? (lastGood.finishedAt ?? lastGood.startedAt) : undefined;
    if (goodAt && (!lastGoodAt || goodAt > lastGoodAt)) lastGoodAt = goodAt;
    const isFailing =
      job.enabled && (!!job.staleSince || (!!lastRun && FINAL_FAILURES.has(lastRun.status)));
    if (isFailing) failing += 1;
    return {
      id: job.id,
      name: job.name,
      enabled: job.enabled,
      ...(lastRun
        ? { lastResult: lastRun.status, lastRunAt: lastRun.finishedAt ?? lastRun.startedAt }
        : {}),
      ...(goodAt ? { lastGoodAt: goodAt } : {}),
      ...(job.staleSince ? { staleSince: job.staleSince } : {}),
      ...(job.lastRestoreTestAt ? { lastRestoreTestAt: job.lastRestoreTestAt } : {}),
      failing: isFailing,
    };
  });
  return { jobs, failing, ...(lastGoodAt ? { lastGoodAt } : {}) };
}

/**
 * `GET /api/v1/site`: one cheap answer for HQ. Counts come from what the services keep in memory
 * (reachability states, unresolved incidents) plus one read of the inventory and the backup jobs;
 * the result is kept for a moment so that many pollers at once cost one build, and it carries an
 * ETag of its bytes so that an unchanged site answers 304.
 */
export class SiteSummaryService {
  private cached: { at: number; body: Promise<SiteSummaryBody> } | undefined;
  private health: { at: number; value: Promise<BoxHealth> } | undefined;

  constructor(private readonly deps: SiteSummaryDeps) {}

  /** The current summary (built at most once per TTL; concurrent callers share the build). */
  get(): Promise<SiteSummaryBody> {
    const now = this.deps.clock.now();
    if (!this.cached || now - this.cached.at >= SUMMARY_TTL_MS || now < this.cached.at) {
      const body = this.build(now);
      this.cached = { at: now, body };
      // A failed build is not kept: the next request tries again.
      body.catch(() => {
        if (this.cached?.body === body) this.cached = undefined;
      });
    }
    return this.cached.body;
  }

  private boxHealth(now: number): Promise<BoxHealth> {
    if (!this.health || now - this.health.at >= HEALTH_TTL_MS || now < this.health.at) {
      const value = sampleBoxHealth(this.deps.store.dataDir, now);
      this.health = { at: now, value };
      value.catch(() => {
        if (this.health?.value === value) this.health = undefined;
      });
    }
    return this.health.value;
  }

  private async build(now: number): Promise<SiteSummaryBody> {
    const { store, site, monitor, incidents, backups, metrics, changeFeed } = this.deps;
    // Taken before anything is read: every change after it is in the feed, so a client that
    // continues from here misses nothing this summary does not already show.
    const cursor = await changeFeed.currentCursor();
    const [boxId, siteSettings, devices, states, open, jobStatus, health] = await Promise.all([
      store.settings.boxId(),
      site.get(),
      store.devices.list(),
      monitor.statuses(),
      incidents.unresolved(),
      backups.overview(),
      this.boxHealth(now),
    ]);

    const byStatus = { up: 0, down: 0, flapping: 0, unknown: 0 };
    const byType: Record<string, number> = {};
    for (const d of devices) {
      byStatus[states.get(d.id) ?? 'unknown'] += 1;
      byType[d.type] = (byType[d.type] ?? 0) + 1;
    }

    const bySeverity = { critical: 0, major: 0, minor: 0, warning: 0, info: 0 };
    let unacknowledged = 0;
    let oldestOpenAt: string | undefined;
    for (const i of open) {
      bySeverity[i.severity] += 1;
      if (i.state === 'open') unacknowledged += 1;
      if (!oldestOpenAt || i.openedAt < oldestOpenAt) oldestOpenAt = i.openedAt;
    }

    const usage = metrics.usage();
    const summary: SiteSummary = {
      box: {
        id: boxId ?? '',
        hostname: os.hostname(),
        version: this.deps.version,
        startedAt: new Date(this.deps.startedAt).toISOString(),
        uptimeS: Math.max(
          0,
          Math.floor((Date.parse(health.sampledAt) - this.deps.startedAt) / 1000),
        ),
      },
      site: {
        name: siteSettings.name,
        location: siteSettings.location,
        timezone: siteSettings.timezone,
        contact: siteSettings.contact,
      },
      devices: { total: devices.length, byStatus, byType: sortedKeys(byType) },
      incidents: {
        open: open.length,
        unacknowledged,
        bySeverity,
        ...(oldestOpenAt ? { oldestOpenAt } : {}),
      },
      backups: backupJobs(jobStatus),
      changes: { cursor },
      health: {
        sampledAt: health.sampledAt,
        disk: health.disk,
        memory: health.memory,
        load: health.load,
        cpus: health.cpus,
        store: {
          bytes: health.storeBytes,
          // Rounded like the other health figures: it grows with every poll.
          metricsBytes: Math.round(usage.bytes / MIB) * MIB,
          metricsQuotaBytes: usage.quotaBytes,
        },
      },
    };
    const json = JSON.stringify(summary);
    const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
    return { json, etag, summary };
  }
}

function sortedKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => compareText(a, b)));
}
