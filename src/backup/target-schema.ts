import path from 'node:path';
import { z } from 'zod';

/**
 * What an admin or HQ sends to create or change a backup target. The same schema validates API
 * bodies and forms. Paths are checked hard here because they end up as rsync destinations and
 * `mount` operands: absolute, already normalized, never the root directory or a kernel
 * filesystem, no control characters (they break mountinfo, logs and the UI).
 */

/**
 * Filesystem UUIDs as blkid reports them: the 8-4-4-4-12 form (ext4, xfs, btrfs), the FAT/exFAT
 * volume serial (`1A2B-3C4D`) and the NTFS serial (16 hex digits). Nothing else may reach `mount`.
 */
export const FS_UUID_RE =
  /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{4}-[0-9a-fA-F]{4}|[0-9a-fA-F]{16})$/;

export function isFsUuid(s: string): boolean {
  return FS_UUID_RE.test(s);
}

/** Directories a backup must never be written into (or below). */
export const FORBIDDEN_TARGET_ROOTS = ['/proc', '/sys', '/dev'] as const;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent === '/' ? '/' : `${parent}/`);
}

/** Why a path cannot be a target directory, or undefined when it can. */
export function targetPathProblem(p: string): string | undefined {
  if (p.length === 0) return 'Enter the directory as an absolute path, such as /srv/backup.';
  if (p.length > 1024) return 'Use a path of at most 1024 characters.';
  if (CONTROL_RE.test(p)) return 'The path must not contain control characters.';
  if (!path.posix.isAbsolute(p)) return 'Use an absolute path, such as /srv/backup.';
  if (p.split('/').includes('..')) return 'The path must not contain "..".';
  if (p === '/') return 'The root directory cannot be a backup target.';
  if (path.posix.normalize(p) !== p || p.endsWith('/')) {
    return `Write the path without repeated or trailing slashes or "." parts (${path.posix.normalize(p).replace(/(.)\/$/, '$1')}).`;
  }
  const forbidden = FORBIDDEN_TARGET_ROOTS.find((root) => isInside(p, root));
  if (forbidden) return `A backup target cannot be inside ${forbidden}.`;
  return undefined;
}

export const targetPathSchema = z
  .string({ error: 'Enter the directory as an absolute path, such as /srv/backup.' })
  .trim()
  .superRefine((p, ctx) => {
    const problem = targetPathProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const UUID_MESSAGE =
  'Choose the disk from the list: its filesystem UUID looks like 0a1b2c3d-… or 1A2B-3C4D.';

export const fsUuidSchema = z
  .string({ error: UUID_MESSAGE })
  .trim()
  .refine((s) => isFsUuid(s), UUID_MESSAGE);

const NAME_MESSAGE = 'Give the target a name of 1 to 64 characters.';

const nameSchema = z
  .string({ error: NAME_MESSAGE })
  .trim()
  .min(1, NAME_MESSAGE)
  .max(64, NAME_MESSAGE)
  .refine((s) => !CONTROL_RE.test(s), 'The name must not contain control characters.');

function wholeNumber(max: number, what: string) {
  const message = `Use a whole number from 0 to ${max} (${what}).`;
  return z.number({ error: message }).int(message).min(0, message).max(max, message);
}

const thresholds = {
  /** Refuse to start a run with less free space than this. */
  minFreeMiB: wholeNumber(16 * 1024 * 1024, 'MiB').default(1024),
  minFreeInodes: wholeNumber(1_000_000_000, 'inodes').default(10_000),
};

export const targetInputSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      name: nameSchema,
      kind: z.literal('local'),
      /** The directory that holds the marker file and the `caretaker/` data directory. */
      path: targetPathSchema,
      ...thresholds,
    }),
    z.strictObject({
      name: nameSchema,
      kind: z.literal('disk'),
      /**
       * The mount point of the disk's filesystem (the marker sits at its top). Not needed with
       * `mount`: Caretaker then mounts it at <backup.mountRoot>/<uuid>.
       */
      path: targetPathSchema.optional(),
      uuid: fsUuidSchema,
      /** Caretaker mounts the disk (now, and again before a run when it was re-plugged). */
      mount: z.boolean().default(false),
      ...thresholds,
    }),
  ],
  { error: 'Choose the kind of target: local (a directory) or disk (attached storage).' },
);

export type TargetInput = z.output<typeof targetInputSchema>;
export type TargetInputRaw = z.input<typeof targetInputSchema>;
