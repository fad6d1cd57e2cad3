import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { validate } from '../request.js';
import { shellProps } from './shell.js';
import { severityRank } from '../../monitor/rules.js';
import { TIERS } from '../../monitor/tiers.js';
import type { DeviceRecord, EventRecord } from '../../store/types.js';
import {
  EVENT_KIND_LABELS,
  MonitoringPage,
  type EventKind,
} from '../../../views/pages/monitoring.js';

const EVENTS_PER_PAGE = 50;
/** The jobs that do the monitoring, in the order they are listed. */
const MONITORING_JOBS = [
  'reachability',
  'snmp-poll',
  'service-checks',
  'metrics-maintenance',
  'inspections',
];
const SEVERITIES = ['info', 'warning', 'minor', 'major', 'critical'] as const;
// Every kind the store records has words on the page (a new kind fails to compile here).
const KIND_WORDS = EVENT_KIND_LABELS satisfies Record<EventRecord['kind'], string>;
const KINDS = Object.keys(KIND_WORDS) as [EventKind, ...EventKind[]];

/** An empty form field means "any". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const eventFilterSchema = z.object({
  severity: optional(z.enum(SEVERITIES)),
  kind: optional(z.enum(KINDS)),
  // An event key: an ISO time, a counter and a random suffix.
  before: optional(
    z
      .string()
      .max(64)
      .regex(/^[\w:.-]+$/, 'is not an event cursor'),
  ),
});

const TIER_WORDS: Record<string, string> = {
  raw: 'Every poll',
  '5m': '5-minute averages',
  '1h': 'Hourly averages',
  '1d': 'Daily averages',
};

function retention(s: number): string {
  const days = Math.round(s / 86_400);
  return days >= 365 ? `${Math.round(days / 365)} years` : `${days} days`;
}

/** /monitoring: alerts raised now, events, the way to rules and inspections, monitoring health. */
export function monitoringPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const f = validate(eventFilterSchema, c.req.query(), 'The filter');
    const [site, alerts, events, rules, due, jobs] = await Promise.all([
      deps.site.get(),
      deps.alerts.active(),
      deps.store.events.query({
        limit: EVENTS_PER_PAGE,
        ...(f.kind ? { kinds: [f.kind] } : {}),
        ...(f.severity ? { minSeverity: severityRank(f.severity), severityRank } : {}),
        ...(f.before ? { before: f.before } : {}),
      }),
      deps.rules.list(),
      deps.inspections.dueSummary(),
      deps.scheduler.status(),
    ]);
    const ids = [...new Set(events.items.flatMap((e) => (e.deviceId ? [e.deviceId] : [])))];
    const names = new Map(
      (await deps.store.devices.byId.getMany(ids))
        .filter((d): d is DeviceRecord => d !== undefined)
        .map((d) => [d.id, d.name]),
    );
    const usage = deps.metrics.usage();
    const byName = new Map(jobs.map((j) => [j.name, j]));
    return c.html(
      <MonitoringPage
        {...shellProps(c, deps)}
        timezone={site.timezone}
        alerts={alerts}
        events={events.items.map((e) => ({
          key: e.key,
          at: e.at,
          kind: e.kind,
          severity: e.severity,
          message: e.message,
          deviceId: e.deviceId,
          deviceName: e.deviceId ? names.get(e.deviceId) : undefined,
        }))}
        filter={f}
        next={events.next}
        rules={{ total: rules.length, enabled: rules.filter((r) => r.enabled).length }}
        inspections={due.counts}
        metricsStore={{
          bytes: usage.bytes,
          quotaBytes: usage.quotaBytes,
          tiers: [
            { label: 'The current hour, not yet compressed', bytes: usage.byTier.rows ?? 0 },
            ...TIERS.map((t) => ({
              label: `${TIER_WORDS[t.name] ?? t.name}, kept ${retention(t.retentionS)}`,
              bytes: usage.byTier[t.name] ?? 0,
            })),
          ],
          suspended: deps.metrics.suspended,
        }}
        traps={(() => {
          const t = deps.traps.info();
          return {
            state: !t.enabled ? 'off' : t.listening ? 'listening' : t.error ? 'failed' : 'idle',
            accepted: t.stats?.accepted,
          } as const;
        })()}
        jobs={MONITORING_JOBS.flatMap((name) => {
          const j = byName.get(name);
          if (!j) return [];
          return [
            {
              name: j.name,
              title: j.title,
              description: j.description,
              running: j.running,
              lastStatus: j.lastRun?.status,
              lastAt: j.lastRun?.startedAt,
              lastSummary: j.lastRun?.error
                ? `${j.lastRun.error.code}: ${j.lastRun.error.message}`
                : j.lastRun?.summary,
              nextRunAt: j.nextRunAt,
            },
          ];
        })}
      />,
    );
  });

  return app;
}
