import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readForm } from '../request.js';
import { shellProps, formErrors, hasRole, assertRole } from './shell.js';
import { notFound } from '../../core/errors.js';
import { issuesToFields } from '../../core/zod-errors.js';
import type { CheckView } from '../../monitor/check-service.js';
import {
  checkInputSchema,
  checkUpdateSchema,
  describeCheck,
  type CheckDef,
  type ServiceCheck,
} from '../../monitor/checks/check-schema.js';
import {
  DeviceChecksPage,
  EMPTY_CHECK_FORM,
  type CheckFormValues,
  type CheckRow,
  type DeviceChecksProps,
} from '../../../views/pages/devices/checks.js';

const done = (path: string, message: string) => `${path}?done=${encodeURIComponent(message)}`;

/** The table rows of a device's checks. */
export function checkRows(checks: CheckView[]): CheckRow[] {
  return checks.map((c) => ({
    id: c.id,
    name: c.name,
    enabled: c.enabled,
    kind: c.kind,
    summary: describeCheck(c),
    ...(c.kind === 'http' && c.https ? { certWarnDays: c.certWarnDays } : {}),
    ...(c.lastResult ? { lastResult: c.lastResult } : {}),
  }));
}

/**
 * The props of the checks section of a device page (the device page renders
 * `<DeviceChecks {...await deviceChecksProps(c, deps, id)} />`).
 */
export async function deviceChecksProps(
  c: Context<AppEnv>,
  deps: AppDeps,
  deviceId: string,
  extra: Partial<DeviceChecksProps> = {},
): Promise<DeviceChecksProps> {
  const [checks, site] = await Promise.all([deps.checks.listByDevice(deviceId), deps.site.get()]);
  return {
    deviceId,
    csrfToken: shellProps(c, deps).csrfToken,
    timezone: site.timezone,
    checks: checkRows(checks),
    canEdit: hasRole(c, 'operator'),
    ...extra,
  };
}

/** The form as typed. */
export function checkFormValues(form: Record<string, string>): CheckFormValues {
  const text = (k: keyof CheckFormValues) => (form[k] ?? '').trim();
  return {
    kind: text('kind') || 'tcp',
    name: text('name'),
    enabled: form.enabled === 'on',
    timeoutMs: text('timeoutMs'),
    tcpPort: text('tcpPort'),
    httpPort: text('httpPort'),
    path: text('path'),
    https: form.https === 'on',
    expectStatus: text('expectStatus'),
    keyword: form.keyword ?? '',
    certWarnDays: text('certWarnDays'),
    verifyTls: form.verifyTls === 'on',
    hostHeader: text('hostHeader'),
    dnsPort: text('dnsPort'),
    query: text('query'),
    type: text('type') || 'A',
    expect: text('expect'),
  };
}

/** The values of a stored check, for its edit form. */
export function storedFormValues(c: ServiceCheck): CheckFormValues {
  const base = {
    ...EMPTY_CHECK_FORM,
    kind: c.kind,
    name: c.name,
    enabled: c.enabled,
    timeoutMs: String(c.timeoutMs),
  };
  switch (c.kind) {
    case 'tcp':
      return { ...base, tcpPort: String(c.port) };
    case 'http':
      return {
        ...base,
        httpPort: c.port === undefined ? '' : String(c.port),
        path: c.path,
        https: c.https,
        expectStatus: c.expectStatus,
        keyword: c.keyword ?? '',
        certWarnDays: String(c.certWarnDays),
        verifyTls: c.verifyTls,
        hostHeader: c.hostHeader ?? '',
      };
    case 'dns':
      return {
        ...base,
        dnsPort: String(c.port),
        query: c.query,
        type: c.type,
        expect: c.expect ?? '',
      };
  }
}

/** Empty means "the default"; anything else must be a number (zod says so if it is not). */
const num = (s: string) => (s === '' ? undefined : Number(s));

/** The form as the schema's input: only the chosen kind's fields. */
function formInput(v: CheckFormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: v.kind,
    name: v.name,
    enabled: v.enabled,
    timeoutMs: num(v.timeoutMs),
  };
  const set = (k: string, value: unknown) => {
    if (value !== undefined && value !== '') out[k] = value;
  };
  if (v.kind === 'tcp') set('port', num(v.tcpPort) ?? NaN);
  if (v.kind === 'http') {
    set('port', num(v.httpPort));
    set('path', v.path || '/');
    out.https = v.https;
    set('expectStatus', v.expectStatus);
    set('keyword', v.keyword);
    set('certWarnDays', num(v.certWarnDays));
    out.verifyTls = v.verifyTls;
    set('hostHeader', v.hostHeader);
  }
  if (v.kind === 'dns') {
    set('port', num(v.dnsPort));
    out.query = v.query;
    set('type', v.type);
    set('expect', v.expect);
  }
  return out;
}

/** Schema paths to the form's field names (the port has one field per kind). */
function formFields(kind: string, fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, msg] of Object.entries(fields)) {
    const field =
      path === 'port'
        ? kind === 'http'
          ? 'httpPort'
          : kind === 'dns'
            ? 'dnsPort'
            : 'tcpPort'
        : path === '(root)'
          ? 'kind'
          : path.split('.')[0]!;
    out[field] ??= msg;
  }
  return out;
}

/** A device's service checks: the page the check forms land on, and their posts. */
export function checksPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  const page = async (
    c: Context<AppEnv>,
    deviceId: string,
    extra: Partial<DeviceChecksProps> = {},
    status: 200 | 409 | 422 = 200,
  ) => {
    const device = await deps.devices.get(deviceId);
    const props = await deviceChecksProps(c, deps, device.id, extra);
    return c.html(
      <DeviceChecksPage
        {...shellProps(c, deps)}
        {...props}
        deviceName={device.name}
        deviceIp={device.ip}
      />,
      status,
    );
  };

  /** A check of this device, or 404 (a check id under another device's path is not found). */
  const checkOf = async (deviceId: string, checkId: string) => {
    const check = await deps.checks.get(checkId);
    if (check.deviceId !== deviceId) throw notFound('The service check');
    return check;
  };

  app.get('/:id/checks', (c) => page(c, c.req.param('id'), { notice: c.req.query('done') }));

  app.post('/:id/checks', async (c) => {
    assertRole(c, 'operator');
    const id = c.req.param('id');
    const device = await deps.devices.get(id);
    const values = checkFormValues(await readForm(c));
    const parsed = checkInputSchema.safeParse({ ...formInput(values), deviceId: device.id });
    if (!parsed.success)
      return page(
        c,
        id,
        { values, errors: formFields(values.kind, issuesToFields(parsed.error)) },
        422,
      );
    let check: ServiceCheck;
    try {
      check = await deps.checks.create(parsed.data as CheckDef, ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      return page(
        c,
        id,
        { values, errors: formFields(values.kind, e.fields), error: e.message },
        e.error.status === 409 ? 409 : 422,
      );
    }
    return c.redirect(done(`/devices/${id}/checks`, `Check ${check.name} added.`), 303);
  });

  app.get('/:id/checks/:checkId/edit', async (c) => {
    assertRole(c, 'operator');
    const id = c.req.param('id');
    const check = await checkOf(id, c.req.param('checkId'));
    return page(c, id, { editing: check.id, values: storedFormValues(check) });
  });

  app.post('/:id/checks/:checkId', async (c) => {
    assertRole(c, 'operator');
    const id = c.req.param('id');
    const check = await checkOf(id, c.req.param('checkId'));
    const values = checkFormValues(await readForm(c));
    const parsed = checkUpdateSchema.safeParse(formInput(values));
    if (!parsed.success)
      return page(
        c,
        id,
        {
          editing: check.id,
          values,
          errors: formFields(values.kind, issuesToFields(parsed.error)),
        },
        422,
      );
    try {
      await deps.checks.update(check.id, parsed.data, ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      return page(
        c,
        id,
        {
          editing: check.id,
          values,
          errors: formFields(values.kind, e.fields),
          error: e.message,
        },
        e.error.status === 409 ? 409 : 422,
      );
    }
    return c.redirect(done(`/devices/${id}/checks`, `Check ${values.name} saved.`), 303);
  });

  app.post('/:id/checks/:checkId/delete', async (c) => {
    assertRole(c, 'operator');
    const id = c.req.param('id');
    const check = await checkOf(id, c.req.param('checkId'));
    await deps.checks.remove(check.id, ctxOf(c));
    return c.redirect(done(`/devices/${id}/checks`, `Check ${check.name} removed.`), 303);
  });

  return app;
}
