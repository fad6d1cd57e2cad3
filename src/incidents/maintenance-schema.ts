/**
 * What an admin or HQ sends to create or replace a maintenance window. The same schema validates
 * API bodies and forms and describes them in the OpenAPI document.
 *
 * One-off windows accept times with an offset (`2026-03-28T22:00:00Z`, `…+01:00`) or without one
 * (`2026-03-28T22:00`, what a datetime-local field sends), read in the window's time zone; either
 * way they are stored as UTC (`2026-03-28T21:00:00.000Z`) so that nothing downstream has to guess.
 */
import { z } from 'zod';
import { isTimeOfDay } from '../monitor/inspection-schedule.js';
import { canonicalZoneName } from '../lib/zoneinfo.js';
import { parseDateTime } from './maintenance-schedule.js';

export const MAX_ONCE_DAYS = 30;
/** Recurring weekly and monthly windows may last up to a week. */
export const MAX_RECURRING_MINUTES = 7 * 24 * 60;

const DAY_MS = 86_400_000;

/** The zone's IANA name as the tz database spells it (`europe/berlin` → `Europe/Berlin`). */
export function canonicalTimeZone(tz: string): string | undefined {
  return canonicalZoneName(tz);
}

const TIME_ZONE_MESSAGE = 'Use an IANA time zone such as Europe/Berlin or America/New_York.';

export const timeZoneSchema = z
  .string({ error: TIME_ZONE_MESSAGE })
  .trim()
  .refine((tz) => canonicalTimeZone(tz) !== undefined, TIME_ZONE_MESSAGE)
  .overwrite((tz) => canonicalTimeZone(tz) ?? tz);

const timeOfDay = z
  .string({ error: 'Use a time of day as HH:MM (24 h), such as 02:00.' })
  .trim()
  .refine(isTimeOfDay, 'Use a time of day as HH:MM (24 h), such as 02:00.');

function minutes(max: number, what: string) {
  const message = `Use a whole number of minutes from 1 to ${max} (${what}).`;
  return z.number({ error: message }).int(message).min(1, message).max(max, message);
}

const DATE_TIME_MESSAGE =
  'Use a date and time such as 2026-03-28T22:00 (local) or 2026-03-28T21:00:00Z.';

const dateTime = z
  .string({ error: DATE_TIME_MESSAGE })
  .trim()
  // Any zone will do to check the form; the window's own zone is applied further up.
  .refine((s) => parseDateTime(s, 'UTC') !== undefined, DATE_TIME_MESSAGE);

const DAY_MESSAGE = 'Use days of the week as numbers from 0 (Sunday) to 6 (Saturday).';
const MONTH_DAY_MESSAGE = 'Use a day of the month from 1 to 31, or "last".';

export const scheduleSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('once'), start: dateTime, end: dateTime }),
    z.strictObject({ kind: z.literal('daily'), at: timeOfDay, durationMin: minutes(1440, '24 h') }),
    z.strictObject({
      kind: z.literal('weekly'),
      days: z
        .array(
          z.number({ error: DAY_MESSAGE }).int(DAY_MESSAGE).min(0, DAY_MESSAGE).max(6, DAY_MESSAGE),
          {
            error: 'Choose at least one day of the week.',
          },
        )
        .min(1, 'Choose at least one day of the week.')
        .refine((days) => new Set(days).size === days.length, 'Name each day of the week once.')
        .overwrite((days) => [...days].sort((a, b) => a - b)),
      at: timeOfDay,
      durationMin: minutes(MAX_RECURRING_MINUTES, '7 days'),
    }),
    z.strictObject({
      kind: z.literal('monthly'),
      day: z.union(
        [
          z.number().int(MONTH_DAY_MESSAGE).min(1, MONTH_DAY_MESSAGE).max(31, MONTH_DAY_MESSAGE),
          z.literal('last'),
        ],
        { error: MONTH_DAY_MESSAGE },
      ),
      at: timeOfDay,
      durationMin: minutes(MAX_RECURRING_MINUTES, '7 days'),
    }),
  ],
  { error: 'Choose a schedule: once, daily, weekly or monthly.' },
);
export type WindowSchedule = z.output<typeof scheduleSchema>;

const deviceType = z
  .string({ error: 'Name device types such as switch, printer or server.' })
  .trim()
  .toLowerCase()
  .min(1, 'A device type may not be empty.')
  .max(40, 'Use at most 40 characters for a device type.');

export const scopeSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('site') }),
    z.strictObject({
      kind: z.literal('devices'),
      deviceIds: z
        .array(
          z
            .string({ error: 'Device ids are strings.' })
            .trim()
            .min(1, 'A device id may not be empty.')
            .max(64, 'Use at most 64 characters for a device id.'),
          { error: 'Choose at least one device.' },
        )
        .min(1, 'Choose at least one device.')
        .max(500, 'Choose at most 500 devices.')
        .overwrite((ids) => [...new Set(ids)]),
    }),
    z.strictObject({
      kind: z.literal('types'),
      types: z
        .array(deviceType, { error: 'Choose at least one device type.' })
        .min(1, 'Choose at least one device type.')
        .max(20, 'Choose at most 20 device types.')
        .overwrite((types) => [...new Set(types)]),
    }),
  ],
  { error: 'Choose a scope: site, devices or types.' },
);
export type MaintenanceScope = z.output<typeof scopeSchema>;

/**
 * The window schema. `siteTimeZone` is the zone used when the input names none (it is validated
 * like any other, so a broken site setting shows up as a field error rather than a crash).
 */
export function maintenanceWindowSchema(siteTimeZone: string) {
  return z
    .strictObject({
      name: z
        .string({ error: 'Give the window a name.' })
        .trim()
        .min(1, 'Give the window a name.')
        .max(80, 'Use at most 80 characters.'),
      reason: z
        .string({ error: 'Say why the window is needed.' })
        .trim()
        .min(1, 'Say why the window is needed.')
        .max(500, 'Use at most 500 characters.'),
      scope: scopeSchema,
      schedule: scheduleSchema,
      timeZone: timeZoneSchema.prefault(siteTimeZone),
      enabled: z.boolean({ error: 'Use true or false.' }).default(true),
      suppressNotifications: z.boolean({ error: 'Use true or false.' }).default(true),
    })
    .superRefine((w, ctx) => {
      if (w.schedule.kind !== 'once') return;
      const start = parseDateTime(w.schedule.start, w.timeZone);
      const end = parseDateTime(w.schedule.end, w.timeZone);
      if (start === undefined || end === undefined) return;
      if (end <= start) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedule', 'end'],
          message: 'The end must be after the start.',
        });
      } else if (end - start > MAX_ONCE_DAYS * DAY_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['schedule', 'end'],
          message: `A one-off window may last at most ${MAX_ONCE_DAYS} days.`,
        });
      }
    })
    .overwrite((w) => {
      if (w.schedule.kind !== 'once') return w;
      const utc = (s: string) => {
        const ms = parseDateTime(s, w.timeZone);
        return ms === undefined ? s : new Date(ms).toISOString();
      };
      return {
        ...w,
        schedule: { ...w.schedule, start: utc(w.schedule.start), end: utc(w.schedule.end) },
      };
    });
}

export type MaintenanceWindowInput = z.input<ReturnType<typeof maintenanceWindowSchema>>;
/** A validated window, as stored (with its id and bookkeeping added by the service). */
export type MaintenanceWindowSpec = z.output<ReturnType<typeof maintenanceWindowSchema>>;
