/**
 * Mounting a backup disk for the admin: the disk is picked by its filesystem UUID and mounted at
 * `<mountRoot>/<uuid>` (by default /media/caretaker/<uuid>) with `nodev,nosuid,noexec`, and
 * mounted again by UUID before a run when it was re-plugged or the box restarted.
 *
 * Two ways, because mounting needs CAP_SYS_ADMIN and the service does not run as root on a box:
 *  - `mount`: the service runs `mount` itself (root: development, tests, the demo);
 *  - `systemd`: it asks systemd to start `caretaker-mount@<uuid>.service`, a root oneshot unit
 *    installed with the service (system/caretaker-mount@.service). A polkit rule
 *    (system/caretaker-mount.rules) allows the caretaker user to start and stop exactly those
 *    units and nothing else. The mount made on the host shows in the service's own mount
 *    namespace (systemd propagates host mounts into it), below its ReadWritePaths.
 * Either way the result is checked in /proc/self/mountinfo: the mount point must then hold the
 * filesystem with that UUID, else the mount counts as failed.
 */
import path from 'node:path';
import { AppError, badRequest } from '../core/errors.js';
import { Mutex } from '../lib/mutex.js';
import { runProgram } from '../lib/spawn.js';
import { isFsUuid, targetPathProblem } from './target-schema.js';
import {
  mountFilesystem,
  mountOfUuidAt,
  toolFailure,
  type MountEntry,
  type TargetSystemPaths,
} from './targets.js';

export type MountMethod = 'mount' | 'systemd';

/**
 * One mount at a time in the process. Each mount looks at the mount point first and mounts only
 * when nothing is there; two at once (a run's remount beside the target page's) could both find
 * it empty, and Linux stacks a second mount of the same filesystem on the first: one unmount then
 * leaves the disk mounted, and it can never be detached.
 */
const MOUNTS = new Mutex();

export interface DiskMounterOptions extends TargetSystemPaths {
  /** Disks are mounted at `<mountRoot>/<uuid>`. */
  mountRoot: string;
  /** `auto`: `mount` when running as root, else `systemd`. */
  method: MountMethod | 'auto';
  /** The systemctl program (tests point elsewhere). */
  systemctlPath?: string;
  timeoutMs?: number;
}

/** The template unit that mounts one disk (its instance is the filesystem UUID). */
export const MOUNT_UNIT_PREFIX = 'caretaker-mount@';

export class DiskMounter {
  readonly method: MountMethod;
  constructor(private readonly opts: DiskMounterOptions) {
    const problem = targetPathProblem(opts.mountRoot);
    if (problem) throw new AppError('CONFIG_INVALID', `backup.mountRoot: ${problem}`);
    this.method =
      opts.method === 'auto' ? (process.geteuid?.() === 0 ? 'mount' : 'systemd') : opts.method;
  }

  /** The directory disks are mounted below. */
  get root(): string {
    return this.opts.mountRoot;
  }

  /** Where a disk with this UUID is mounted. */
  mountPointFor(uuid: string): string {
    if (!isFsUuid(uuid))
      throw badRequest('TARGET_UUID_INVALID', `${uuid} is not a filesystem UUID.`);
    return path.posix.join(this.opts.mountRoot, uuid);
  }

  /** Whether the disk is mounted at its mount point now. */
  async isMounted(uuid: string): Promise<boolean> {
    return !!(await mountOfUuidAt(uuid, this.mountPointFor(uuid), this.opts));
  }

  /** Mounts the disk at `mountPointFor(uuid)` (nothing to do when it already is). */
  async mount(uuid: string, signal?: AbortSignal): Promise<MountEntry> {
    const mountPoint = this.mountPointFor(uuid);
    return MOUNTS.run(() => this.mountAt(uuid, mountPoint, signal));
  }

  private async mountAt(
    uuid: string,
    mountPoint: string,
    signal?: AbortSignal,
  ): Promise<MountEntry> {
    if (this.method === 'mount')
      return mountFilesystem(uuid, mountPoint, {
        ...this.opts,
        allowedRoots: [this.opts.mountRoot],
        ...(signal ? { signal } : {}),
        ...(this.opts.timeoutMs ? { timeoutMs: this.opts.timeoutMs } : {}),
      });
    const current = await mountOfUuidAt(uuid, mountPoint, this.opts);
    if (current) return current;
    const unit = `${MOUNT_UNIT_PREFIX}${uuid}.service`;
    const r = await runProgram(
      this.opts.systemctlPath ?? 'systemctl',
      ['start', '--no-ask-password', '--', unit],
      { timeoutMs: this.opts.timeoutMs ?? 60_000, signal, maxStdoutBytes: 64 * 1024 },
    );
    if (r.code !== 0) {
      const why = toolFailure('systemctl', r.stderr, r.code);
      if (/access denied|authentication required|not authorized|permission/i.test(why))
        throw new AppError(
          'MOUNT_NOT_PERMITTED',
          `systemd refused to start ${unit} for the service: install system/caretaker-mount.rules (polkit) as the README says. (${why})`,
          { status: 403, kind: 'auth' },
        );
      if (/not found|no such file/i.test(why) && /unit/i.test(why))
        throw new AppError(
          'MOUNT_NOT_PERMITTED',
          `${unit} is not installed: install system/caretaker-mount@.service as the README says. (${why})`,
          { status: 403, kind: 'auth' },
        );
      throw new AppError(
        'DISK_NOT_FOUND',
        `The disk with UUID ${uuid} could not be mounted (is it attached?): ${why}`,
        { status: 409, kind: 'transient' },
      );
    }
    const mounted = await mountOfUuidAt(uuid, mountPoint, this.opts);
    if (!mounted)
      throw new AppError(
        'MOUNT_FAILED',
        `${unit} started, but ${mountPoint} is not the disk with UUID ${uuid} in the service's view.`,
      );
    return mounted;
  }
}
