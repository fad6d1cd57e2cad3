/**
 * Inspection plans through the real app (app.request, no network) with a manual clock: the JSON
 * API with roles, CSRF and bad input; completing tasks with checklist answers; overdue tasks
 * raising exactly one event per missed due date through the job; deleting a plan with its
 * history; the audit trail; and the pages with and without htmx.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  createTestApp,
  setupAdmin,
  login,
  jsonInit,
  ManualClock,
  ADMIN,
  type TestApp,
  type CookieJar,
} from '../helpers/app.js';
import type { DeviceRecord, EventRecord } from '../../src/store/types.js';
import { DueWidget } from '../../views/pages/inspections/due-widget.js';

type Session = { jar: CookieJar; csrf: string };

const H = 3_600_000;
const D = 24 * H;
// Thursday 2026-11-26 13:00 in Berlin.
const clock = new ManualClock(Date.parse('2026-11-26T12:00:00Z'));
let t: TestApp;
let admin: Session;
let operator: Session;
let viewer: Session;
const ids: Record<string, string> = {};

function device(id: string, name: string, ip: string): DeviceRecord {
  const now = new Date(clock.now()).toISOString();
  return {
    id,
    name,
    nameSource: 'auto',
    ip,
    addresses: [ip],
    type: 'ups',
    typeSource: 'auto',
    reasons: [],
    snmp: { ok: false },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: now,
    lastSeen: now,
    lastScanId: 'seeded',
  };
}

beforeAll(async () => {
  // Long sessions, so that moving the clock by days does not sign everyone out each time.
  t = await createTestApp(
    { auth: { sessionIdleMinutes: 7 * 24 * 60, sessionAbsoluteHours: 30 * 24 } },
    { clock },
  );
  signedInAt = clock.now();
  admin = await setupAdmin(t);
  for (const [username, role] of [
    ['olga', 'operator'],
    ['otto', 'operator'],
    ['vera', 'viewer'],
  ] as const) {
    const res = await t.request(
      '/api/v1/users',
      jsonInit('POST', admin, { username, password: `${username} has a long password`, role }),
    );
    expect(res.status).toBe(201);
    ids[username] = ((await res.json()) as { user: { id: string } }).user.id;
  }
  operator = await login(t, 'olga', 'olga has a long password');
  viewer = await login(t, 'vera', 'vera has a long password');
  const site = await t.request(
    '/api/v1/settings/site',
    jsonInit('PUT', admin, {
      name: 'Branch',
      location: '',
      timezone: 'Europe/Berlin',
      contact: '',
    }),
  );
  expect(site.status).toBe(200);
  await t.store.write([
    ...t.store.devices.putOps(device('dev-ups', 'ups-1', '192.0.2.10')),
    ...t.store.devices.putOps(device('dev-nas', 'nas-1', '192.0.2.20')),
  ]);
});
afterAll(async () => {
  await t?.close();
});

let signedInAt = 0;
/** Moves the clock; when sessions would have expired by then, everyone signs in again. */
async function setTime(ms: number): Promise<void> {
  const relogin = ms < signedInAt || ms - signedInAt > 6 * D;
  clock.t = ms;
  if (!relogin) return;
  signedInAt = ms;
  admin = await login(t, ADMIN.username, ADMIN.password);
  operator = await login(t, 'olga', 'olga has a long password');
  viewer = await login(t, 'vera', 'vera has a long password');
}

const api = (path: string, init: RequestInit & { jar?: CookieJar } = {}) =>
  t.request(`/api/v1/inspections${path}`, init);

function upsPlan(over: Record<string, unknown> = {}) {
  return {
    title: 'UPS self-test',
    description: 'Run the self-test from the UPS front panel.',
    every: 1,
    unit: 'months',
    startDate: '2026-12-31',
    dueTime: '09:00',
    graceHours: 48,
    checklist: ['Self-test passed', 'Battery date checked', 'Log exported'],
    assigneeId: ids.olga,
    deviceIds: ['dev-ups'],
    ...over,
  };
}

interface PlanJson {
  id: string;
  title: string;
  nextDue: string;
  state: string;
  dueAt: string;
  checklist: Array<{ id: string; text: string }>;
  assigneeName?: string;
  overdue?: { lastRaised: string; missed: number };
  lastCompletion?: { by: string; dueDate: string };
}

async function createPlan(body: Record<string, unknown>, s: Session = operator): Promise<PlanJson> {
  const res = await api('', jsonInit('POST', s, body));
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { plan: PlanJson }).plan;
}

async function audit(action: string) {
  const res = await t.request('/api/v1/audit?limit=500', { jar: admin.jar });
  const items = ((await res.json()) as { items: Array<{ action: string; target?: string }> }).items;
  return items.filter((e) => e.action === action);
}

async function overdueEvents(planId?: string): Promise<EventRecord[]> {
  return (await t.store.events.page(1000)).filter(
    (e) => e.kind === 'inspection.overdue' && (!planId || e.details?.planId === planId),
  );
}

async function storedPlans(): Promise<number> {
  return t.store.inspections.count();
}

describe('plans: CRUD by role', () => {
  it('viewers read but cannot create, edit, complete or delete; operators cannot delete', async () => {
    const before = await storedPlans();
    const refused = await api('', jsonInit('POST', viewer, upsPlan()));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect(await storedPlans()).toBe(before);

    const plan = await createPlan(upsPlan());
    expect(plan.nextDue).toBe('2026-12-31');
    expect(plan.state).toBe('upcoming');
    expect(plan.assigneeName).toBe('olga');
    expect(plan.dueAt).toBe('2026-12-31T08:00:00.000Z');

    const read = await api(`/${plan.id}`, { jar: viewer.jar });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { plan: PlanJson }).plan.title).toBe('UPS self-test');

    expect(
      (await api(`/${plan.id}`, jsonInit('PUT', viewer, upsPlan({ title: 'x' })))).status,
    ).toBe(403);
    const answers = plan.checklist.map((i) => ({ itemId: i.id, result: 'done' }));
    expect(
      (await api(`/${plan.id}/completions`, jsonInit('POST', viewer, { answers }))).status,
    ).toBe(403);
    expect((await api(`/${plan.id}`, jsonInit('DELETE', viewer))).status).toBe(403);
    expect((await api(`/${plan.id}`, jsonInit('DELETE', operator))).status).toBe(403);
    expect((await api(`/${plan.id}`, { jar: admin.jar })).status).toBe(200);

    const put = await api(
      `/${plan.id}`,
      jsonInit('PUT', operator, upsPlan({ title: 'UPS self-test (monthly)' })),
    );
    expect(put.status).toBe(200);
    const edited = ((await put.json()) as { plan: PlanJson }).plan;
    expect(edited.title).toBe('UPS self-test (monthly)');
    // Kept items keep their ids, so history and open forms stay matched.
    expect(edited.checklist.map((i) => i.id)).toEqual(plan.checklist.map((i) => i.id));
    expect(edited.nextDue).toBe('2026-12-31');

    const del = await api(`/${plan.id}`, jsonInit('DELETE', admin));
    expect(del.status).toBe(204);
    expect((await api(`/${plan.id}`, { jar: admin.jar })).status).toBe(404);

    expect(
      (await audit('inspection.created')).some((e) => e.target === `inspection:${plan.id}`),
    ).toBe(true);
    expect(
      (await audit('inspection.updated')).some((e) => e.target === `inspection:${plan.id}`),
    ).toBe(true);
    expect(
      (await audit('inspection.deleted')).some((e) => e.target === `inspection:${plan.id}`),
    ).toBe(true);
  });

  it('refuses state changes without the CSRF token, in the API and the pages', async () => {
    const before = await storedPlans();
    const noToken = await api('', {
      method: 'POST',
      jar: operator.jar,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(upsPlan()),
    });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe(
      'CSRF_REJECTED',
    );
    const form = await t.request('/monitoring/inspections', {
      method: 'POST',
      jar: operator.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ title: 'Sneaky', every: '1', unit: 'days' }),
    });
    expect(form.status).toBe(403);
    expect(await storedPlans()).toBe(before);
  });

  it('lists plans paged, most urgent first', async () => {
    const a = await createPlan(upsPlan({ title: 'Later', startDate: '2027-02-01' }));
    const b = await createPlan(
      upsPlan({ title: 'Soon', startDate: '2026-11-30', unit: 'weeks', deviceIds: [] }),
    );
    const all = (await (await api('?limit=500', { jar: viewer.jar })).json()) as {
      items: PlanJson[];
      total: number;
      counts: Record<string, number>;
    };
    expect(all.total).toBe(2);
    expect(all.items.map((p) => p.title)).toEqual(['Soon', 'Later']);
    expect(all.items[0]!.state).toBe('soon');
    const page2 = (await (await api('?limit=1&offset=1', { jar: viewer.jar })).json()) as {
      items: PlanJson[];
      total: number;
      limit: number;
      offset: number;
    };
    expect(page2).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page2.items.map((p) => p.title)).toEqual(['Later']);
    const soon = (await (await api('?state=soon', { jar: viewer.jar })).json()) as {
      items: PlanJson[];
    };
    expect(soon.items.map((p) => p.id)).toEqual([b.id]);
    expect((await api('?limit=0', { jar: viewer.jar })).status).toBe(422);
    for (const p of [a, b])
      expect((await api(`/${p.id}`, jsonInit('DELETE', admin))).status).toBe(204);
  });
});

describe('bad input gets a clear error and changes nothing', () => {
  it('names every bad field', async () => {
    const before = await storedPlans();
    const auditBefore = (await audit('inspection.created')).length;
    const res = await api(
      '',
      jsonInit('POST', operator, {
        title: '  ',
        every: 0,
        unit: 'years',
        startDate: '2026-02-30',
        dueTime: '25:00',
        graceHours: -1,
        checklist: [],
        assigneeId: ids.olga,
        extra: 1,
      }),
    );
    expect(res.status).toBe(422);
    const e = ((await res.json()) as { error: { code: string; fields: Record<string, string> } })
      .error;
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(e.fields)).toEqual(
      expect.arrayContaining([
        'title',
        'every',
        'unit',
        'startDate',
        'dueTime',
        'graceHours',
        'checklist',
        '(root)',
      ]),
    );
    expect(e.fields.startDate).toMatch(/date such as/);
    expect(await storedPlans()).toBe(before);
    expect((await audit('inspection.created')).length).toBe(auditBefore);
  });

  it('refuses a viewer or unknown assignee, unknown devices, too long a rhythm, duplicates', async () => {
    const before = await storedPlans();
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ assigneeId: ids.vera }, 'assigneeId', /viewer/],
      [{ assigneeId: 'nobody' }, 'assigneeId', /does not exist/],
      [{ deviceIds: ['dev-ups', 'dev-gone'] }, 'deviceIds', /dev-gone/],
      [{ every: 61, unit: 'months' }, 'every', /60 months/],
      [{ checklist: ['Filters', 'filters'] }, 'checklist.1', /twice/],
    ];
    for (const [over, field, msg] of cases) {
      const res = await api('', jsonInit('POST', operator, upsPlan(over)));
      expect(res.status, JSON.stringify(over)).toBe(422);
      const fields = ((await res.json()) as { error: { fields: Record<string, string> } }).error
        .fields;
      expect(fields[field], JSON.stringify(fields)).toMatch(msg);
    }
    const notJson = await api('', {
      method: 'POST',
      jar: operator.jar,
      headers: { 'content-type': 'text/plain', 'x-csrf-token': operator.csrf },
      body: 'title=x',
    });
    expect(notJson.status).toBe(415);
    expect(await storedPlans()).toBe(before);
    expect((await api('/nope', { jar: viewer.jar })).status).toBe(404);
  });
});

describe('completing tasks and overdue events', () => {
  let plan: PlanJson;
  const answer = (p: PlanJson, result = 'done') =>
    p.checklist.map((i) => ({ itemId: i.id, result }));

  it('validates the answers against the checklist and stores nothing when they are wrong', async () => {
    // Weekly on Mondays 09:00 Berlin (08:00 UTC), a day's grace.
    plan = await createPlan(
      upsPlan({
        title: 'Server room check',
        unit: 'weeks',
        startDate: '2026-11-30',
        graceHours: 24,
        checklist: ['Temperature below 25 °C', 'Filters clean'],
        assigneeId: ids.otto,
      }),
    );
    expect(plan.nextDue).toBe('2026-11-30');
    const [temp, filters] = plan.checklist;
    const bad: Array<[unknown, string]> = [
      [{ answers: [{ itemId: temp!.id, result: 'done' }] }, `answers.${filters!.id}`],
      [
        {
          answers: [
            { itemId: temp!.id, result: 'done' },
            { itemId: filters!.id, result: 'not-done' },
          ],
        },
        `answers.${filters!.id}.comment`,
      ],
      [{ answers: [...answer(plan), { itemId: 'zzz', result: 'done' }] }, 'answers'],
      [{ answers: [{ itemId: temp!.id, result: 'maybe' }] }, 'answers.0.result'],
    ];
    for (const [body, field] of bad) {
      const res = await api(`/${plan.id}/completions`, jsonInit('POST', operator, body));
      expect(res.status, JSON.stringify(body)).toBe(422);
      const fields = ((await res.json()) as { error: { fields: Record<string, string> } }).error
        .fields;
      expect(Object.keys(fields), JSON.stringify(fields)).toContain(field);
    }
    expect(await t.store.inspections.history(plan.id, 10)).toEqual([]);
  });

  it('raises exactly one event when the grace period of a due date runs out', async () => {
    // Monday 30 Nov, 09:30 Berlin: due, not overdue.
    await setTime(Date.parse('2026-11-30T08:30:00Z'));
    let due = (await (await api('/due', { jar: viewer.jar })).json()) as {
      tasks: Array<{ planId: string; state: string; assigneeName?: string; dueDate: string }>;
    };
    expect(due.tasks).toEqual([
      expect.objectContaining({
        planId: plan.id,
        state: 'due',
        assigneeName: 'otto',
        dueDate: '2026-11-30',
      }),
    ]);
    expect((await t.deps.inspections.checkOverdue()).raised).toBe(0);
    // The grace runs out on Tuesday 09:00 Berlin.
    await setTime(Date.parse('2026-12-01T07:59:00Z'));
    await t.scheduler.runNow('inspections');
    expect(await overdueEvents(plan.id)).toHaveLength(0);
    await setTime(Date.parse('2026-12-01T08:05:00Z'));
    const run = await t.scheduler.runNow('inspections');
    expect(run.status).toBe('ok');
    expect(run.summary).toMatch(/1 event/);
    await t.scheduler.runNow('inspections');
    await setTime(clock.now() + 10 * 60_000);
    await t.deps.inspections.checkOverdue();
    const events = await overdueEvents(plan.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'inspection.overdue',
      severity: 'warning',
      details: expect.objectContaining({
        planId: plan.id,
        dueDate: '2026-11-30',
        assignee: 'otto',
      }),
    });
    expect(events[0]!.message).toMatch(/Server room check/);
    due = (await (await api('/due', { jar: viewer.jar })).json()) as typeof due;
    expect(due.tasks[0]).toMatchObject({ planId: plan.id, state: 'overdue' });
    // The dashboard widget renders the same summary.
    const widget = String(DueWidget({ summary: await t.deps.inspections.dueSummary() }));
    expect(widget).toContain('1 overdue');
    expect(widget).toContain(`href="/monitoring/inspections/${plan.id}"`);
    expect(widget).toMatch(/Server room check[\s\S]*Mon, 30 Nov 2026 · overdue for \d+ min · otto/);
    const stored = (await (await api(`/${plan.id}`, { jar: viewer.jar })).json()) as {
      plan: PlanJson;
    };
    expect(stored.plan.overdue).toMatchObject({ lastRaised: '2026-11-30', missed: 1 });
  });

  it('completing clears the overdue state and moves the next due date', async () => {
    const stale = await api(
      `/${plan.id}/completions`,
      jsonInit('POST', operator, { dueDate: '2026-11-23', answers: answer(plan) }),
    );
    expect(stale.status).toBe(409);
    const [temp, filters] = plan.checklist;
    const res = await api(
      `/${plan.id}/completions`,
      jsonInit('POST', operator, {
        dueDate: '2026-11-30',
        answers: [
          { itemId: temp!.id, result: 'done', comment: '22 °C' },
          { itemId: filters!.id, result: 'not-done', comment: 'No spare filters on site' },
        ],
        notes: 'Ordered filters.',
      }),
    );
    expect(res.status, await res.clone().text()).toBe(201);
    const body = (await res.json()) as {
      completion: { late: boolean; by: string; dueDate: string; nextDue: string };
      plan: PlanJson;
    };
    expect(body.completion).toMatchObject({
      late: true,
      by: 'olga',
      dueDate: '2026-11-30',
      nextDue: '2026-12-07',
    });
    expect(body.plan.nextDue).toBe('2026-12-07');
    expect(body.plan.overdue).toBeUndefined();
    expect(body.plan.state).toBe('soon');
    expect(body.plan.lastCompletion).toMatchObject({ by: 'olga', dueDate: '2026-11-30' });

    // The same task completed again (two people at once) is refused, not applied to the next.
    const twice = await api(
      `/${plan.id}/completions`,
      jsonInit('POST', admin, { dueDate: '2026-11-30', answers: answer(plan) }),
    );
    expect(twice.status).toBe(409);
    expect(((await twice.json()) as { error: { message: string } }).error.message).toMatch(
      /already completed by olga/,
    );

    // Still exactly one event, however often the job runs.
    await t.scheduler.runNow('inspections');
    expect(await overdueEvents(plan.id)).toHaveLength(1);
    const done = (await audit('inspection.completed')).filter(
      (e) => e.target === `inspection:${plan.id}`,
    );
    expect(done).toHaveLength(1);
  });

  it('keeps the history newest first, paged', async () => {
    await setTime(Date.parse('2026-12-06T10:00:00Z'));
    const res = await api(
      `/${plan.id}/completions`,
      jsonInit('POST', admin, { answers: answer(plan, 'na'), notes: 'early' }),
    );
    expect(res.status).toBe(201);
    const page = (await (
      await api(`/${plan.id}/completions?limit=1`, { jar: viewer.jar })
    ).json()) as {
      items: Array<{ notes: string; dueDate: string; late: boolean; key: string }>;
      next: string | null;
    };
    expect(page.items).toEqual([
      expect.objectContaining({ notes: 'early', dueDate: '2026-12-07', late: false }),
    ]);
    expect(page.next).toBe(page.items[0]!.key);
    const older = (await (
      await api(`/${plan.id}/completions?limit=5&before=${encodeURIComponent(page.next!)}`, {
        jar: viewer.jar,
      })
    ).json()) as { items: Array<{ notes: string }>; next: string | null };
    expect(older.items.map((c) => c.notes)).toEqual(['Ordered filters.']);
    expect(older.next).toBeNull();
  });

  it('a later missed due date raises its own event', async () => {
    // Open task: Monday 14 Dec; its grace runs out Tuesday 15 Dec 08:00 UTC.
    const p = (await (await api(`/${plan.id}`, { jar: viewer.jar })).json()) as { plan: PlanJson };
    expect(p.plan.nextDue).toBe('2026-12-14');
    await setTime(Date.parse('2026-12-15T08:01:00Z'));
    expect((await t.deps.inspections.checkOverdue()).raised).toBe(1);
    // A week later the next due date has passed too: one more event, naming the second miss.
    await setTime(Date.parse('2026-12-22T08:01:00Z'));
    expect((await t.deps.inspections.checkOverdue()).raised).toBe(1);
    expect((await t.deps.inspections.checkOverdue()).raised).toBe(0);
    const events = await overdueEvents(plan.id);
    expect(events.map((e) => e.details?.dueDate)).toEqual([
      '2026-12-21',
      '2026-12-14',
      '2026-11-30',
    ]);
    expect(events[0]!.details).toMatchObject({ missed: 2, openSince: '2026-12-14' });
  });

  it('deleting a plan leaves no completions, no due task and no further events behind', async () => {
    expect((await t.store.inspections.history(plan.id, 100)).length).toBe(2);
    expect((await api(`/${plan.id}`, jsonInit('DELETE', admin))).status).toBe(204);
    expect(await t.store.inspections.get(plan.id)).toBeUndefined();
    expect(await t.store.inspections.history(plan.id, 100)).toEqual([]);
    let leftover = 0;
    for await (const _ of t.store.inspections.completions.keys()) leftover += 1;
    expect(leftover).toBe(0);
    const due = (await (await api('/due', { jar: viewer.jar })).json()) as {
      tasks: Array<{ planId: string }>;
    };
    expect(due.tasks.some((x) => x.planId === plan.id)).toBe(false);
    expect((await api(`/${plan.id}/completions`, { jar: viewer.jar })).status).toBe(404);
    await setTime(clock.now() + 30 * D);
    expect((await t.deps.inspections.checkOverdue()).raised).toBe(0);
    const del = (await audit('inspection.deleted')).find(
      (e) => e.target === `inspection:${plan.id}`,
    );
    expect(del).toBeDefined();
  });
});

describe('pages', () => {
  function form(path: string, fields: Array<[string, string]>, s: Session, headers = {}) {
    return t.request(path, {
      method: 'POST',
      jar: s.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams([['_csrf', s.csrf], ...fields]),
    });
  }
  const planFields = (over: Record<string, string> = {}): Array<[string, string]> => {
    const base: Record<string, string> = {
      title: 'Restore test',
      description: 'Restore one folder from last night’s backup.',
      every: '3',
      unit: 'months',
      startDate: '2027-05-31',
      dueTime: '10:00',
      graceHours: '72',
      checklist: 'Folder restored\r\nFiles open\r\n',
      assigneeId: ids.olga!,
      ...over,
    };
    return [...Object.entries(base), ['deviceIds', 'dev-ups'], ['deviceIds', 'dev-nas']];
  };

  it('creates a plan from the form, with field errors next to the fields when refused', async () => {
    const before = await storedPlans();
    const refused = await form(
      '/monitoring/inspections',
      planFields({ title: '', every: 'x', checklist: '' }),
      operator,
    );
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toMatch(/class="field invalid"[\s\S]*Give the plan a title/);
    expect(html).toContain('Enter a whole number');
    expect(html).toContain('Add at least one checklist item');
    // The refused form comes back as it was typed, devices still chosen.
    expect(html).toMatch(/<option value="dev-nas" selected/);
    expect(await storedPlans()).toBe(before);

    const res = await form('/monitoring/inspections', planFields(), operator);
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/monitoring\/inspections\/[\w-]+\?done=/);
    const id = location.split('/')[3]!.split('?')[0]!;
    const stored = await t.store.inspections.get(id);
    expect(stored).toMatchObject({
      every: 3,
      unit: 'months',
      nextDue: '2027-05-31',
      deviceIds: ['dev-ups', 'dev-nas'],
      checklist: [
        expect.objectContaining({ text: 'Folder restored' }),
        expect.objectContaining({ text: 'Files open' }),
      ],
    });
    const page = await (await t.request(location, { jar: operator.jar })).text();
    expect(page).toContain('Plan created. First due Mon, 31 May 2027.');
    expect(page).toContain('every 3 months on the 31st');
    expect(page).toContain('href="/devices/dev-nas"');
    expect(page).toContain('name="_csrf"');
    expect(page).toContain('aria-current="page"');
  });

  it('lists overdue first, then due, then upcoming, and hides forms from viewers', async () => {
    await setTime(Date.parse('2027-02-20T12:00:00Z'));
    await createPlan(upsPlan({ title: 'Weekly ok', unit: 'weeks', startDate: '2027-03-01' }));
    const overdue = await createPlan(
      upsPlan({
        title: 'Overdue one',
        unit: 'days',
        every: 1,
        startDate: '2027-02-20',
        graceHours: 0,
      }),
    );
    await setTime(Date.parse('2027-02-21T12:00:00Z'));
    const html = await (await t.request('/monitoring/inspections', { jar: viewer.jar })).text();
    const order = ['Overdue one', 'Weekly ok', 'Restore test'].map((s) => html.indexOf(s));
    expect(order.every((n) => n > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).not.toContain('New plan');
    const page = await (
      await t.request(`/monitoring/inspections/${overdue.id}`, { jar: viewer.jar })
    ).text();
    expect(page).toContain('Overdue');
    expect(page).not.toContain('complete-form');
    expect(page).not.toContain('/delete');
    expect((await t.request('/monitoring/inspections/new', { jar: viewer.jar })).status).toBe(403);
    const mine = await (
      await t.request('/monitoring/inspections?mine=1', { jar: operator.jar })
    ).text();
    expect(mine).toContain('Restore test');
  });

  it('completes a task from the form, without JS and with htmx', async () => {
    const plans = await t.store.inspections.list();
    const p = plans.find((x) => x.title === 'Overdue one')!;
    const [first] = p.checklist;
    const path = `/monitoring/inspections/${p.id}/complete`;
    const fields = (result: string): Array<[string, string]> => [
      ['dueDate', p.nextDue],
      ...p.checklist.map((i): [string, string] => [`answer.${i.id}`, result]),
      ['notes', 'all fine'],
    ];

    // htmx, refused: only the form comes back, with the message next to the item.
    const partial = await form(
      path,
      [
        ['dueDate', p.nextDue],
        [`answer.${first!.id}`, 'not-done'],
      ],
      operator,
      { 'hx-request': 'true' },
    );
    expect(partial.status).toBe(422);
    const fragment = await partial.text();
    expect(fragment).not.toContain('<html');
    expect(fragment).toContain('id="complete-form"');
    expect(fragment).toContain('Say why it was not done.');
    expect(fragment).toContain('Answer this item');

    // Without JS, refused: the whole page with the form's messages.
    const page = await form(path, [['dueDate', p.nextDue]], operator);
    expect(page.status).toBe(422);
    expect(await page.text()).toMatch(/<html[\s\S]*Answer this item/);
    expect(await t.store.inspections.history(p.id, 5)).toEqual([]);

    // htmx, accepted: the page is reloaded to show the new state.
    const ok = await form(path, fields('done'), operator, { 'hx-request': 'true' });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('hx-redirect')).toMatch(/\?done=Task%20done%20\(late\)/);

    // Without JS, accepted: a redirect; a stale due date is refused as a conflict.
    const again = await form(path, fields('na'), operator);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already completed by olga');
    const fresh = (await t.store.inspections.get(p.id))!;
    const res = await form(
      path,
      [
        ['dueDate', fresh.nextDue],
        ...p.checklist.map((i): [string, string] => [`answer.${i.id}`, 'na']),
      ],
      operator,
    );
    expect(res.status).toBe(303);
    const after = await (
      await t.request(`/monitoring/inspections/${p.id}`, { jar: viewer.jar })
    ).text();
    expect(after).toContain('all fine');
    expect(after).toContain('<summary>3 n/a</summary>');
    expect(after).toContain('<summary>3 done</summary>');
    expect((await t.store.inspections.history(p.id, 5)).length).toBe(2);
  });

  it('edits and deletes through the pages by role', async () => {
    const p = (await t.store.inspections.list()).find((x) => x.title === 'Restore test')!;
    const edit = await (
      await t.request(`/monitoring/inspections/${p.id}/edit`, { jar: operator.jar })
    ).text();
    expect(edit).toContain('Folder restored\nFiles open');
    const saved = await form(
      `/monitoring/inspections/${p.id}`,
      planFields({ title: 'Restore test (quarterly)' }),
      operator,
    );
    expect(saved.status).toBe(303);
    expect((await t.store.inspections.get(p.id))!.title).toBe('Restore test (quarterly)');

    // A linked device deleted from the inventory shows as such and is dropped, not refused,
    // when the plan is written back as it was read; a new unknown device is still refused.
    expect((await t.request('/api/v1/devices/dev-nas', jsonInit('DELETE', admin))).status).toBe(
      204,
    );
    const shown = await (
      await t.request(`/monitoring/inspections/${p.id}`, { jar: viewer.jar })
    ).text();
    expect(shown).toContain('a deleted device (dev-nas)');
    const body = {
      ...upsPlan({ title: 'Restore test (quarterly)', unit: 'months', every: 3 }),
      startDate: '2027-05-31',
      deviceIds: ['dev-ups', 'dev-nas'],
    };
    const put = await api(`/${p.id}`, jsonInit('PUT', operator, body));
    expect(put.status).toBe(200);
    expect(((await put.json()) as { plan: { deviceIds: string[] } }).plan.deviceIds).toEqual([
      'dev-ups',
    ]);
    expect((await api(`/${p.id}`, jsonInit('PUT', operator, body))).status).toBe(422);
    const refused = await form(`/monitoring/inspections/${p.id}/delete`, [], operator);
    expect(refused.status).toBe(403);
    const del = await form(`/monitoring/inspections/${p.id}/delete`, [], admin);
    expect(del.status).toBe(303);
    expect(await t.store.inspections.get(p.id)).toBeUndefined();
  });
});
