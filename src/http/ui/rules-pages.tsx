import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readForm } from '../request.js';
import { shellProps, formErrors, hasRole, assertRole } from './shell.js';
import { badRequest } from '../../core/errors.js';
import { issuesToFields } from '../../core/zod-errors.js';
import { DEVICE_TYPES } from '../../discovery/types.js';
import type { RuleView } from '../../monitor/rule-service.js';
import {
  formatSeconds,
  formatValue,
  overrideInputSchema,
  rulePatchSchema,
  ruleUnit,
  type RuleOverride,
} from '../../monitor/rules.js';
import { RulesPage } from '../../../views/pages/rules/rules.js';
import {
  RuleEditPage,
  EMPTY_OVERRIDE,
  type OverrideFormValues,
  type RuleDetail,
  type RuleFormValues,
} from '../../../views/pages/rules/rule-edit.js';
import { TYPE_LABELS } from '../../../views/pages/devices/format.js';

const done = (path: string, message: string) => `${path}?done=${encodeURIComponent(message)}`;

function detailOf(r: RuleView): RuleDetail {
  const unit = ruleUnit(r);
  const hasLevel = (r.kind === 'threshold' || r.kind === 'forecast') && unit !== 'bool';
  return {
    id: r.id,
    title: r.title,
    condition: r.condition,
    severity: r.severity,
    enabled: r.enabled,
    edited: r.edited,
    hasLevel,
    op: r.op ?? '>',
    unit: unit === '/s' ? 'per second' : unit,
    canEscalate: hasLevel,
    onInterfaces: r.kind === 'interface-down' || (r.metrics ?? []).some((m) => m.startsWith('if.')),
    isReboot: r.kind === 'reboot',
    hasCount: r.kind !== 'reboot',
    appliesTo: r.appliesTo ?? [],
  };
}

const str = (n: number | undefined) => (n === undefined ? '' : String(n));
const minutes = (s: number | undefined) =>
  s === undefined ? '' : String(Math.round((s / 60) * 100) / 100);

function valuesOf(r: RuleView): RuleFormValues {
  return {
    title: r.title,
    enabled: r.enabled,
    autoResolve: r.autoResolve ?? true,
    threshold: str(r.threshold),
    clearThreshold: r.clearThreshold !== undefined ? str(r.clearThreshold) : '',
    forMin: minutes(r.forS),
    forCount: str(r.forCount ?? 1),
    severity: r.severity,
    escalateThreshold: str(r.escalate?.threshold),
    escalateSeverity: r.escalate?.severity ?? '',
    interfaces: r.interfaces ?? 'all',
    clearAfterMin: minutes(r.clearAfterS),
  };
}

/** A typed number: undefined when empty, NaN when not a number (reported by the schema). */
function parseNum(text: string | undefined): number | undefined {
  const t = (text ?? '').trim().replace(',', '.');
  if (t === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : Number.NaN;
}
const seconds = (min: number | undefined) =>
  min === undefined || Number.isNaN(min) ? min : Math.round(min * 60);

/** The rule form as a patch for the service (only the fields this rule shows). */
function rulePatchOf(r: RuleDetail, form: Record<string, string>): Record<string, unknown> {
  const patch: Record<string, unknown> = {
    title: form.title ?? '',
    enabled: form.enabled === 'on',
    // On is the default: stored as no field, so that the rule still reads as unedited.
    autoResolve: form.autoResolve === 'on' ? null : false,
    forS: seconds(parseNum(form.forMin)) ?? 0,
    severity: form.severity ?? '',
  };
  if (r.hasLevel) {
    patch.threshold = parseNum(form.threshold);
    patch.clearThreshold = parseNum(form.clearThreshold) ?? null;
    patch.escalate = form.escalateSeverity
      ? { threshold: parseNum(form.escalateThreshold), severity: form.escalateSeverity }
      : null;
  }
  if (r.hasCount) patch.forCount = parseNum(form.forCount) ?? 1;
  if (r.onInterfaces) patch.interfaces = form.interfaces ?? '';
  if (r.isReboot) patch.clearAfterS = seconds(parseNum(form.clearAfterMin));
  return patch;
}

/** Field names of the service and its schemas → names of the form's fields. */
const RULE_FIELDS: Record<string, string> = {
  forS: 'forMin',
  escalate: 'escalateThreshold',
  'escalate.threshold': 'escalateThreshold',
  'escalate.severity': 'escalateSeverity',
  clearAfterS: 'clearAfterMin',
};

function formFields(fields: Record<string, string>, map: (k: string) => string) {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) out[map(k)] ??= v;
  return out;
}

function valuesFromForm(form: Record<string, string>, r: RuleView): RuleFormValues {
  const base = valuesOf(r);
  return {
    title: form.title ?? base.title,
    enabled: form.enabled === 'on',
    autoResolve: form.autoResolve === 'on',
    threshold: form.threshold ?? base.threshold,
    clearThreshold: form.clearThreshold ?? base.clearThreshold,
    forMin: form.forMin ?? base.forMin,
    forCount: form.forCount ?? base.forCount,
    severity: form.severity ?? base.severity,
    escalateThreshold: form.escalateThreshold ?? base.escalateThreshold,
    escalateSeverity: form.escalateSeverity ?? base.escalateSeverity,
    interfaces: form.interfaces ?? base.interfaces,
    clearAfterMin: form.clearAfterMin ?? base.clearAfterMin,
  };
}

function overrideValuesFromForm(form: Record<string, string>): OverrideFormValues {
  return {
    scope: form.o_scope ?? 'type',
    type: form.o_type ?? '',
    device: form.o_device ?? '',
    enabled: form.o_enabled ?? '',
    threshold: form.o_threshold ?? '',
    clearThreshold: form.o_clearThreshold ?? '',
    forMin: form.o_forMin ?? '',
    severity: form.o_severity ?? '',
  };
}

function typeLabel(t: string): string {
  return (TYPE_LABELS as Record<string, string>)[t] ?? t;
}

/** "threshold 80 %, for 5 min, severity major, off", in words. */
function overrideSummary(r: RuleView, o: RuleOverride): string {
  const unit = ruleUnit(r);
  const parts: string[] = [];
  if (o.enabled !== undefined) parts.push(o.enabled ? 'on' : 'off');
  if (o.threshold !== undefined)
    parts.push(`${r.op === '<' ? 'below' : 'above'} ${formatValue(o.threshold, unit)}`);
  if (o.clearThreshold !== undefined)
    parts.push(`clears at ${formatValue(o.clearThreshold, unit)}`);
  if (o.forS !== undefined) parts.push(o.forS ? `for ${formatSeconds(o.forS)}` : 'at once');
  if (o.severity !== undefined) parts.push(o.severity);
  return parts.join(', ');
}

/**
 * /monitoring/rules: the raised alerts and the rules (any role reads; admins change rules and
 * overrides), and the interface "important" form that the device page posts to (operators).
 */
export function rulesPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const timezone = async () => (await deps.site.get()).timezone;

  app.get('/', async (c) => {
    const [rules, alerts] = await Promise.all([deps.rules.list(), deps.alerts.active()]);
    return c.html(
      <RulesPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        rules={rules.map((r) => ({
          id: r.id,
          title: r.title,
          condition: r.condition,
          severity: r.severity,
          enabled: r.enabled,
          edited: r.edited,
          typeOverrides: r.overrides.filter((o) => o.scope === 'type').length,
          deviceOverrides: r.overrides.filter((o) => o.scope === 'device').length,
        }))}
        alerts={alerts}
        canEdit={hasRole(c, 'admin')}
        notice={c.req.query('done')}
      />,
    );
  });

  const editPage = async (
    c: Context<AppEnv>,
    id: string,
    extra: {
      values?: RuleFormValues;
      errors?: Record<string, string>;
      overrideValues?: OverrideFormValues;
      overrideErrors?: Record<string, string>;
      error?: string;
    } = {},
    status: 200 | 409 | 422 = 200,
  ) => {
    const rule = await deps.rules.get(id);
    const devices = (
      await deps.devices.query({ sort: 'name', order: 'asc', limit: 500, offset: 0 })
    ).items;
    const names = new Map(devices.map((d) => [d.id, d.name]));
    return c.html(
      <RuleEditPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        rule={detailOf(rule)}
        values={extra.values ?? valuesOf(rule)}
        errors={extra.errors}
        overrides={rule.overrides.map((o) => ({
          scope: o.scope,
          key: o.key,
          label: o.scope === 'type' ? typeLabel(o.key) : (names.get(o.key) ?? o.key),
          summary: overrideSummary(rule, o),
          updatedBy: o.updatedBy,
          updatedAt: o.updatedAt,
        }))}
        overrideValues={extra.overrideValues ?? EMPTY_OVERRIDE}
        overrideErrors={extra.overrideErrors}
        typeOptions={DEVICE_TYPES.map((t) => ({ value: t, label: typeLabel(t) }))}
        deviceOptions={devices.map((d) => ({ value: d.id, label: `${d.name} (${d.ip})` }))}
        canEdit={hasRole(c, 'admin')}
        notice={c.req.query('done')}
        error={extra.error}
      />,
      status,
    );
  };

  app.get('/:id', (c) => editPage(c, c.req.param('id')));

  app.post('/:id', async (c) => {
    assertRole(c, 'admin');
    const id = c.req.param('id');
    const rule = await deps.rules.get(id);
    const form = await readForm(c);
    const values = valuesFromForm(form, rule);
    const parsed = rulePatchSchema.safeParse(rulePatchOf(detailOf(rule), form));
    if (!parsed.success) {
      const errors = formFields(issuesToFields(parsed.error), (k) => RULE_FIELDS[k] ?? k);
      return editPage(c, id, { values, errors }, 422);
    }
    try {
      await deps.rules.update(id, parsed.data, ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      const errors = formFields(e.fields, (k) => RULE_FIELDS[k] ?? k);
      if (!Object.keys(errors).length) errors.title = e.message;
      return editPage(c, id, { values, errors }, 422);
    }
    return c.redirect(done(`/monitoring/rules/${id}`, 'Rule saved.'), 303);
  });

  app.post('/:id/reset', async (c) => {
    assertRole(c, 'admin');
    const id = c.req.param('id');
    const r = await deps.rules.reset(id, ctxOf(c));
    return c.redirect(done(`/monitoring/rules/${id}`, `“${r.title}” is back to its default.`), 303);
  });

  app.post('/:id/overrides', async (c) => {
    assertRole(c, 'admin');
    const id = c.req.param('id');
    const rule = await deps.rules.get(id);
    const form = await readForm(c);
    const overrideValues = overrideValuesFromForm(form);
    const scope = overrideValues.scope === 'device' ? 'device' : 'type';
    const keyField = scope === 'device' ? 'o_device' : 'o_type';
    const key = scope === 'device' ? overrideValues.device : overrideValues.type;
    const fail = (overrideErrors: Record<string, string>) =>
      editPage(c, id, { overrideValues, overrideErrors }, 422);
    if (overrideValues.scope !== 'type' && overrideValues.scope !== 'device')
      return fail({ o_scope: 'Choose a device type or one device.' });
    if (!key)
      return fail({ [keyField]: scope === 'device' ? 'Choose a device.' : 'Choose a type.' });
    const input: Record<string, unknown> = {};
    if (overrideValues.enabled) input.enabled = overrideValues.enabled === 'on';
    const num = (k: 'threshold' | 'clearThreshold', text: string) => {
      const v = parseNum(text);
      if (v !== undefined) input[k] = v;
    };
    num('threshold', overrideValues.threshold);
    num('clearThreshold', overrideValues.clearThreshold);
    const forS = seconds(parseNum(overrideValues.forMin));
    if (forS !== undefined) input.forS = forS;
    if (overrideValues.severity) input.severity = overrideValues.severity;
    const toForm = (k: string) =>
      k === '(root)' ? 'o_enabled' : k === 'key' ? keyField : k === 'forS' ? 'o_forMin' : `o_${k}`;
    const parsed = overrideInputSchema.safeParse(input);
    if (!parsed.success) {
      const fields = issuesToFields(parsed.error);
      if (fields['(root)']) fields['(root)'] = 'Change at least one setting.';
      return fail(formFields(fields, toForm));
    }
    try {
      await deps.rules.setOverride(id, scope, key, parsed.data, ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      const fields = Object.keys(e.fields).length ? e.fields : { key: e.message };
      return fail(formFields(fields, toForm));
    }
    const label =
      scope === 'type' ? typeLabel(key) : ((await deps.store.devices.get(key))?.name ?? key);
    return c.redirect(
      done(`/monitoring/rules/${rule.id}`, `Override for ${label} saved.`) + '#overrides',
      303,
    );
  });

  app.post('/:id/overrides/:scope/:key/delete', async (c) => {
    assertRole(c, 'admin');
    const { id, scope, key } = c.req.param();
    if (scope !== 'type' && scope !== 'device')
      throw badRequest('BAD_SCOPE', 'An override is for a "type" or a "device".');
    await deps.rules.clearOverride(id, scope, key, ctxOf(c));
    return c.redirect(done(`/monitoring/rules/${id}`, 'Override removed.') + '#overrides', 303);
  });

  // The device page's "important" buttons post here; the answer goes back to that page.
  app.post('/interfaces/:deviceId/:ifIndex', async (c) => {
    assertRole(c, 'operator');
    const { deviceId, ifIndex } = c.req.param();
    const choice = (await readForm(c)).important;
    if (choice !== 'true' && choice !== 'false' && choice !== 'auto')
      throw badRequest('BAD_CHOICE', 'Choose important, not important or automatic.');
    const r = await deps.interfaceMarks.set(
      deviceId,
      ifIndex,
      choice === 'auto' ? null : choice === 'true',
      ctxOf(c),
    );
    return c.redirect(
      done(
        `/devices/${encodeURIComponent(deviceId)}`,
        `${r.name || `Interface ${ifIndex}`} is ${r.important ? 'important' : 'not important'} now.`,
      ),
      303,
    );
  });

  return app;
}
