/**
 * What an admin sends to create or change a backup job, and to start a restore: validated as a
 * whole, with the defaults a new job gets (the API, the forms and the OpenAPI document use these).
 */
import path from 'node:path';
import { z } from 'zod';
import { retentionSchema } from './retention.js';

const pathText = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => (path.isAbsolute(p) && path.normalize(p) === p.replace(/\/+$/, '')) || p === '/', {
    message: 'Use an absolute path without "..".',
  })
  .refine((p) => !p.split('/').includes('..') && !/[\0\n\r]/.test(p), {
    message: 'Use an absolute path without "..".',
  });

const hostText = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, 'Enter a host name or an IP address.');

const pattern = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !/[\0\n\r]/.test(p), 'One line only.');

export const jobInputSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'Give the job a name.').max(80),
    targetId: z.string().min(1, 'Choose a target.').max(64),
    sources: z
      .array(
        z.discriminatedUnion('kind', [
          z.strictObject({ kind: z.literal('local'), path: pathText }),
          z.strictObject({
            kind: z.literal('rsyncd'),
            host: hostText,
            port: z.number().int().min(1).max(65535).default(873),
            module: z
              .string()
              .trim()
              .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'Enter the module name.'),
            path: z
              .string()
              .max(4096)
              .refine((p) => !p.split('/').includes('..') && !/[\0\n\r]/.test(p), 'No "..".')
              .default(''),
            user: z
              .string()
              .trim()
              .max(32)
              .regex(/^[a-z_][a-z0-9_.-]*$/i, 'Enter a user name.')
              .optional(),
            /** Stored encrypted; left out on an update, the stored one is kept. */
            password: z.string().max(256).optional(),
          }),
          z.strictObject({
            kind: z.literal('ssh'),
            host: hostText,
            port: z.number().int().min(1).max(65535).default(22),
            user: z
              .string()
              .trim()
              .min(1)
              .max(32)
              .regex(/^[a-z_][a-z0-9_.-]*$/i, 'Enter a user name.'),
            path: pathText,
          }),
        ]),
        {
          error: 'Name at least one folder to back up.',
        },
      )
      .min(0)
      .max(20),
    include: z.array(pattern).max(200).default([]),
    exclude: z.array(pattern).max(200).default([]),
    bwlimitKiB: z.number().int().min(1).max(10_000_000).optional(),
    oneFileSystem: z.boolean().default(true),
    numericIds: z.boolean().default(true),
    aclsXattrs: z.boolean().default(false),
    /** Cron expression ('' = only by hand). */
    schedule: z.string().trim().max(100).default('30 1 * * *'),
    retention: retentionSchema.prefault({}),
    verifySample: z.number().int().min(0).max(1000).default(20),
    /** Also back up this appliance: a consistent export of its store, secret key and config. */
    applianceData: z.boolean().default(false),
    /** No good backup for this long raises an event (and an incident). */
    staleAfterHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(26),
    /** Sample files of the newest snapshot are restored into a scratch directory and compared. */
    restoreTestEveryDays: z.number().int().min(0).max(365).default(7),
    enabled: z.boolean().default(true),
  })
  .refine((j) => j.sources.length > 0 || j.applianceData, {
    path: ['sources'],
    message: 'Name at least one folder to back up (or back up this appliance).',
  });
export type JobInput = z.input<typeof jobInputSchema>;

export const restoreInputSchema = z.strictObject({
  jobId: z.string().min(1).max(64),
  snapshot: z.string().min(1).max(64),
  /** Path inside the snapshot (as listed by the browser), e.g. `srv/files/report.odt`. */
  path: z.string().min(1).max(4096),
  /**
   * original: back where it came from (on the box, or on the SSH host it came from); directory:
   * into this folder on the box; source-directory: into this new folder on the machine it came
   * from (a local source's is the box).
   */
  destination: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('original') }),
    z.strictObject({ kind: z.literal('directory'), path: pathText }),
    z.strictObject({ kind: z.literal('source-directory'), path: pathText }),
  ]),
  /** Replace files that are newer at the destination (default: they are kept). */
  overwrite: z.boolean().default(false),
});
export type RestoreInput = z.input<typeof restoreInputSchema>;
