import { z } from 'zod';

const severityCounts = z.object({
  critical: z.number().int(),
  major: z.number().int(),
  minor: z.number().int(),
  warning: z.number().int(),
  info: z.number().int(),
});

const backupJobSummary = z.object({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  /** succeeded, warning, failed, interrupted or running; absent before the first run. */
  lastResult: z.string().optional(),
  lastRunAt: z.string().optional().describe('When the last run finished (or started, if running).'),
  lastGoodAt: z.string().optional().describe('When the last succeeded or warning run finished.'),
  staleSince: z.string().optional().describe('Set while the last good backup is too old.'),
  lastRestoreTestAt: z.string().optional(),
  failing: z.boolean().describe('The last run failed, or the job is stale.'),
});

/**
 * The site summary HQ polls (`GET /api/v1/site`). Everything in it is stable between polls unless
 * something happened: the box's health is sampled once a minute and rounded, so that a poller that
 * sends `If-None-Match` mostly gets 304.
 */
export const siteSummarySchema = z.object({
  box: z.object({
    id: z.string().describe('Stable id of this box (kept across restarts and restores).'),
    hostname: z.string(),
    version: z.string(),
    startedAt: z.string().describe('When the service started (ISO 8601).'),
    uptimeS: z.number().int().describe('Service uptime in seconds, as of health.sampledAt.'),
  }),
  site: z.object({
    name: z.string(),
    location: z.string(),
    timezone: z.string(),
    contact: z.string(),
  }),
  devices: z.object({
    total: z.number().int(),
    byStatus: z.object({
      up: z.number().int(),
      down: z.number().int(),
      flapping: z.number().int(),
      unknown: z.number().int(),
    }),
    byType: z.record(z.string(), z.number().int()),
  }),
  incidents: z.object({
    open: z.number().int().describe('Unresolved incidents (open or acknowledged).'),
    unacknowledged: z.number().int(),
    bySeverity: severityCounts,
    oldestOpenAt: z.string().optional(),
  }),
  backups: z.object({
    jobs: z.array(backupJobSummary),
    failing: z.number().int(),
    lastGoodAt: z.string().optional().describe('The newest good backup of any job.'),
  }),
  changes: z.object({
    cursor: z
      .string()
      .describe(
        'A change-feed cursor taken just before this summary was built: continue with GET /api/v1/changes?since=<cursor>.',
      ),
  }),
  health: z.object({
    sampledAt: z.string(),
    disk: z.object({
      path: z.string().describe('The data directory the numbers are for.'),
      totalBytes: z.number(),
      freeBytes: z.number(),
      usedRatio: z.number(),
    }),
    memory: z.object({
      totalBytes: z.number(),
      availableBytes: z.number(),
      processRssBytes: z.number(),
    }),
    load: z.array(z.number()).length(3).describe('1, 5 and 15 minute load averages.'),
    cpus: z.number().int(),
    store: z.object({
      bytes: z.number().describe('Size of the data directory (LevelDB and files).'),
      metricsBytes: z.number(),
      metricsQuotaBytes: z.number(),
    }),
  }),
});

export type SiteSummary = z.infer<typeof siteSummarySchema>;
