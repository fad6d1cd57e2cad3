import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readJson, validate } from '../request.js';
import { requireRole } from '../middleware/authenticate.js';
import { AppError } from '../../core/errors.js';
import { listDir, openForDownload, searchName, versionsOf } from '../../backup/snapshot-browse.js';
import { listBlockDevices } from '../../backup/targets.js';
import { boxSshIdentity } from '../../backup/ssh-keys.js';
import type { RelPathInput } from '../../backup/safe-path.js';

/** `<jobId>~<snapshot name>`: the snapshot ids of the API. */
export function snapshotId(jobId: string, name: string): string {
  return `${jobId}~${name}`;
}

function parseSnapshotId(id: string): { jobId: string; name: string } {
  const m = /^([A-Za-z0-9_-]{1,64})~([0-9A-Za-z:-]{1,40})$/.exec(id);
  if (!m)
    throw new AppError('NOT_FOUND', 'There is no such snapshot.', { status: 404, kind: 'input' });
  return { jobId: m[1]!, name: m[2]! };
}

export const pathQuery = z.object({
  path: z.string().max(8192).default(''),
  /** Base64 of a path that is not UTF-8 (as listed in `rawPath`). */
  raw: z.string().max(12_000).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  after: z.string().max(2000).optional(),
});

export const jobRunsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().max(64).optional(),
});

export const jobSearchQuery = z.object({
  q: z.string().trim().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const rel = (q: { path: string; raw?: string | undefined }): RelPathInput =>
  q.raw ? { raw: q.raw } : q.path.replace(/^\/+/, '');

/**
 * Backups: everyone signed in reads jobs, runs and snapshot listings; admins manage targets and
 * jobs; operators start runs, restore and download files (a backup holds everyone's files).
 */
export function backupsApi(deps: AppDeps) {
  const svc = deps.backups;
  return (
    new Hono<AppEnv>()
      .get('/targets', async (c) => c.json({ items: await svc.listTargets() }))
      .post('/targets', requireRole('admin'), async (c) =>
        c.json({ target: await svc.createTarget(await readJson(c, z.unknown()), ctxOf(c)) }, 201),
      )
      .get('/targets/:id', async (c) => c.json(await svc.checkTarget(c.req.param('id'))))
      .delete('/targets/:id', requireRole('admin'), async (c) => {
        await svc.removeTarget(c.req.param('id'), ctxOf(c));
        return c.body(null, 204);
      })
      // The box's public key, to install on hosts it backs up over SSH (created on first ask).
      .get('/ssh-key', requireRole('admin'), async (c) => {
        const id = await boxSshIdentity(deps.store.dataDir);
        return c.json({ publicKey: id.publicKey });
      })
      // Filesystems of attached disks, to pick a target from.
      .get('/block-devices', requireRole('admin'), async (c) =>
        c.json({ items: await listBlockDevices(c.req.raw.signal) }),
      )
      .get('/jobs', async (c) =>
        c.json({
          items: (await svc.overview()).map((o) => ({
            ...o.job,
            lastRun: o.lastRun ?? null,
            lastGood: o.lastGood ?? null,
            progress: o.progress ?? null,
          })),
        }),
      )
      .post('/jobs', requireRole('admin'), async (c) =>
        c.json({ job: await svc.createJob(await readJson(c, z.unknown()), ctxOf(c)) }, 201),
      )
      .get('/jobs/:id', async (c) => {
        const job = await svc.getJob(c.req.param('id'));
        return c.json({ job, progress: svc.progress(job.id) ?? null });
      })
      .put('/jobs/:id', requireRole('admin'), async (c) =>
        c.json({
          job: await svc.updateJob(c.req.param('id'), await readJson(c, z.unknown()), ctxOf(c)),
        }),
      )
      .delete('/jobs/:id', requireRole('admin'), async (c) => {
        await svc.removeJob(c.req.param('id'), ctxOf(c));
        return c.body(null, 204);
      })
      .post('/jobs/:id/run', requireRole('operator'), async (c) =>
        c.json({ run: await svc.runNow(c.req.param('id'), ctxOf(c)) }, 202),
      )
      .post('/jobs/:id/restore-test', requireRole('operator'), async (c) =>
        c.json({ run: await svc.restoreTest(c.req.param('id'), ctxOf(c)) }),
      )
      .get('/jobs/:id/runs', async (c) => {
        const q = validate(jobRunsQuery, c.req.query(), 'The query');
        await svc.getJob(c.req.param('id'));
        return c.json({
          items: await deps.store.backups.runsOf(c.req.param('id'), q.limit, q.before),
        });
      })
      .get('/jobs/:id/snapshots', async (c) => {
        const id = c.req.param('id');
        return c.json({
          items: (await svc.snapshots(id)).map((s) => ({
            id: snapshotId(id, s.name),
            name: s.name,
            manifest: s.manifest,
          })),
        });
      })
      .get('/jobs/:id/retention-preview', async (c) =>
        c.json(await svc.retentionPreview(c.req.param('id'))),
      )
      .get('/jobs/:id/search', async (c) => {
        const q = validate(jobSearchQuery, c.req.query(), 'The query');
        const job = await svc.getJob(c.req.param('id'));
        const target = await svc.checkTarget(job.targetId);
        if (!target.probe.ok)
          throw new AppError(target.probe.code, target.probe.message, {
            status: 409,
            kind: 'transient',
          });
        return c.json(
          await searchName(target.probe.path, job.id, q.q, { limit: q.limit, maxScanned: 200_000 }),
        );
      })
      .get('/runs/:id', async (c) => {
        const run = await svc.getRun(c.req.param('id'));
        const progress = run.status === 'running' ? svc.progress(run.jobId) : undefined;
        return c.json({ run, progress: progress?.runId === run.id ? progress : null });
      })
      .get('/snapshots/:id/files', async (c) => {
        const { jobId, name } = parseSnapshotId(c.req.param('id'));
        const q = validate(pathQuery, c.req.query(), 'The query');
        const snap = await svc.snapshot(jobId, name);
        return c.json(
          await listDir(snap.dataDir, rel(q), {
            limit: q.limit,
            ...(q.after ? { after: q.after } : {}),
          }),
        );
      })
      .get('/snapshots/:id/versions', async (c) => {
        const { jobId, name } = parseSnapshotId(c.req.param('id'));
        const q = validate(pathQuery, c.req.query(), 'The query');
        const job = await svc.getJob(jobId);
        await svc.snapshot(jobId, name);
        const target = await svc.checkTarget(job.targetId);
        if (!target.probe.ok)
          throw new AppError(target.probe.code, target.probe.message, {
            status: 409,
            kind: 'transient',
          });
        return c.json({ items: await versionsOf(target.probe.path, jobId, rel(q)) });
      })
      .get('/snapshots/:id/download', requireRole('operator'), async (c) => {
        const { jobId, name } = parseSnapshotId(c.req.param('id'));
        const q = validate(pathQuery, c.req.query(), 'The query');
        const snap = await svc.snapshot(jobId, name);
        const file = await openForDownload(snap.dataDir, rel(q));
        c.header('content-type', 'application/octet-stream');
        c.header('content-length', String(file.size));
        c.header(
          'content-disposition',
          `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
        );
        return stream(c, async (s) => {
          s.onAbort(() => {
            file.stream.destroy();
          });
          for await (const chunk of file.stream) await s.write(chunk as Uint8Array);
        });
      })
      .post('/restores', requireRole('operator'), async (c) =>
        c.json({ run: await svc.restore(await readJson(c, z.unknown()), ctxOf(c)) }, 202),
      )
  );
}
