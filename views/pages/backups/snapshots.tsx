import { Notice } from '../../partials/form.js';
import {
  At,
  BASE,
  BackupsLayout,
  Crumbs,
  Flash,
  SnapshotTime,
  bytes,
  count,
  downloadHref,
  folderHref,
  formatDuration,
  jobHref,
  plural,
  restoreHref,
  snapshotsHref,
  versionsHref,
  type BackupsShellProps,
  type PathRef,
} from './format.js';
import type { EntryView, SnapshotRow } from './types.js';

export interface JobRef {
  id: string;
  name: string;
}

/** Search a file name across every snapshot of the job. */
export function SearchBox(p: {
  jobId: string;
  q?: string | undefined;
  error?: string | undefined;
}) {
  return (
    <form method="get" action={`${jobHref(p.jobId)}/search`} class="snapshot-search" role="search">
      <div class={p.error ? 'field invalid' : 'field'}>
        <label for="f-q">Find a file by name in every snapshot</label>
        <div class="inline-field">
          <input
            id="f-q"
            name="q"
            type="search"
            value={p.q ?? ''}
            maxlength={200}
            placeholder="report.odt, invoice, .xlsx"
            aria-invalid={p.error ? 'true' : undefined}
            aria-describedby={p.error ? 'f-q-err' : undefined}
          />
          <button type="submit">Search</button>
        </div>
        {p.error ? (
          <p class="error-text" id="f-q-err">
            {p.error}
          </p>
        ) : null}
      </div>
    </form>
  );
}

export interface SnapshotsPageProps extends BackupsShellProps {
  tz: string;
  job: JobRef;
  snapshots: SnapshotRow[];
  /** The target could not be read (unplugged disk): why. */
  error?: { code: string; message: string } | undefined;
}

/** A job's complete snapshots, newest first. */
export function SnapshotsPage(p: SnapshotsPageProps) {
  return (
    <BackupsLayout {...p} title={`Snapshots of ${p.job.name}`}>
      <Crumbs
        items={[
          { href: BASE, label: 'Backups' },
          { href: jobHref(p.job.id), label: p.job.name },
          { label: 'Snapshots' },
        ]}
      />
      <div class="page-head">
        <h1>Snapshots of {p.job.name}</h1>
        <p class="muted">
          Each snapshot is the folders as they were at that time. Open one to find a file, download
          it or put it back. Times in {p.tz}.
        </p>
      </div>
      <Flash />
      {p.error ? (
        <Notice kind="error">
          {p.error.message} <code>{p.error.code}</code>
        </Notice>
      ) : null}
      <section class="card">
        <SearchBox jobId={p.job.id} />
      </section>
      <section class="card" aria-label="Snapshots">
        {p.snapshots.length === 0 ? (
          <p class="empty-line">
            {p.error ? 'The snapshots cannot be listed now.' : 'No complete snapshot yet.'}
          </p>
        ) : (
          <div class="table-scroll contained">
            <table class="table snapshots">
              <thead>
                <tr>
                  <th scope="col">Taken</th>
                  <th scope="col" class="num">
                    Files
                  </th>
                  <th scope="col" class="num">
                    Size
                  </th>
                  <th scope="col" class="num">
                    Added on disk
                  </th>
                  <th scope="col" class="num">
                    Copied
                  </th>
                  <th scope="col">Took</th>
                  <th scope="col">Checks</th>
                </tr>
              </thead>
              <tbody>
                {p.snapshots.map((s) => (
                  <tr>
                    <td class="nowrap">
                      <a href={folderHref(p.job.id, s.name, { path: '' })}>
                        <SnapshotTime name={s.name} iso={s.completedAt} tz={p.tz} />
                      </a>
                    </td>
                    <td class="num">{count(s.files)}</td>
                    <td class="num nowrap">{bytes(s.totalSize)}</td>
                    <td class="num nowrap">{bytes(s.bytesOnDisk)}</td>
                    <td class="num nowrap" title={plural(s.regularFilesTransferred, 'file')}>
                      {bytes(s.bytesTransferred)}
                    </td>
                    <td class="nowrap">{formatDuration(s.durationMs)}</td>
                    <td class="small">
                      {s.warnings ? (
                        <span class="badge s-warning">{plural(s.warnings, 'warning')}</span>
                      ) : null}{' '}
                      {s.verification ? (
                        s.verification.ok ? (
                          <span
                            class="badge s-succeeded"
                            title={
                              s.verification.method === 'restore-test'
                                ? 'files restored and compared by checksum'
                                : 'files compared with their sources'
                            }
                          >
                            {s.verification.sampled} verified
                          </span>
                        ) : (
                          <span class="badge s-failed">
                            {plural(s.verification.mismatches, 'mismatch', 'mismatches')}
                          </span>
                        )
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </BackupsLayout>
  );
}

/** A small file-type mark (drawn by CSS); the type is also written for screen readers. */
function TypeMark(p: { type: EntryView['type'] }) {
  const words = { dir: 'folder', file: 'file', symlink: 'symbolic link', other: 'special file' };
  return (
    <span class={`ftype ft-${p.type}`} title={words[p.type]}>
      <span class="sr-only">{words[p.type]}: </span>
    </span>
  );
}

/** Download, versions and restore for one entry, as the role allows. */
function EntryActions(p: {
  jobId: string;
  snapshot: string;
  entry: EntryView;
  canOperate: boolean;
  /** On the versions page itself: no link to it. */
  noVersions?: boolean;
}) {
  const e = p.entry;
  const ref: PathRef = { path: e.path, rawPath: e.rawPath };
  // The restore service takes paths as text: a name that is not UTF-8 is restored with its folder.
  const restorable = e.type !== 'other' && !e.rawPath;
  return (
    <div class="row-actions">
      {e.type === 'file' && p.canOperate ? (
        <a
          class="button-link"
          href={downloadHref(p.jobId, p.snapshot, ref)}
          download={e.name}
          hx-boost="false"
        >
          Download
        </a>
      ) : null}
      {!p.noVersions && (e.type === 'file' || e.type === 'symlink') ? (
        <a class="button-link" href={versionsHref(p.jobId, ref)}>
          Versions
        </a>
      ) : null}
      {p.canOperate && restorable ? (
        <a class="button-link" href={restoreHref(p.jobId, p.snapshot, ref)}>
          Restore
        </a>
      ) : null}
    </div>
  );
}

export interface FolderPageProps extends BackupsShellProps {
  tz: string;
  job: JobRef;
  snapshot: { name: string; completedAt: string };
  /** The folder shown ('' for the snapshot's top) and its parents, top first. */
  crumbs: Array<{ label: string; ref: PathRef }>;
  here: PathRef;
  entries: EntryView[];
  total: number;
  /** The cursor of this page (absent on the first) and of the next one. */
  after?: string | undefined;
  nextAfter?: string | undefined;
  canOperate: boolean;
  /** The job's backed-up folders inside the snapshot, offered at its top. */
  sources: Array<{ label: string; ref: PathRef }>;
  /** The path was refused or is not there. */
  error?: { code: string; message: string } | undefined;
}

/** One folder of a snapshot: folders first, then files; symlinks are shown, never followed. */
export function FolderPage(p: FolderPageProps) {
  const j = p.job;
  const snap = p.snapshot.name;
  const atTop = p.crumbs.length === 0;
  return (
    <BackupsLayout {...p} title={`Snapshot of ${j.name}`}>
      <Crumbs
        items={[
          { href: BASE, label: 'Backups' },
          { href: jobHref(j.id), label: j.name },
          { href: snapshotsHref(j.id), label: 'Snapshots' },
          { label: <SnapshotTime name={snap} iso={p.snapshot.completedAt} tz={p.tz} /> },
        ]}
      />
      <div class="page-head">
        <h1>
          Snapshot of <SnapshotTime name={snap} iso={p.snapshot.completedAt} tz={p.tz} />
        </h1>
      </div>
      <Flash />
      <section class="card">
        <SearchBox jobId={j.id} />
      </section>
      <section class="card folder" aria-label="Folder">
        <nav class="path-crumbs" aria-label="Folder path">
          <a href={folderHref(j.id, snap, { path: '' })}>{j.name}</a>
          {p.crumbs.map((c, i) => (
            <>
              <span class="sep" aria-hidden="true">
                /
              </span>
              {i === p.crumbs.length - 1 && !p.error ? (
                <strong aria-current="page">{c.label}</strong>
              ) : (
                <a href={folderHref(j.id, snap, c.ref)}>{c.label}</a>
              )}
            </>
          ))}
        </nav>
        {p.error ? (
          <div class="notice error" role="alert">
            <strong>This path cannot be shown:</strong> {p.error.message}{' '}
            <code>{p.error.code}</code>
            <p>
              <a href={folderHref(j.id, snap, { path: '' })}>Go to the top of the snapshot</a>
            </p>
          </div>
        ) : (
          <>
            {atTop && p.sources.length ? (
              <div class="source-shortcuts">
                <strong>Backed-up folders</strong>
                <ul>
                  {p.sources.map((x) => (
                    <li>
                      <a href={folderHref(j.id, snap, x.ref)}>{x.label}</a>
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            <div class="folder-head">
              <p class="muted small">
                {plural(p.total, 'entry', 'entries')}
                {p.after || p.nextAfter ? ` · showing ${p.entries.length}` : ''}
              </p>
              {!atTop && p.canOperate && !p.here.rawPath ? (
                <a class="button-link" href={restoreHref(j.id, snap, p.here)}>
                  Restore this folder
                </a>
              ) : null}
            </div>
            {p.entries.length === 0 ? (
              <p class="empty-line">This folder is empty.</p>
            ) : (
              <div class="table-scroll contained">
                <table class="table entries">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col" class="num">
                        Size
                      </th>
                      <th scope="col">Modified</th>
                      <th scope="col" class="actions">
                        <span class="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.entries.map((e) => (
                      <tr class={`entry e-${e.type}`}>
                        <td class="name">
                          <TypeMark type={e.type} />
                          {e.type === 'dir' ? (
                            <a href={folderHref(j.id, snap, { path: e.path, rawPath: e.rawPath })}>
                              {e.name}
                            </a>
                          ) : (
                            <span class="fname">{e.name}</span>
                          )}
                          {e.type === 'symlink' ? (
                            <span class="link-target small muted">
                              {' '}
                              → <code>{e.linkTarget ?? '?'}</code> (link, not followed)
                            </span>
                          ) : e.type === 'other' ? (
                            <span class="small muted"> (device or pipe, not restored)</span>
                          ) : null}
                          {e.rawPath ? (
                            <span class="small muted" title="This name is not valid UTF-8 text">
                              {' '}
                              (odd characters)
                            </span>
                          ) : null}
                        </td>
                        <td class="num nowrap">{e.type === 'file' ? bytes(e.size) : ''}</td>
                        <td class="nowrap small">
                          <At iso={e.mtime} tz={p.tz} />
                        </td>
                        <td class="actions">
                          <EntryActions
                            jobId={j.id}
                            snapshot={snap}
                            entry={e}
                            canOperate={p.canOperate}
                          />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {p.after || p.nextAfter ? (
              <nav class="pager" aria-label="Pages">
                {p.after ? <a href={folderHref(j.id, snap, p.here)}>← First page</a> : <span />}
                {p.nextAfter ? (
                  <a href={folderHref(j.id, snap, p.here, p.nextAfter)} rel="next">
                    Next page →
                  </a>
                ) : null}
              </nav>
            ) : null}
          </>
        )}
      </section>
    </BackupsLayout>
  );
}

export interface VersionRow {
  snapshot: string;
  completedAt: string;
  exists: boolean;
  type?: EntryView['type'] | undefined;
  size?: number | undefined;
  mtime?: string | undefined;
  sameAsPrevious: boolean;
  /** The snapshot before this one (older) had it. */
  previousExisted: boolean;
}

export interface VersionsPageProps extends BackupsShellProps {
  tz: string;
  job: JobRef;
  item: PathRef;
  /** Newest first. */
  versions: VersionRow[];
  canOperate: boolean;
  error?: { code: string; message: string } | undefined;
}

/** One path in every snapshot: when it changed, and each version to download or restore. */
export function VersionsPage(p: VersionsPageProps) {
  const j = p.job;
  const parent = p.item.path.split('/').slice(0, -1).join('/');
  const distinct = p.versions.filter((v) => v.exists && !v.sameAsPrevious).length;
  return (
    <BackupsLayout {...p} title={`Versions of ${p.item.path}`}>
      <Crumbs
        items={[
          { href: BASE, label: 'Backups' },
          { href: jobHref(j.id), label: j.name },
          { href: snapshotsHref(j.id), label: 'Snapshots' },
          { label: 'Versions' },
        ]}
      />
      <div class="page-head">
        <h1>Versions of {p.item.path.split('/').pop()}</h1>
        <p class="title-sub">
          <code>{p.item.path}</code>
        </p>
        <p class="muted">
          The same entry in every snapshot, newest first. “Unchanged” means the very same file as in
          the snapshot before (hard-linked, not copied again).
        </p>
      </div>
      <Flash />
      {p.error ? (
        <Notice kind="error">
          {p.error.message} <code>{p.error.code}</code>
        </Notice>
      ) : null}
      <section class="card">
        {p.versions.length === 0 ? (
          <p class="empty-line">No snapshot to look in.</p>
        ) : (
          <>
            <p class="small muted">
              {plural(distinct, 'distinct version')} in {plural(p.versions.length, 'snapshot')}.
            </p>
            <div class="table-scroll contained">
              <table class="table versions">
                <thead>
                  <tr>
                    <th scope="col">Snapshot</th>
                    <th scope="col">Compared with the one before</th>
                    <th scope="col" class="num">
                      Size
                    </th>
                    <th scope="col">Modified</th>
                    <th scope="col" class="actions">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {p.versions.map((v) => (
                    <tr class={v.exists ? (v.sameAsPrevious ? 'same' : 'changed') : 'missing'}>
                      <td class="nowrap">
                        <a href={folderHref(j.id, v.snapshot, { path: parent })}>
                          <SnapshotTime name={v.snapshot} iso={v.completedAt} tz={p.tz} />
                        </a>
                      </td>
                      <td>
                        {!v.exists ? (
                          <span class="badge s-skipped">not there</span>
                        ) : v.sameAsPrevious ? (
                          <span class="muted">unchanged (same as previous)</span>
                        ) : v.previousExisted ? (
                          <span class="badge s-running">changed</span>
                        ) : (
                          <span class="badge s-succeeded">appeared</span>
                        )}
                      </td>
                      <td class="num nowrap">
                        {v.exists && v.type === 'file' ? bytes(v.size) : ''}
                      </td>
                      <td class="nowrap small">
                        {v.exists ? <At iso={v.mtime} tz={p.tz} /> : null}
                      </td>
                      <td class="actions">
                        {v.exists && v.type ? (
                          <EntryActions
                            jobId={j.id}
                            snapshot={v.snapshot}
                            entry={{
                              name: p.item.path.split('/').pop() ?? p.item.path,
                              path: p.item.path,
                              rawPath: p.item.rawPath,
                              type: v.type,
                              size: v.size ?? 0,
                              mtime: v.mtime ?? '',
                            }}
                            canOperate={p.canOperate}
                            noVersions
                          />
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </BackupsLayout>
  );
}

export interface SearchMatchView extends EntryView {
  snapshot: string;
}

export interface SearchPageProps extends BackupsShellProps {
  tz: string;
  job: JobRef;
  q: string;
  matches: SearchMatchView[];
  scanned: number;
  truncated: boolean;
  canOperate: boolean;
  error?: string | undefined;
}

/** Names containing the search text, newest snapshot first. */
export function SearchPage(p: SearchPageProps) {
  const j = p.job;
  return (
    <BackupsLayout {...p} title={`Search in ${j.name}`}>
      <Crumbs
        items={[
          { href: BASE, label: 'Backups' },
          { href: jobHref(j.id), label: j.name },
          { href: snapshotsHref(j.id), label: 'Snapshots' },
          { label: 'Search' },
        ]}
      />
      <div class="page-head">
        <h1>Find a file</h1>
      </div>
      <Flash />
      <section class="card">
        <SearchBox jobId={j.id} q={p.q} error={p.error} />
      </section>
      {p.q && !p.error ? (
        <section class="card" aria-label="Results">
          {p.matches.length === 0 ? (
            <p class="empty-line">
              Nothing named like “{p.q}” in any snapshot ({plural(p.scanned, 'entry', 'entries')}{' '}
              looked at).
            </p>
          ) : (
            <>
              <p class="small muted">
                {plural(p.matches.length, 'match', 'matches')}
                {p.truncated ? ' (the search stopped early: make the text more precise)' : ''}.
              </p>
              <div class="table-scroll contained">
                <table class="table search-results">
                  <thead>
                    <tr>
                      <th scope="col">Path</th>
                      <th scope="col">Snapshot</th>
                      <th scope="col" class="num">
                        Size
                      </th>
                      <th scope="col">Modified</th>
                      <th scope="col" class="actions">
                        <span class="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.matches.map((m) => {
                      const parent = m.path.split('/').slice(0, -1).join('/');
                      return (
                        <tr class={`entry e-${m.type}`}>
                          <td class="name">
                            <TypeMark type={m.type} />
                            <a
                              href={
                                m.type === 'dir'
                                  ? folderHref(j.id, m.snapshot, m)
                                  : folderHref(j.id, m.snapshot, { path: parent })
                              }
                            >
                              {m.path}
                            </a>
                          </td>
                          <td class="nowrap small">
                            <SnapshotTime name={m.snapshot} tz={p.tz} />
                          </td>
                          <td class="num nowrap">{m.type === 'file' ? bytes(m.size) : ''}</td>
                          <td class="nowrap small">
                            <At iso={m.mtime} tz={p.tz} />
                          </td>
                          <td class="actions">
                            <EntryActions
                              jobId={j.id}
                              snapshot={m.snapshot}
                              entry={m}
                              canOperate={p.canOperate}
                            />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </section>
      ) : null}
    </BackupsLayout>
  );
}
