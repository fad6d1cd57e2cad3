import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, isHtmx, readForm, validate } from '../request.js';
import { assertRole, formErrors, hasRole, shellProps } from './shell.js';
import { roleAtLeast } from '../../core/roles.js';
import {
  assignSchema,
  incidentQuerySchema,
  noteSchema,
  resolveSchema,
  statsQuerySchema,
} from '../../incidents/incident-service.js';
import { responseTimes } from '../../incidents/incident-machine.js';
import type { IncidentRecord } from '../../incidents/types.js';
import type { DeliveryRecord } from '../../store/notifications.js';
import type { DeviceRecord } from '../../store/types.js';
import { SEVERITIES } from '../../monitor/rules.js';
import {
  IncidentListPage,
  IncidentResults,
  type IncidentListQuery,
  type IncidentResultsProps,
  type IncidentRow,
} from '../../../views/pages/incidents/list.js';
import {
  IncidentMain,
  IncidentPage,
  type DeliveryRow,
  type IncidentMainProps,
} from '../../../views/pages/incidents/detail.js';
import type { ActionValues } from '../../../views/pages/incidents/actions.js';
import type { OpenIncidentsProps } from '../../../views/pages/incidents/dashboard-block.js';
import { incidentHref } from '../../../views/pages/incidents/format.js';
import { compareNatural } from '../../lib/collate.js';

const PAGE_SIZE = 50;
const TIMELINE_LIMIT = 500;
const STATES = ['unresolved', 'open', 'acknowledged', 'resolved', 'all'] as const;

/** An empty form field means "any". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** The list's query string as people's links and the filter form send it. */
const filterSchema = z.object({
  state: optional(z.enum(STATES)),
  severity: optional(z.enum(SEVERITIES)),
  device: optional(z.string().max(64)),
  /** A user id, or `me`. */
  assignee: optional(z.string().max(64)),
  offset: optional(z.coerce.number().int().min(0).max(100_000)),
});

type Names = {
  devices: Map<string, string>;
  users: Map<string, string>;
  windows: Map<string, string>;
};

function userId(c: Context<AppEnv>): string {
  return c.get('auth')!.session!.user.id;
}

/** Device, user and maintenance-window names for a set of incidents, each looked up once. */
async function namesFor(deps: AppDeps, incidents: readonly IncidentRecord[]): Promise<Names> {
  const deviceIds = [
    ...new Set(incidents.flatMap((i) => [i.deviceId, i.suppressedBy]).filter((x) => !!x)),
  ] as string[];
  const needWindows = incidents.some((i) => i.maintenanceId);
  const needUsers = incidents.some((i) => i.assigneeId);
  const [devices, users, windows] = await Promise.all([
    deviceIds.length
      ? deps.store.devices.byId.getMany(deviceIds)
      : Promise.resolve<Array<DeviceRecord | undefined>>([]),
    needUsers ? deps.users.list() : [],
    needWindows ? deps.maintenance.list() : [],
  ]);
  return {
    devices: new Map(
      devices.filter((d): d is DeviceRecord => d !== undefined).map((d) => [d.id, d.name]),
    ),
    users: new Map(users.map((u) => [u.id, u.username])),
    windows: new Map(windows.map((w) => [w.id, w.name])),
  };
}

/**
 * A one-time problem (a trap, a restart): it never was present-and-clearing. The record does not
 * say so directly; a raise records its transition, a one-shot never has one.
 */
function oneShot(i: IncidentRecord): boolean {
  // Records written before `oneShot` existed are recognised by their shape.
  return i.oneShot ?? (!i.active && !i.autoResolve && i.transitions.length === 0 && !i.flapping);
}

function flagsOf(i: IncidentRecord, n: Names) {
  return {
    ...(i.suppressedBy
      ? {
          suppressedBy: {
            id: i.suppressedBy,
            name: n.devices.get(i.suppressedBy) ?? i.suppressedBy,
          },
        }
      : {}),
    ...(i.maintenanceId
      ? { maintenance: { name: n.windows.get(i.maintenanceId) ?? 'a removed window' } }
      : {}),
  };
}

function rowOf(i: IncidentRecord, n: Names): IncidentRow {
  return {
    id: i.id,
    title: i.title,
    severity: i.severity,
    state: i.state,
    ...(i.deviceId ? { device: { id: i.deviceId, name: n.devices.get(i.deviceId) } } : {}),
    count: i.count,
    firstSeen: i.firstSeen,
    lastSeen: i.lastSeen,
    cleared: i.state !== 'resolved' && !i.active && !oneShot(i),
    ...(i.assigneeId ? { assigneeName: n.users.get(i.assigneeId) ?? 'a removed user' } : {}),
    flapping: i.flapping,
    ...flagsOf(i, n),
  };
}

function deliveryRow(d: DeliveryRecord): DeliveryRow {
  const last = d.attempts.at(-1);
  return {
    id: d.id,
    channelName: d.channelName,
    channelKind: d.channelKind,
    kind: d.kind,
    status: d.status,
    attempts: d.attempts.length,
    ...(last ? { lastAttemptAt: last.at } : {}),
    ...(last?.error
      ? { problem: `${last.error.message} (${last.error.code})` }
      : d.status === 'dropped' || d.status === 'failed'
        ? { problem: d.reason }
        : {}),
  };
}

/** The dashboard's "Open incidents" card: the worst five unresolved incidents. */
export async function openIncidentsBlock(deps: AppDeps): Promise<OpenIncidentsProps> {
  const all = await deps.incidents.unresolved();
  const top = all.slice(0, 5);
  const n = await namesFor(deps, top);
  return {
    total: all.length,
    unacknowledged: all.filter((i) => i.state === 'open').length,
    items: top.map((i) => ({
      id: i.id,
      title: i.title,
      severity: i.severity,
      state: i.state,
      ...(i.deviceId ? { deviceId: i.deviceId, deviceName: n.devices.get(i.deviceId) } : {}),
      openedAt: i.openedAt,
      count: i.count,
      ...(i.assigneeId ? { assigneeName: n.users.get(i.assigneeId) ?? 'a removed user' } : {}),
    })),
  };
}

/**
 * /incidents: the list (filters, paging, a body that refreshes itself) and one incident with its
 * timeline, notifications and the people's actions. Everyone signed in reads; operators act.
 */
export function incidentsPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const svc = deps.incidents;
  const timezone = async () => (await deps.site.get()).timezone;

  // ---- the list ---------------------------------------------------------------------------
  const results = async (c: Context<AppEnv>): Promise<IncidentResultsProps> => {
    const f = validate(filterSchema, c.req.query(), 'The filter');
    const query: IncidentListQuery = {
      state: f.state ?? 'unresolved',
      severity: f.severity,
      device: f.device,
      assignee: f.assignee,
      offset: f.offset ?? 0,
      limit: PAGE_SIZE,
    };
    const q = validate(
      incidentQuerySchema,
      {
        state: query.state,
        ...(f.severity ? { severity: f.severity } : {}),
        ...(f.device ? { device: f.device } : {}),
        ...(f.assignee ? { assignee: f.assignee === 'me' ? userId(c) : f.assignee } : {}),
        // One more than shown: whether there is a next page, also where no total is counted.
        limit: PAGE_SIZE + 1,
        offset: query.offset,
      },
      'The filter',
    );
    const [r, tz] = await Promise.all([svc.list(q), timezone()]);
    const items = r.items.slice(0, PAGE_SIZE);
    const names = await namesFor(deps, items);
    return {
      tz,
      now: deps.clock.now(),
      rows: items.map((i) => rowOf(i, names)),
      total: r.total,
      hasMore: r.items.length > PAGE_SIZE,
      counts: r.counts,
      query,
    };
  };

  /** Mean response times over the last 30 days, from the per-rule figures. */
  const recent = async () => {
    const groups = await svc.stats(validate(statsQuerySchema, {}, 'The period'));
    const mean = (pick: (g: (typeof groups)[number]) => [number | undefined, number]) => {
      let sum = 0;
      let n = 0;
      for (const g of groups) {
        const [ms, count] = pick(g);
        if (ms === undefined || !count) continue;
        sum += ms * count;
        n += count;
      }
      return n ? Math.round(sum / n) : undefined;
    };
    return {
      incidents: groups.reduce((a, g) => a + g.incidents, 0),
      mttaMs: mean((g) => [g.mttaMs, g.acknowledged]),
      mttrMs: mean((g) => [g.mttrMs, g.resolved]),
    };
  };

  app.get('/', async (c) => {
    const [res, devices, users, stats] = await Promise.all([
      results(c),
      deps.store.devices.list(),
      deps.users.list(),
      recent(),
    ]);
    return c.html(
      <IncidentListPage
        {...shellProps(c, deps)}
        {...res}
        devices={devices
          .sort((a, b) => compareNatural(a.name, b.name))
          .map((d) => ({ id: d.id, label: d.name === d.ip ? d.ip : `${d.name} (${d.ip})` }))}
        users={users
          .filter((u) => !u.disabled || u.id === res.query.assignee)
          .map((u) => ({
            id: u.id,
            label: u.displayName ? `${u.displayName} (${u.username})` : u.username,
          }))}
        recent={stats}
        notice={c.req.query('done')}
      />,
    );
  });

  // The list's body alone, for its refresh every 10 s (before /:id, which would take "body").
  app.get('/body', async (c) => c.html(<IncidentResults {...await results(c)} />));

  // ---- one incident -----------------------------------------------------------------------
  const mainProps = async (
    c: Context<AppEnv>,
    id: string,
    extra: Partial<IncidentMainProps> = {},
  ): Promise<IncidentMainProps> => {
    const { incident: i, timeline } = await svc.get(id);
    const [deliveries, users, names, tz] = await Promise.all([
      deps.notifications.forIncident(i.id),
      deps.users.list(),
      namesFor(deps, [i]),
      timezone(),
    ]);
    const usernames = new Map(users.map((u) => [u.id, u.username]));
    const t = responseTimes(i);
    return {
      tz,
      now: deps.clock.now(),
      csrfToken: shellProps(c, deps).csrfToken,
      incident: {
        id: i.id,
        title: i.title,
        severity: i.severity,
        state: i.state,
        key: i.key,
        ruleId: i.ruleId,
        instance: i.instance,
        value: i.value,
        threshold: i.threshold,
        ...(i.deviceId ? { device: { id: i.deviceId, name: names.devices.get(i.deviceId) } } : {}),
        count: i.count,
        firstSeen: i.firstSeen,
        lastSeen: i.lastSeen,
        openedAt: i.openedAt,
        active: i.active,
        autoResolve: i.autoResolve,
        oneShot: oneShot(i),
        acknowledgedAt: i.acknowledgedAt,
        acknowledgedBy: i.acknowledgedBy,
        resolvedAt: i.resolvedAt,
        resolvedBy: i.resolvedBy,
        ...(i.assigneeId
          ? { assignee: { id: i.assigneeId, name: usernames.get(i.assigneeId) } }
          : {}),
        reopenCount: i.reopenCount,
        flapping: i.flapping,
        ...flagsOf(i, names),
        ttaMs: t.ttaMs,
        ttrMs: t.ttrMs,
      },
      // The store reads at most this many lines, the newest (IncidentsStore.timelineOf).
      timelineCut: timeline.length >= TIMELINE_LIMIT,
      timeline: timeline.map((e) => ({
        key: e.key,
        at: e.at,
        kind: e.kind,
        by: e.by,
        text: e.text,
      })),
      // Newest first: the latest attempt is what matters.
      deliveries: deliveries.map(deliveryRow).reverse(),
      canAct: hasRole(c, 'operator'),
      // Those who can act on it, and whoever has it now.
      assignees: users
        .filter((u) => (!u.disabled && roleAtLeast(u.role, 'operator')) || u.id === i.assigneeId)
        .map((u) => ({
          id: u.id,
          label: u.displayName ? `${u.displayName} (${u.username})` : u.username,
        })),
      meId: userId(c),
      ...extra,
    };
  };

  app.get('/:id', async (c) => {
    const props = await mainProps(c, c.req.param('id'), { notice: c.req.query('done') });
    return c.html(<IncidentPage {...shellProps(c, deps)} {...props} />);
  });

  /**
   * Runs one action: with htmx the main fragment comes back (with the outcome, or the refusal and
   * the field messages); without, a redirect to the page, or the page with the refusal.
   */
  const respond = async (
    c: Context<AppEnv>,
    values: ActionValues,
    work: (id: string) => Promise<string>,
  ) => {
    assertRole(c, 'operator');
    const id = c.req.param('id')!;
    let notice: string;
    try {
      notice = await work(id);
    } catch (err) {
      const e = formErrors(err);
      if (e.error.status === 404) throw err;
      const hasFields = Object.keys(e.fields).length > 0;
      const props = await mainProps(c, id, {
        ...(hasFields ? {} : { error: e.message }),
        errors: e.fields,
        values,
      });
      const status = e.error.status === 409 ? 409 : 422;
      if (isHtmx(c)) return c.html(<IncidentMain {...props} />, status);
      return c.html(<IncidentPage {...shellProps(c, deps)} {...props} />, status);
    }
    if (isHtmx(c)) return c.html(<IncidentMain {...await mainProps(c, id, { notice })} />);
    return c.redirect(`${incidentHref(id)}?done=${encodeURIComponent(notice)}`, 303);
  };

  app.post('/:id/acknowledge', async (c) =>
    respond(c, {}, async (id) => {
      await svc.acknowledge(id, ctxOf(c));
      return 'Acknowledged.';
    }),
  );

  app.post('/:id/assign', async (c) => {
    assertRole(c, 'operator');
    const form = await readForm(c);
    const raw = form.assigneeId ?? '';
    return respond(c, { assigneeId: raw }, async (id) => {
      const { assigneeId } = validate(assignSchema, { assigneeId: raw || null }, 'The assignee');
      const inc = await svc.assign(id, assigneeId, ctxOf(c));
      if (!inc.assigneeId) return 'Unassigned.';
      const user = (await deps.users.list()).find((u) => u.id === inc.assigneeId);
      return inc.assigneeId === userId(c)
        ? 'Assigned to you.'
        : `Assigned to ${user?.username ?? 'the chosen user'}.`;
    });
  });

  app.post('/:id/notes', async (c) => {
    assertRole(c, 'operator');
    const form = await readForm(c);
    const text = (form.text ?? '').replace(/\r\n/g, '\n');
    return respond(c, { text }, async (id) => {
      const body = validate(noteSchema, { text }, 'The note');
      await svc.addNote(id, body.text, ctxOf(c));
      return 'Note added.';
    });
  });

  app.post('/:id/resolve', async (c) => {
    assertRole(c, 'operator');
    const form = await readForm(c);
    const note = (form.note ?? '').replace(/\r\n/g, '\n');
    return respond(c, { note }, async (id) => {
      const body = validate(resolveSchema, note.trim() ? { note } : {}, 'The resolution');
      await svc.resolve(id, body.note || undefined, ctxOf(c));
      return 'Resolved.';
    });
  });

  return app;
}
