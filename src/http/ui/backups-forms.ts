/**
 * The backup forms as plain HTML forms: their fields mapped to the service's inputs (the same zod
 * schemas as the API), and the service's field errors mapped back to the fields, with one message
 * per bad line for the one-per-line lists.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { describeSource } from '../../backup/backup-service.js';
import { jobInputSchema } from '../../backup/job-schema.js';
import { DEFAULT_RETENTION } from '../../backup/retention.js';
import { issuesToFields } from '../../core/zod-errors.js';
import type { BackupJob } from '../../store/backups.js';
import type { FieldErrors } from '../../../views/partials/form.js';
import {
  SCHEDULE_PRESETS,
  type JobFormErrors,
  type JobFormValues,
} from '../../../views/pages/backups/job-form.js';
import type { TargetFormValues } from '../../../views/pages/backups/target-form.js';
import type { RestoreFormValues } from '../../../views/pages/backups/restore-form.js';

/** A form with repeated fields kept as lists; files are ignored. */
export async function readFormAll(c: Context<AppEnv>) {
  const body = await c.req.parseBody({ all: true });
  const all = (k: string): string[] => {
    const v = body[k];
    return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
  };
  return { one: (k: string) => all(k).at(-1) ?? '', on: (k: string) => all(k).length > 0 };
}

/** Lines of a textarea with their line numbers, blank lines left out. */
export function lines(text: string): Array<{ text: string; line: number }> {
  return text
    .split(/\r?\n/)
    .map((l, i) => ({ text: l.trim(), line: i + 1 }))
    .filter((l) => l.text !== '');
}

const WHOLE = /^\d{1,10}$/;

/** Empty: the default (undefined); digits: the number; anything else: left for a message. */
function num(s: string): number | undefined {
  const t = s.trim();
  return t === '' || !WHOLE.test(t) ? undefined : Number(t);
}

const clean = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;

// ---- jobs ---------------------------------------------------------------------------------------

/**
 * One source line as the service's input, in the notation `describeSource` writes: `/srv/files`
 * (a folder on the box), `backup@nas:/volume1/share` or `backup@nas:2222:/volume1/share` (SSH),
 * `rsync://[user@]nas[:873]/module/path` (an rsync daemon). Anything else is passed on as a path,
 * for the schema to refuse next to its line.
 */
export function parseSource(line: string, rsyncPassword: string): Record<string, unknown> {
  const rsyncd = /^rsync:\/\/(?:([^@/\s]+)@)?([^:/\s]+)(?::(\d{1,5}))?\/([^/\s]+)(?:\/(.*))?$/.exec(
    line,
  );
  if (rsyncd) {
    const [, user, host, port, module, rest] = rsyncd;
    return clean({
      kind: 'rsyncd',
      host,
      port: port ? Number(port) : undefined,
      module,
      path: rest ?? '',
      user,
      password: rsyncPassword || undefined,
    });
  }
  const ssh = /^([^@/\s]+)@([^:/\s]+):(?:(\d{1,5}):)?(\/.*)$/.exec(line);
  if (ssh) {
    const [, user, host, port, p] = ssh;
    return clean({ kind: 'ssh', host, port: port ? Number(port) : undefined, user, path: p });
  }
  return { kind: 'local', path: line };
}

export function emptyJobForm(targetId = ''): JobFormValues {
  const r = DEFAULT_RETENTION;
  return {
    name: '',
    targetId,
    sources: '',
    include: '',
    exclude: '',
    schedule: '30 1 * * *',
    scheduleCustom: '',
    keepLast: String(r.keepLast),
    keepAllDays: String(r.keepAllDays),
    dailyDays: String(r.dailyDays),
    weeklyWeeks: String(r.weeklyWeeks),
    monthlyMonths: String(r.monthlyMonths),
    maxCount: r.maxCount === undefined ? '' : String(r.maxCount),
    verifySample: '20',
    bwlimitKiB: '',
    staleAfterHours: '26',
    restoreTestEveryDays: '7',
    applianceData: false,
    rsyncPassword: '',
    oneFileSystem: true,
    numericIds: true,
    aclsXattrs: false,
    enabled: true,
  };
}

export function jobFormValues(j: BackupJob): JobFormValues {
  const r = { ...DEFAULT_RETENTION, ...j.retention };
  const preset = SCHEDULE_PRESETS.some((p) => p.value === j.schedule && p.value !== 'custom');
  const str = (n: number | undefined) => (n === undefined ? '' : String(n));
  return {
    name: j.name,
    targetId: j.targetId,
    sources: j.sources.map(describeSource).join('\n'),
    include: j.include.join('\n'),
    exclude: j.exclude.join('\n'),
    schedule: preset ? j.schedule : 'custom',
    scheduleCustom: preset ? '' : j.schedule,
    keepLast: str(r.keepLast),
    keepAllDays: str(r.keepAllDays),
    dailyDays: str(r.dailyDays),
    weeklyWeeks: str(r.weeklyWeeks),
    monthlyMonths: str(r.monthlyMonths),
    maxCount: str(r.maxCount),
    verifySample: String(j.verifySample),
    bwlimitKiB: str(j.bwlimitKiB),
    staleAfterHours: str(j.staleAfterHours ?? 26),
    restoreTestEveryDays: str(j.restoreTestEveryDays ?? 7),
    applianceData: j.applianceData ?? false,
    rsyncPassword: '',
    oneFileSystem: j.oneFileSystem,
    numericIds: j.numericIds,
    aclsXattrs: j.aclsXattrs,
    enabled: j.enabled,
  };
}

export async function readJobForm(c: Context<AppEnv>): Promise<JobFormValues> {
  const f = await readFormAll(c);
  const text = (k: string) => f.one(k).replace(/\r\n/g, '\n');
  const short = (k: string) => f.one(k).trim();
  return {
    name: f.one('name'),
    targetId: short('targetId'),
    sources: text('sources'),
    include: text('include'),
    exclude: text('exclude'),
    schedule: short('schedule'),
    scheduleCustom: short('scheduleCustom'),
    keepLast: short('keepLast'),
    keepAllDays: short('keepAllDays'),
    dailyDays: short('dailyDays'),
    weeklyWeeks: short('weeklyWeeks'),
    monthlyMonths: short('monthlyMonths'),
    maxCount: short('maxCount'),
    verifySample: short('verifySample'),
    bwlimitKiB: short('bwlimitKiB'),
    staleAfterHours: short('staleAfterHours'),
    restoreTestEveryDays: short('restoreTestEveryDays'),
    applianceData: f.on('applianceData'),
    // Never shown back; empty keeps the stored one.
    rsyncPassword: f.one('rsyncPassword'),
    oneFileSystem: f.on('oneFileSystem'),
    numericIds: f.on('numericIds'),
    aclsXattrs: f.on('aclsXattrs'),
    enabled: f.on('enabled'),
  };
}

const RETENTION_FIELDS = [
  'keepLast',
  'keepAllDays',
  'dailyDays',
  'weeklyWeeks',
  'monthlyMonths',
  'maxCount',
] as const;
const NUMBER_FIELDS = [
  ...RETENTION_FIELDS,
  'verifySample',
  'bwlimitKiB',
  'staleAfterHours',
  'restoreTestEveryDays',
] as const;

/** Messages for numbers the schemas describe in programmer's words. */
const NUMBER_MESSAGES: Record<string, string> = {
  verifySample: 'Use a whole number from 0 to 1000 (0 turns verification off).',
  bwlimitKiB: 'Use a whole number from 1 to 10,000,000 KiB/s, or leave it empty.',
  staleAfterHours: 'Use a whole number of hours from 1 to 2160 (90 days).',
  restoreTestEveryDays: 'Use a whole number of days from 0 to 365 (0 turns the test off).',
};

/** The retention fields as the service's policy input (empty fields take the defaults). */
export function retentionInput(v: JobFormValues) {
  return clean({
    keepLast: num(v.keepLast),
    keepAllDays: num(v.keepAllDays),
    dailyDays: num(v.dailyDays),
    weeklyWeeks: num(v.weeklyWeeks),
    monthlyMonths: num(v.monthlyMonths),
    maxCount: num(v.maxCount),
  });
}

/** Numbers that are not whole numbers, found before the service is asked. */
export function numberProblems(v: JobFormValues, only: readonly string[] = NUMBER_FIELDS) {
  const out: FieldErrors = {};
  for (const k of only) {
    const t = v[k as keyof JobFormValues];
    if (typeof t === 'string' && t !== '' && !WHOLE.test(t))
      out[k] = NUMBER_MESSAGES[k] ?? 'Enter a whole number.';
  }
  return out;
}

export const retentionProblems = (v: JobFormValues) => numberProblems(v, RETENTION_FIELDS);

/** The form as the service's input. */
export function jobInput(v: JobFormValues) {
  const custom = v.schedule === 'custom';
  return clean({
    name: v.name,
    targetId: v.targetId,
    sources: lines(v.sources).map((l) => parseSource(l.text, v.rsyncPassword)),
    include: lines(v.include).map((l) => l.text),
    exclude: lines(v.exclude).map((l) => l.text),
    bwlimitKiB: num(v.bwlimitKiB),
    oneFileSystem: v.oneFileSystem,
    numericIds: v.numericIds,
    aclsXattrs: v.aclsXattrs,
    schedule: custom ? v.scheduleCustom : v.schedule,
    retention: retentionInput(v),
    verifySample: num(v.verifySample),
    applianceData: v.applianceData,
    staleAfterHours: num(v.staleAfterHours),
    restoreTestEveryDays: num(v.restoreTestEveryDays),
    enabled: v.enabled,
  });
}

/** Everything the schema says about the input, for reporting with problems found earlier. */
export function schemaFields(input: unknown): Record<string, string> {
  const r = jobInputSchema.safeParse(input);
  return r.success ? {} : issuesToFields(r.error);
}

/** The service's field paths (sources.2.path, retention.keepLast, …) as the form's fields. */
export function jobFormErrors(v: JobFormValues, fields: Record<string, string>): JobFormErrors {
  const out: JobFormErrors = { fields: {}, sources: [], include: [], exclude: [] };
  const listed = {
    sources: lines(v.sources),
    include: lines(v.include),
    exclude: lines(v.exclude),
  };
  for (const [path, msg] of Object.entries(fields)) {
    const parts = path.split('.');
    const head = parts[0]!;
    if ((head === 'sources' || head === 'include' || head === 'exclude') && parts[1]) {
      const at = listed[head][Number(parts[1])];
      out[head].push(at ? `Line ${at.line} (${at.text}): ${msg}` : msg);
    } else if (head === 'retention') {
      const k = parts[1] ?? 'keepLast';
      out.fields[k] ??= msg;
    } else if (head === 'schedule') {
      out.fields[v.schedule === 'custom' ? 'scheduleCustom' : 'schedule'] ??= msg;
    } else if (head === '(root)') {
      out.fields.name ??= msg;
    } else {
      out.fields[head] ??= NUMBER_MESSAGES[head] ?? msg;
    }
  }
  return out;
}

export function hasJobErrors(e: JobFormErrors): boolean {
  return Object.keys(e.fields).length + e.sources.length + e.include.length + e.exclude.length > 0;
}

// ---- targets ------------------------------------------------------------------------------------

export async function readTargetForm(c: Context<AppEnv>): Promise<TargetFormValues> {
  const f = await readFormAll(c);
  return {
    name: f.one('name'),
    kind: f.one('kind').trim(),
    path: f.one('path').trim(),
    uuid: f.one('uuid').trim(),
    minFreeMiB: f.one('minFreeMiB').trim(),
    minFreeInodes: f.one('minFreeInodes').trim(),
    mount: f.on('mount'),
  };
}

export function targetInput(v: TargetFormValues) {
  const number = (s: string) => (s === '' ? undefined : WHOLE.test(s) ? Number(s) : s);
  return clean({
    name: v.name,
    kind: v.kind,
    path: v.kind === 'disk' && v.mount && v.path === '' ? undefined : v.path,
    uuid: v.kind === 'disk' ? v.uuid : undefined,
    mount: v.kind === 'disk' && v.mount ? true : undefined,
    minFreeMiB: number(v.minFreeMiB),
    minFreeInodes: number(v.minFreeInodes),
  });
}

/** Where a target error belongs: most are about the directory, a few about the disk. */
export function targetFieldErrors(
  fields: Record<string, string>,
  code: string,
  message: string,
): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, msg] of Object.entries(fields)) {
    const k = path === '(root)' ? 'kind' : path.split('.')[0]!;
    out[k] ??= msg;
  }
  if (!Object.keys(fields).length) {
    if (code === 'TARGET_UUID_INVALID') out.uuid = message;
    else if (code.startsWith('TARGET_')) out.path = message;
  }
  return out;
}

// ---- restores -----------------------------------------------------------------------------------

export async function readRestoreForm(c: Context<AppEnv>): Promise<RestoreFormValues> {
  const f = await readFormAll(c);
  return {
    destination: f.one('destination').trim() || 'original',
    directory: f.one('directory').trim(),
    overwrite: f.on('overwrite'),
  };
}

export function restoreInput(jobId: string, snapshot: string, path: string, v: RestoreFormValues) {
  return {
    jobId,
    snapshot,
    path,
    destination:
      v.destination === 'directory' || v.destination === 'source-directory'
        ? { kind: v.destination, path: v.directory }
        : { kind: v.destination },
    overwrite: v.overwrite,
  };
}

export function restoreFieldErrors(
  v: RestoreFormValues,
  fields: Record<string, string>,
  code: string,
  message: string,
): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, msg] of Object.entries(fields)) {
    if (path === 'destination.path')
      out.directory ??=
        v.directory === '' ? 'Enter the folder as an absolute path, such as /srv/restored.' : msg;
    else if (path.startsWith('destination')) out.destination ??= 'Choose where to put it.';
    else out.destination ??= msg;
  }
  if (!Object.keys(fields).length) {
    if (code === 'RESTORE_NO_ORIGIN' || code === 'RESTORE_PATH_OUTSIDE') out.destination = message;
    else if (code === 'RESTORE_DEST_MISSING')
      out[v.destination === 'original' ? 'destination' : 'directory'] = message;
    else if (code === 'PATH_NOT_UTF8') out.directory = message;
  }
  return out;
}
