import { z } from 'zod';
import type { ChannelFilters, ChannelRecord, ChannelState } from '../store/notifications.js';
import { SEVERITIES, severityRank } from '../monitor/rules.js';
import { DEVICE_TYPES } from '../discovery/types.js';
import {
  addDays,
  isTimeOfDay,
  localDateOf,
  offsetMs,
  zonedInstant,
} from '../monitor/inspection-schedule.js';
import { SECRET_FIELDS, channelSettingsSchema } from './channels/channel-schema.js';
import type { NotifyKind, Severity } from './types.js';

/**
 * What a notification channel is (the input the API and forms send, and the view they get
 * back) and the pure decisions about it: which notifications it wants, when quiet hours hold
 * one back, when its digest is due, and how long a failed delivery waits.
 */

const DAY_MS = 86_400_000;

// ---- input ---------------------------------------------------------------------------------

const timeOfDay = z
  .string({ error: 'Use a 24-hour time such as 22:00.' })
  .refine(isTimeOfDay, 'Use a 24-hour time such as 22:00.');

export const channelFiltersSchema = z
  .object({
    minSeverity: z
      .enum(SEVERITIES, { error: 'Choose info, warning, minor, major or critical.' })
      .default('warning'),
    /** The "device groups": device types this channel is for; empty means every device. */
    deviceTypes: z
      .array(z.enum(DEVICE_TYPES, { error: `Use device types: ${DEVICE_TYPES.join(', ')}.` }))
      .max(DEVICE_TYPES.length)
      .default([]),
    notifyResolved: z.boolean().default(true),
    quietHours: z
      .object({ start: timeOfDay, end: timeOfDay, allowCritical: z.boolean().default(true) })
      .strict()
      .refine((q) => q.start !== q.end, {
        message: 'Quiet hours need an end different from the start.',
        path: ['end'],
      })
      .optional(),
    digest: z
      .object({
        mode: z
          .enum(['immediate', 'digest-only', 'both'], {
            error: 'Choose immediate, digest only or both.',
          })
          .default('digest-only'),
        at: timeOfDay.default('08:00'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const channelInputSchema = z
  .object({
    name: z
      .string({ error: 'Give the channel a name.' })
      .trim()
      .min(1, 'Give the channel a name.')
      .max(64, 'Use at most 64 characters.'),
    enabled: z.boolean().default(true),
    settings: channelSettingsSchema,
    filters: channelFiltersSchema.prefault({}),
  })
  .strict();
export type ChannelInput = z.input<typeof channelInputSchema>;

export const deliveriesQuerySchema = z
  .object({
    channel: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    /** The id of the last delivery of the previous page. */
    before: z
      .string()
      .max(80)
      .regex(/^[0-9A-Za-z.]+$/)
      .optional(),
  })
  .strict();

// ---- views ---------------------------------------------------------------------------------

/** A channel as the UI and API show it: secret fields are `{set}` and never their value. */
export interface PublicChannel {
  id: string;
  name: string;
  kind: ChannelRecord['kind'];
  enabled: boolean;
  settings: Record<string, unknown>;
  filters: ChannelFilters;
  state: ChannelState;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export function publicChannel(c: ChannelRecord): PublicChannel {
  const settings: Record<string, unknown> = { ...c.settings };
  for (const f of SECRET_FIELDS[c.kind] as readonly string[]) settings[f] = { set: f in c.sealed };
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    enabled: c.enabled,
    settings,
    filters: c.filters,
    state: c.state,
    createdAt: c.createdAt,
    createdBy: c.createdBy,
    updatedAt: c.updatedAt,
  };
}

// ---- pure helpers --------------------------------------------------------------------------

function minutes(hm: string): number {
  const [h, m] = hm.split(':');
  return Number(h) * 60 + Number(m);
}

/** The next instant after `afterMs` at which the zone's clock shows `hm`. */
export function nextLocalTime(hm: string, afterMs: number, tz: string): number {
  const today = localDateOf(afterMs, tz);
  for (let i = 0; i < 3; i++) {
    const t = zonedInstant(addDays(today, i), hm, tz);
    if (t > afterMs) return t;
  }
  return afterMs + DAY_MS;
}

/** When quiet hours covering `ms` end, or undefined outside them. */
export function quietUntil(
  q: { start: string; end: string },
  ms: number,
  tz: string,
): number | undefined {
  const local = (((ms + offsetMs(ms, tz)) % DAY_MS) + DAY_MS) % DAY_MS;
  const m = Math.floor(local / 60_000);
  const s = minutes(q.start);
  const e = minutes(q.end);
  const inside = s < e ? m >= s && m < e : m >= s || m < e;
  return inside ? nextLocalTime(q.end, ms, tz) : undefined;
}

/** Whether a channel wants single messages of this kind, severity and device type. */
export function routes(
  f: ChannelFilters,
  kind: NotifyKind,
  severity: Severity,
  deviceType: string | undefined,
): boolean {
  if (f.digest?.mode === 'digest-only') return false;
  if (kind === 'resolved' && !f.notifyResolved) return false;
  if (severityRank(severity) < severityRank(f.minSeverity)) return false;
  if (f.deviceTypes.length && (!deviceType || !f.deviceTypes.includes(deviceType))) return false;
  return true;
}

/** The retry delay after `failures` failed attempts (1, 2, …), or the receiver's own hint. */
export function retryDelayMs(
  failures: number,
  cfg: { retryDelayS: number; maxRetryDelayS: number },
  hintMs?: number,
): number {
  const max = cfg.maxRetryDelayS * 1000;
  if (hintMs !== undefined) return Math.min(Math.max(hintMs, 1000), max);
  return Math.min(cfg.retryDelayS * 1000 * 2 ** Math.max(0, failures - 1), max);
}
