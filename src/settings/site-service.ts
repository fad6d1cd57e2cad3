import { z } from 'zod';
import { canonicalZoneName, localZoneName } from '../lib/zoneinfo.js';
import type { Store } from '../store/store.js';
import type { SiteSettings } from '../store/types.js';
import type { Clock } from '../core/time.js';
import type { RequestContext } from '../auth/context.js';

export const siteSettingsSchema = z
  .object({
    name: z.string().trim().min(1, 'Give the site a name.').max(80, 'Use at most 80 characters.'),
    location: z.string().trim().max(200, 'Use at most 200 characters.'),
    timezone: z
      .string()
      .trim()
      .refine(
        (tz) => canonicalZoneName(tz) !== undefined,
        'Use an IANA time zone such as Europe/Berlin.',
      )
      .overwrite((tz) => canonicalZoneName(tz) ?? tz),
    contact: z.string().trim().max(200, 'Use at most 200 characters.'),
  })
  .strict();

const DEFAULT_SITE_NAME = 'Branch office';

export function defaultSite(): SiteSettings {
  return {
    name: DEFAULT_SITE_NAME,
    location: '',
    timezone: localZoneName(),
    contact: '',
  };
}

/** The site's identity: used by reports, maintenance windows and notifications. */
export class SiteService {
  /** Read on every page render, so kept in memory; this service is the only writer. */
  private cached: SiteSettings | undefined;

  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async get(): Promise<SiteSettings> {
    this.cached ??= (await this.deps.store.settings.site()) ?? defaultSite();
    return this.cached;
  }

  /** The site name for page titles, without a store read. */
  name(): string {
    return this.cached?.name ?? DEFAULT_SITE_NAME;
  }

  async update(input: SiteSettings, ctx: RequestContext): Promise<SiteSettings> {
    const { store, clock } = this.deps;
    const before = await this.get();
    const changes: Record<string, unknown> = {};
    for (const k of Object.keys(input) as Array<keyof SiteSettings>) {
      if (input[k] !== before[k]) changes[k] = { from: before[k], to: input[k] };
    }
    await store.write([
      store.settings.siteOp(input),
      store.audit.recordOp(ctx, 'settings.site-updated', 'settings:site', clock.now(), changes),
    ]);
    this.cached = input;
    return input;
  }
}
