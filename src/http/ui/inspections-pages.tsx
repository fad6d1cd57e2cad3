import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, isHtmx, validate } from '../request.js';
import { shellProps, formErrors, hasRole, assertRole } from './shell.js';
import { roleAtLeast } from '../../core/roles.js';
import { localDateOf } from '../../monitor/inspection-schedule.js';
import {
  completionInputSchema,
  planInputSchema,
  planQuerySchema,
  type PlanView,
} from '../../monitor/inspection-service.js';
import type { InspectionPlan } from '../../store/inspections.js';
import { InspectionListPage } from '../../../views/pages/inspections/list.js';
import { PlanFormPage, type PlanFormValues } from '../../../views/pages/inspections/plan-form.js';
import { PlanPage, type PlanPageProps } from '../../../views/pages/inspections/plan.js';
import {
  CompleteForm,
  type CompleteFormValues,
} from '../../../views/pages/inspections/complete-form.js';
import { formatDate } from '../../../views/pages/inspections/format.js';
import { compareNatural } from '../../lib/collate.js';

const PAGE_SIZE = 50;
const HISTORY_PAGE = 50;
const BASE = '/monitoring/inspections';

const done = (path: string, message: string) => `${path}?done=${encodeURIComponent(message)}`;

/** A form with repeated fields (a multi-select) kept as lists; files are not accepted. */
async function readFormAll(c: Context<AppEnv>) {
  const body = await c.req.parseBody({ all: true });
  const all = (k: string): string[] => {
    const v = body[k];
    return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
  };
  return { one: (k: string) => all(k).at(-1) ?? '', all, keys: Object.keys(body) };
}

/** Digits become a number; anything else goes to validation as it was typed, to be refused. */
function int(s: string): unknown {
  return /^\s*\d{1,6}\s*$/.test(s) ? Number(s) : s;
}

function checklistLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

function planInputOf(v: PlanFormValues) {
  return {
    title: v.title,
    description: v.description,
    every: int(v.every),
    unit: v.unit,
    startDate: v.startDate,
    dueTime: v.dueTime,
    graceHours: int(v.graceHours),
    checklist: checklistLines(v.checklist),
    assigneeId: v.assigneeId,
    deviceIds: v.deviceIds,
  };
}

function formValuesOf(p: InspectionPlan, liveDevices: Set<string>): PlanFormValues {
  return {
    title: p.title,
    description: p.description,
    every: String(p.every),
    unit: p.unit,
    startDate: p.startDate,
    dueTime: p.dueTime,
    graceHours: String(p.graceHours),
    checklist: p.checklist.map((i) => i.text).join('\n'),
    assigneeId: p.assigneeId,
    // A device deleted since is dropped here rather than refused when the form is saved.
    deviceIds: p.deviceIds.filter((d) => liveDevices.has(d)),
  };
}

/** Field messages for the plan form: checklist problems become one line each. */
function planFormErrors(fields: Record<string, string>) {
  const errors: Record<string, string> = {};
  const checklist: string[] = [];
  for (const [k, msg] of Object.entries(fields)) {
    const m = /^checklist\.(\d+)$/.exec(k);
    if (m) checklist.push(`Item ${Number(m[1]) + 1}: ${msg}`);
    else errors[k.split('.')[0]!] ??= msg;
  }
  return { errors, checklistErrors: checklist };
}

/** Inspection plans: list, create, edit, delete, and completing their tasks. */
export function inspectionsPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const svc = deps.inspections;
  const timezone = () => svc.timezone();

  const formChoices = async () => {
    const [users, devices] = await Promise.all([deps.users.list(), deps.store.devices.list()]);
    return {
      assignees: users
        .filter((u) => !u.disabled && roleAtLeast(u.role, 'operator'))
        .map((u) => ({
          id: u.id,
          label: u.displayName ? `${u.displayName} (${u.username})` : u.username,
        })),
      devices: devices
        .sort((a, b) => compareNatural(a.name, b.name))
        .map((d) => ({ id: d.id, label: d.name === d.ip ? d.ip : `${d.name} (${d.ip})` })),
    };
  };

  const formPage = async (
    c: Context<AppEnv>,
    values: PlanFormValues,
    extra: {
      plan?: { id: string; title: string };
      errors?: Record<string, string>;
      checklistErrors?: string[];
      error?: string;
    } = {},
    status: 200 | 409 | 422 = 200,
  ) =>
    c.html(
      <PlanFormPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        values={values}
        {...await formChoices()}
        {...extra}
      />,
      status,
    );

  const readPlanForm = async (c: Context<AppEnv>): Promise<PlanFormValues> => {
    const f = await readFormAll(c);
    return {
      title: f.one('title'),
      description: f.one('description').replace(/\r\n/g, '\n'),
      every: f.one('every'),
      unit: f.one('unit'),
      startDate: f.one('startDate'),
      dueTime: f.one('dueTime'),
      graceHours: f.one('graceHours'),
      checklist: f.one('checklist').replace(/\r\n/g, '\n'),
      assigneeId: f.one('assigneeId'),
      deviceIds: [...new Set(f.all('deviceIds'))].slice(0, 200),
    };
  };

  // ---- list -------------------------------------------------------------------------------
  app.get('/', async (c) => {
    const raw = c.req.query();
    const mine = raw.mine === '1';
    const q = validate(
      planQuerySchema,
      {
        limit: PAGE_SIZE,
        ...(raw.state ? { state: raw.state } : {}),
        ...(raw.offset ? { offset: raw.offset } : {}),
      },
      'The filter',
    );
    const me = c.get('auth')!.session!.user.id;
    const now = deps.clock.now();
    const r = await svc.list({ ...q, ...(mine ? { assignee: me } : {}) }, now);
    return c.html(
      <InspectionListPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        now={new Date(now).toISOString()}
        rows={r.items.map((v) => ({
          id: v.id,
          title: v.title,
          state: v.state,
          nextDue: v.nextDue,
          dueAt: v.dueAt,
          overdueAt: v.overdueAt,
          recurrence: v.recurrence,
          assigneeName: v.assigneeName,
          assigneeUnavailable: v.assigneeUnavailable,
          deviceCount: v.deviceIds.length,
          checklistCount: v.checklist.length,
          lastCompletion: v.lastCompletion,
        }))}
        total={r.total}
        counts={r.counts}
        query={{ state: q.state, mine, offset: q.offset, limit: q.limit }}
        canCreate={hasRole(c, 'operator')}
        notice={c.req.query('done')}
      />,
    );
  });

  // ---- create (before /:id) ---------------------------------------------------------------
  app.get('/new', async (c) => {
    assertRole(c, 'operator');
    const auth = c.get('auth')!;
    return formPage(c, {
      title: '',
      description: '',
      every: '1',
      unit: 'months',
      startDate: localDateOf(deps.clock.now(), await timezone()),
      dueTime: '09:00',
      graceHours: '24',
      checklist: '',
      assigneeId: auth.session!.user.id,
      deviceIds: [],
    });
  });

  app.post('/', async (c) => {
    assertRole(c, 'operator');
    const values = await readPlanForm(c);
    try {
      const input = validate(planInputSchema, planInputOf(values), 'The plan');
      const plan = await svc.create(input, ctxOf(c));
      return c.redirect(
        done(`${BASE}/${plan.id}`, `Plan created. First due ${formatDate(plan.nextDue)}.`),
        303,
      );
    } catch (err) {
      const e = formErrors(err);
      return formPage(
        c,
        values,
        { ...planFormErrors(e.fields), error: e.message },
        e.error.status === 409 ? 409 : 422,
      );
    }
  });

  // ---- one plan ---------------------------------------------------------------------------
  const planPage = async (
    c: Context<AppEnv>,
    plan: PlanView,
    extra: Partial<PlanPageProps> = {},
    status: 200 | 409 | 422 = 200,
  ) => {
    const beforeRaw = c.req.query('before');
    const before = beforeRaw && beforeRaw.length <= 200 ? beforeRaw : undefined;
    const [history, devices] = await Promise.all([
      deps.store.inspections.history(plan.id, HISTORY_PAGE, before),
      Promise.all(
        plan.deviceIds.map(async (id) => [id, await deps.store.devices.get(id)] as const),
      ),
    ]);
    return c.html(
      <PlanPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        now={new Date(deps.clock.now()).toISOString()}
        plan={plan}
        devices={devices.map(([id, d]) =>
          d ? { id, name: d.name, ip: d.ip, missing: false } : { id, name: id, missing: true },
        )}
        history={history}
        historyNext={history.length === HISTORY_PAGE ? history.at(-1)!.key : undefined}
        historyPaged={Boolean(before)}
        canComplete={hasRole(c, 'operator')}
        canEdit={hasRole(c, 'operator')}
        canDelete={hasRole(c, 'admin')}
        notice={c.req.query('done')}
        {...extra}
      />,
      status,
    );
  };

  app.get('/:id', async (c) => planPage(c, await svc.view(await svc.get(c.req.param('id')))));

  app.get('/:id/edit', async (c) => {
    assertRole(c, 'operator');
    const plan = await svc.get(c.req.param('id'));
    const live = new Set((await deps.store.devices.list()).map((d) => d.id));
    return formPage(c, formValuesOf(plan, live), { plan: { id: plan.id, title: plan.title } });
  });

  app.post('/:id', async (c) => {
    assertRole(c, 'operator');
    const before = await svc.get(c.req.param('id'));
    const values = await readPlanForm(c);
    try {
      const input = validate(planInputSchema, planInputOf(values), 'The plan');
      const plan = await svc.update(before.id, input, ctxOf(c));
      const moved = plan.nextDue !== before.nextDue;
      return c.redirect(
        done(
          `${BASE}/${plan.id}`,
          plan.updatedAt === before.updatedAt
            ? 'Nothing changed.'
            : `Plan saved.${moved ? ` Next due ${formatDate(plan.nextDue)}.` : ''}`,
        ),
        303,
      );
    } catch (err) {
      const e = formErrors(err);
      return formPage(
        c,
        values,
        {
          plan: { id: before.id, title: before.title },
          ...planFormErrors(e.fields),
          error: e.message,
        },
        e.error.status === 409 ? 409 : 422,
      );
    }
  });

  app.post('/:id/delete', async (c) => {
    assertRole(c, 'admin');
    const plan = await svc.get(c.req.param('id'));
    await svc.remove(plan.id, ctxOf(c));
    return c.redirect(done(BASE, `Plan "${plan.title}" deleted.`), 303);
  });

  // ---- completing the open task -----------------------------------------------------------
  app.post('/:id/complete', async (c) => {
    assertRole(c, 'operator');
    const plan = await svc.get(c.req.param('id'));
    const f = await readFormAll(c);
    const values: CompleteFormValues = { answers: {}, comments: {}, notes: f.one('notes') };
    const answers: Array<{ itemId: string; result: string; comment?: string }> = [];
    for (const item of plan.checklist) {
      const result = f.one(`answer.${item.id}`);
      const comment = f.one(`comment.${item.id}`).trim();
      values.answers[item.id] = result;
      values.comments[item.id] = comment;
      if (result) answers.push({ itemId: item.id, result, ...(comment ? { comment } : {}) });
    }
    const dueDate = f.one('dueDate');
    const refused = async (
      fields: Record<string, string>,
      error: string | undefined,
      status: 409 | 422,
    ) => {
      // The form is drawn for the task that is open now, which a conflict may have moved on.
      const current = await svc.get(plan.id);
      if (isHtmx(c))
        return c.html(
          <CompleteForm
            planId={current.id}
            dueDate={current.nextDue}
            csrfToken={shellProps(c, deps).csrfToken}
            items={current.checklist}
            values={values}
            errors={fields}
            error={error}
          />,
          status,
        );
      return planPage(
        c,
        await svc.view(current),
        { complete: { values, errors: fields, error } },
        status,
      );
    };
    const parsed = completionInputSchema.safeParse({
      ...(dueDate ? { dueDate } : {}),
      answers,
      notes: values.notes,
    });
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const i of parsed.error.issues) {
        const [head, n, sub] = i.path;
        const id = head === 'answers' && typeof n === 'number' ? answers[n]?.itemId : undefined;
        const k = id
          ? `answers.${id}${sub === 'comment' ? '.comment' : ''}`
          : String(head ?? 'notes');
        fields[k] ??= i.message;
      }
      return refused(fields, 'Please correct the answers marked below.', 422);
    }
    let result;
    try {
      result = await svc.complete(plan.id, parsed.data, ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      return refused(
        e.fields,
        e.error.code === 'VALIDATION_FAILED' ? 'Please answer every item.' : e.message,
        e.error.status === 409 ? 409 : 422,
      );
    }
    const target = done(
      `${BASE}/${plan.id}`,
      `Task done${result.completion.late ? ' (late)' : ''}. Next due ${formatDate(result.plan.nextDue)}.`,
    );
    if (isHtmx(c)) {
      // The whole page changes (state, history): have htmx load it rather than swap the form.
      c.header('HX-Redirect', target);
      return c.body(null, 204);
    }
    return c.redirect(target, 303);
  });

  return app;
}
