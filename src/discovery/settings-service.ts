import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { DiscoverySettings } from '../store/types.js';
import type { Clock } from '../core/time.js';
import type { RequestContext } from '../auth/context.js';
import { validationFailed } from '../core/errors.js';
import { Scheduler } from '../jobs/scheduler.js';
import { parseCidr, MAX_PREFIX_SIZE, type Cidr } from './targets.js';
import { groupDigits } from '../lib/collate.js';

export const discoverySettingsSchema = z
  .object({
    subnets: z
      .array(z.string().max(64, 'Not a network: too long.'))
      .max(32, 'At most 32 networks.'),
    exclude: z
      .array(z.string().max(64, 'Not a network: too long.'))
      .max(256, 'At most 256 exclusions.')
      .default([]),
    schedule: z.string().trim().max(100).default(''),
    serviceScan: z.boolean().default(false),
  })
  .strict();
export type DiscoverySettingsInput = z.input<typeof discoverySettingsSchema>;

export const DEFAULT_DISCOVERY: DiscoverySettings = {
  subnets: [],
  exclude: [],
  schedule: '',
  serviceScan: false,
};

/** Networks that hold no hosts to scan: "this network" and multicast/reserved. */
const FORBIDDEN = ['0.0.0.0/8', '224.0.0.0/3'].map((t) => parseCidr(t) as Cidr);

/**
 * Validates discovery settings and reports every problem at once, per field:
 * `subnets.1: "10.0.0.0/8" is larger than a /16 …`.
 */
export function validateDiscovery(input: DiscoverySettingsInput): DiscoverySettings {
  const parsed = discoverySettingsSchema.safeParse(input);
  const fields: Record<string, string> = {};
  if (!parsed.success) {
    for (const i of parsed.error.issues) fields[i.path.join('.') || '(root)'] ??= i.message;
    throw validationFailed(
      `The discovery settings are not valid: ${Object.entries(fields)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ')}`,
      fields,
    );
  }
  const d = parsed.data;
  // Errors name the position in the list as submitted (blank entries are skipped, not renumbered).
  const norm = (list: string[], field: string, capped: boolean): string[] => {
    const out: string[] = [];
    list.forEach((raw, i) => {
      const t = raw.trim();
      if (!t) return;
      const c = parseCidr(t);
      if ('error' in c) {
        fields[`${field}.${i}`] = c.error;
        return;
      }
      if (c.version === 6) {
        fields[`${field}.${i}`] =
          `"${c.text}": IPv6 networks are not scanned yet; enter the site's IPv4 networks.`;
      } else if (capped && c.size > MAX_PREFIX_SIZE) {
        fields[`${field}.${i}`] =
          `"${c.text}" is larger than a /16 (${groupDigits(c.size)} addresses). Split it into /16 or smaller networks.`;
      } else if (capped && c.version === 4 && FORBIDDEN.some((f) => isInside(c, f))) {
        fields[`${field}.${i}`] =
          `"${c.text}" is not a network of hosts (multicast or "this network").`;
      }
      out.push(c.text);
    });
    return out;
  };
  const subnets = norm(d.subnets, 'subnets', true);
  const exclude = norm(d.exclude, 'exclude', false);
  if (new Set(subnets).size !== subnets.length) fields.subnets ??= 'A network is listed twice.';
  if (d.schedule && !Scheduler.validSchedule(d.schedule))
    fields.schedule =
      'Not a valid schedule: use a cron expression such as "0 3 * * *", or leave it empty for manual scans only.';
  if (Object.keys(fields).length) {
    throw validationFailed(
      `The discovery settings are not valid: ${Object.entries(fields)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ')}`,
      fields,
    );
  }
  return { subnets, exclude, schedule: d.schedule, serviceScan: d.serviceScan };
}

function isInside(c: Cidr, outer: Cidr): boolean {
  const ip = c.text.split('/')[0]!;
  const [o] = outer.text.split('/');
  const mask = outer.prefix === 0 ? 0 : (0xffffffff << (32 - outer.prefix)) >>> 0;
  const toInt = (s: string) => s.split('.').reduce((n, x) => n * 256 + Number(x), 0);
  return (toInt(ip) & mask) >>> 0 === (toInt(o!) & mask) >>> 0;
}

/** Discovery settings: what to scan, what to leave alone, how often. Nothing is scanned until set. */
export class DiscoverySettingsService {
  constructor(
    private readonly deps: { store: Store; clock: Clock; onScheduleChange: (cron: string) => void },
  ) {}

  async get(): Promise<DiscoverySettings> {
    return (await this.deps.store.settings.discovery()) ?? DEFAULT_DISCOVERY;
  }

  async update(input: DiscoverySettingsInput, ctx: RequestContext): Promise<DiscoverySettings> {
    const next = validateDiscovery(input);
    const before = await this.get();
    const { store, clock } = this.deps;
    await store.write([
      store.settings.discoveryOp(next),
      store.audit.recordOp(ctx, 'settings.discovery-updated', 'settings:discovery', clock.now(), {
        subnets: { from: before.subnets.join(', '), to: next.subnets.join(', ') },
        schedule: { from: before.schedule, to: next.schedule },
      }),
    ]);
    if (next.schedule !== before.schedule) this.deps.onScheduleChange(next.schedule);
    return next;
  }
}
