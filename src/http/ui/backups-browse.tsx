import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, validate } from '../request.js';
import { assertRole, formErrors, hasRole, shellProps } from './shell.js';
import { AppError, badRequest, isAppError } from '../../core/errors.js';
import { describeSource, sourceSubdir } from '../../backup/backup-service.js';
import { noOriginalReason, originalFolder } from '../../backup/restore-plan.js';
import { decodeRaw, type RelPathInput } from '../../backup/safe-path.js';
import { listDir, searchName, statFile, versionsOf } from '../../backup/snapshot-browse.js';
import type { BackupJob } from '../../store/backups.js';
import { readRestoreForm, restoreFieldErrors, restoreInput } from './backups-forms.js';
import { pathCrumbs, snapshotRow } from './backups-model.js';
import { runHref, type PathRef } from '../../../views/pages/backups/format.js';
import type { EntryView, SnapshotRow } from '../../../views/pages/backups/types.js';
import {
  FolderPage,
  SearchPage,
  SnapshotsPage,
  VersionsPage,
  type VersionRow,
} from '../../../views/pages/backups/snapshots.js';
import {
  RestoreFormPage,
  type RestoreFormProps,
  type RestoreFormValues,
} from '../../../views/pages/backups/restore-form.js';

const PAGE_SIZE = 200;
const SEARCH_LIMIT = 100;
const SEARCH_SCANNED = 200_000;

/** Where in a snapshot: `path` as text, or `raw` (base64 bytes) for a name that is not UTF-8. */
const pathQuery = z.object({
  path: z.string().max(8192).optional(),
  raw: z.string().max(12_000).optional(),
  after: z.string().max(2000).optional(),
});

/** The query's path as the browsing helpers take it; a leading slash is tolerated. */
function relOf(q: { path?: string | undefined; raw?: string | undefined }): RelPathInput {
  return q.raw ? { raw: q.raw } : (q.path ?? '').replace(/^\/+/, '');
}

/** The query's path for links: text, plus the bytes when they are not UTF-8. */
function refOf(q: { path?: string | undefined; raw?: string | undefined }): PathRef {
  if (!q.raw) return { path: (q.path ?? '').replace(/^\/+/, '') };
  return { path: decodeRaw(q.raw).toString('utf8'), rawPath: q.raw };
}

/** A refusal that belongs on the page (a bad path, an unplugged disk), not on an error page. */
function pageError(err: unknown): { code: string; message: string; status: 400 | 404 | 409 } {
  if (!isAppError(err) || err.status >= 500 || err.status === 401 || err.status === 403) throw err;
  const status = err.status === 404 ? 404 : err.status === 409 ? 409 : 400;
  return { code: err.code, message: err.message, status };
}

function entryView(e: {
  name: string;
  path: string;
  rawPath?: string;
  type: EntryView['type'];
  size: number;
  mtime: string;
  linkTarget?: string;
}): EntryView {
  return {
    name: e.name,
    path: e.path,
    rawPath: e.rawPath,
    type: e.type,
    size: e.size,
    mtime: e.mtime,
    linkTarget: e.linkTarget,
  };
}

/**
 * The snapshot browser: a job's snapshots, one folder of one snapshot (breadcrumbs, folders
 * first, symlinks shown and never followed), the versions of one path, a name search across the
 * snapshots, and the restore form (operators). Downloads go through the JSON API.
 */
export function browsePages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const svc = deps.backups;
  const timezone = async () => (await deps.site.get()).timezone;
  const jobRef = (j: BackupJob) => ({ id: j.id, name: j.name });

  /** The target's directory, or why it cannot be read now. */
  const targetPath = async (job: BackupJob) => {
    const { probe } = await svc.checkTarget(job.targetId);
    if (!probe.ok)
      throw new AppError(probe.code, probe.message, { status: 409, kind: 'transient' });
    return probe.path;
  };

  app.get('/jobs/:id/snapshots', async (c) => {
    const job = await svc.getJob(c.req.param('id'));
    let snapshots: SnapshotRow[] = [];
    let error: ReturnType<typeof pageError> | undefined;
    try {
      snapshots = (await svc.snapshots(job.id)).map(snapshotRow);
    } catch (err) {
      error = pageError(err);
    }
    return c.html(
      <SnapshotsPage
        {...shellProps(c, deps)}
        tz={await timezone()}
        job={jobRef(job)}
        snapshots={snapshots}
        error={error}
      />,
      error?.status ?? 200,
    );
  });

  app.get('/jobs/:id/snapshots/:name', async (c) => {
    const job = await svc.getJob(c.req.param('id'));
    const snap = await svc.snapshot(job.id, c.req.param('name'));
    const q = validate(pathQuery, c.req.query(), 'The query');
    const common = {
      ...shellProps(c, deps),
      tz: await timezone(),
      job: jobRef(job),
      snapshot: { name: snap.name, completedAt: snap.manifest.completedAt },
      canOperate: hasRole(c, 'operator'),
      sources: [...job.sources, ...(job.applianceData ? [{ kind: 'appliance' as const }] : [])].map(
        (x) => ({ label: describeSource(x), ref: { path: sourceSubdir(x) } }),
      ),
    };
    try {
      const page = await listDir(snap.dataDir, relOf(q), {
        limit: PAGE_SIZE,
        ...(q.after ? { after: q.after } : {}),
      });
      const here: PathRef = { path: page.path, rawPath: page.rawPath };
      return c.html(
        <FolderPage
          {...common}
          crumbs={pathCrumbs(here)}
          here={here}
          entries={page.entries.map(entryView)}
          total={page.total}
          after={q.after}
          nextAfter={page.nextAfter}
        />,
      );
    } catch (err) {
      const { status, ...error } = pageError(err);
      return c.html(
        <FolderPage
          {...common}
          crumbs={[]}
          here={{ path: '' }}
          entries={[]}
          total={0}
          error={error}
        />,
        status,
      );
    }
  });

  app.get('/jobs/:id/versions', async (c) => {
    const job = await svc.getJob(c.req.param('id'));
    const q = validate(pathQuery, c.req.query(), 'The query');
    const item = refOf(q);
    if (!item.path && !item.rawPath)
      throw badRequest(
        'PATH_MISSING',
        'Say which file: /backups/jobs/…/versions?path=srv/files/a.txt',
      );
    let versions: VersionRow[] = [];
    let error: ReturnType<typeof pageError> | undefined;
    try {
      const list = await versionsOf(await targetPath(job), job.id, relOf(q));
      versions = list
        .map((v, i) => ({
          snapshot: v.snapshot,
          completedAt: v.completedAt,
          exists: v.exists,
          type: v.type,
          size: v.size,
          mtime: v.mtime,
          sameAsPrevious: v.sameAsPrevious,
          previousExisted: i > 0 && list[i - 1]!.exists,
        }))
        .reverse();
    } catch (err) {
      error = pageError(err);
    }
    return c.html(
      <VersionsPage
        {...shellProps(c, deps)}
        tz={await timezone()}
        job={jobRef(job)}
        item={item}
        versions={versions}
        canOperate={hasRole(c, 'operator')}
        error={error}
      />,
      error?.status ?? 200,
    );
  });

  app.get('/jobs/:id/search', async (c) => {
    const job = await svc.getJob(c.req.param('id'));
    const q = validate(
      z.object({ q: z.string().max(1000).optional() }),
      c.req.query(),
      'The query',
    );
    const text = (q.q ?? '').trim();
    const base = {
      ...shellProps(c, deps),
      tz: await timezone(),
      job: jobRef(job),
      q: text,
      canOperate: hasRole(c, 'operator'),
    };
    if (!text) return c.html(<SearchPage {...base} matches={[]} scanned={0} truncated={false} />);
    try {
      const r = await searchName(await targetPath(job), job.id, text, {
        limit: SEARCH_LIMIT,
        maxScanned: SEARCH_SCANNED,
        signal: c.req.raw.signal,
      });
      return c.html(
        <SearchPage
          {...base}
          matches={r.matches.map((m) => ({
            snapshot: m.snapshot,
            name: m.path.split('/').pop() ?? m.path,
            path: m.path,
            rawPath: m.rawPath,
            type: m.type,
            size: m.size,
            mtime: m.mtime,
          }))}
          scanned={r.scanned}
          truncated={r.truncated}
        />,
      );
    } catch (err) {
      const { status, ...e } = pageError(err);
      return c.html(
        <SearchPage
          {...base}
          matches={[]}
          scanned={0}
          truncated={false}
          error={`${e.message} (${e.code})`}
        />,
        status,
      );
    }
  });

  // ---- restore (operator) -----------------------------------------------------------------
  /** The job, the snapshot and the entry a restore is about, from the URL. */
  const restoreSubject = async (c: Context<AppEnv>) => {
    const job = await svc.getJob(c.req.param('id')!);
    const snap = await svc.snapshot(job.id, c.req.param('name')!);
    const q = validate(pathQuery, c.req.query(), 'The query');
    if (q.raw)
      throw badRequest(
        'RESTORE_NOT_UTF8',
        'This name is not valid UTF-8 text and cannot be restored on its own: restore the folder that holds it.',
      );
    const rel = (q.path ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
    if (!rel)
      throw badRequest(
        'RESTORE_PATH_MISSING',
        'Choose a file or folder inside the snapshot to restore.',
      );
    const entry = entryView(await statFile(snap.dataDir, rel));
    return { job, snap, rel, entry };
  };

  const restorePage = async (
    c: Context<AppEnv>,
    s: Awaited<ReturnType<typeof restoreSubject>>,
    values: RestoreFormValues | undefined,
    extra: Partial<RestoreFormProps> = {},
    status: 200 | 400 | 404 | 409 | 422 = 200,
  ) => {
    const back = originalFolder(s.job, s.rel);
    const ssh = back?.origin.source.kind === 'ssh' ? back.origin.source : undefined;
    return c.html(
      <RestoreFormPage
        {...shellProps(c, deps)}
        tz={await timezone()}
        job={jobRef(s.job)}
        snapshot={{ name: s.snap.name, completedAt: s.snap.manifest.completedAt }}
        entry={s.entry}
        originalFolder={back?.folder}
        sourceHost={ssh ? `${ssh.user}@${ssh.host}` : undefined}
        originalNote={back ? undefined : noOriginalReason(s.job, s.rel)}
        values={
          values ?? {
            destination: back ? 'original' : 'directory',
            directory: '',
            overwrite: false,
          }
        }
        {...extra}
      />,
      status,
    );
  };

  app.get('/jobs/:id/snapshots/:name/restore', async (c) => {
    assertRole(c, 'operator');
    return restorePage(c, await restoreSubject(c), undefined);
  });

  app.post('/jobs/:id/snapshots/:name/restore', async (c) => {
    assertRole(c, 'operator');
    const s = await restoreSubject(c);
    const values = await readRestoreForm(c);
    if (values.destination === 'original' && originalFolder(s.job, s.rel) === undefined)
      return restorePage(
        c,
        s,
        values,
        { errors: { destination: noOriginalReason(s.job, s.rel) } },
        422,
      );
    try {
      const run = await svc.restore(restoreInput(s.job.id, s.snap.name, s.rel, values), ctxOf(c));
      return c.redirect(
        `${runHref(run.id)}?done=${encodeURIComponent(`Restore of ${s.rel} started.`)}`,
        303,
      );
    } catch (err) {
      const e = formErrors(err);
      const errors = restoreFieldErrors(values, e.fields, e.error.code, e.message);
      const status = ([400, 404, 409, 422] as const).find((x) => x === e.error.status) ?? 422;
      return restorePage(
        c,
        s,
        values,
        {
          errors,
          ...(Object.keys(errors).length && e.error.code === 'VALIDATION_FAILED'
            ? {}
            : { error: `${e.message} (${e.error.code})` }),
        },
        status,
      );
    }
  });

  return app;
}
