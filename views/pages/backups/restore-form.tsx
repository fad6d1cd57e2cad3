import type { Child } from 'hono/jsx';
import { Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import {
  BASE,
  BackupsLayout,
  Crumbs,
  Flash,
  SnapshotTime,
  bytes,
  folderHref,
  jobHref,
  restoreHref,
  snapshotsHref,
  type BackupsShellProps,
} from './format.js';
import type { EntryView } from './types.js';

export interface RestoreFormValues {
  /** original | directory | source-directory */
  destination: string;
  directory: string;
  overwrite: boolean;
}

export interface RestoreFormProps extends BackupsShellProps {
  tz: string;
  job: { id: string; name: string };
  snapshot: { name: string; completedAt: string };
  entry: EntryView;
  /** The folder it goes back into, when it came from one of the job's sources. */
  originalFolder?: string | undefined;
  /** The other machine it came from (`backup@nas`), when it came over SSH. */
  sourceHost?: string | undefined;
  /** Why it cannot go back to its original place, when it cannot. */
  originalNote?: string | undefined;
  values: RestoreFormValues;
  errors?: FieldErrors | undefined;
  error?: string | undefined;
}

/** Restore one file or folder from a snapshot: to where it came from, or to another folder. */
export function RestoreFormPage(p: RestoreFormProps) {
  const e = p.entry;
  const v = p.values;
  const errs = p.errors;
  const what = e.type === 'dir' ? 'folder' : e.type === 'symlink' ? 'link' : 'file';
  const parent = e.path.split('/').slice(0, -1).join('/');
  const action = restoreHref(p.job.id, p.snapshot.name, e);
  const original = p.originalFolder !== undefined;
  return (
    <BackupsLayout {...p} title={`Restore ${e.name}`}>
      <Crumbs
        items={[
          { href: BASE, label: 'Backups' },
          { href: jobHref(p.job.id), label: p.job.name },
          { href: snapshotsHref(p.job.id), label: 'Snapshots' },
          {
            href: folderHref(p.job.id, p.snapshot.name, { path: parent }),
            label: <SnapshotTime name={p.snapshot.name} iso={p.snapshot.completedAt} tz={p.tz} />,
          },
          { label: 'Restore' },
        ]}
      />
      <Flash />
      <section class="card restore-card">
        <h2>
          Restore the {what} <code class="title-path">{e.name}</code>
        </h2>
        <p>
          <code>{e.path}</code>
          {e.type === 'file' ? ` (${bytes(e.size)})` : ''} as it was in the snapshot of{' '}
          <SnapshotTime name={p.snapshot.name} iso={p.snapshot.completedAt} tz={p.tz} />.
        </p>
        {errs || p.error ? (
          <Notice kind="error">{p.error ?? 'Please correct the fields marked below.'}</Notice>
        ) : null}
        <form method="post" action={action} class="stack form-grid restore-form">
          <Csrf token={p.csrfToken} />
          <fieldset class={errs?.destination ? 'check-group invalid' : 'check-group'}>
            <legend>Put it</legend>
            <Choice
              value="original"
              checked={v.destination === 'original'}
              disabled={!original}
              label="Back where it came from"
            >
              {original ? (
                <>
                  into <code>{p.originalFolder}</code>
                  {p.sourceHost ? (
                    <>
                      {' '}
                      on <code>{p.sourceHost}</code> (over SSH)
                    </>
                  ) : null}
                  .{' '}
                  <strong>
                    Files that are newer on the source are kept unless you tick Overwrite.
                  </strong>
                </>
              ) : (
                (p.originalNote ?? 'Not possible for this path.')
              )}
            </Choice>
            <Choice
              value="directory"
              checked={v.destination === 'directory'}
              label="Into another folder on the box"
            >
              It is copied into the folder below (created if missing), for example to compare it
              with the current version first.
            </Choice>
            {p.sourceHost ? (
              <Choice
                value="source-directory"
                checked={v.destination === 'source-directory'}
                label={`Into another folder on ${p.sourceHost}`}
              >
                It is copied over SSH into the folder below on the machine it came from (created if
                missing).
              </Choice>
            ) : null}
            {errs?.destination ? <p class="error-text">{errs.destination}</p> : null}
          </fieldset>
          <div
            class={errs?.directory ? 'field invalid' : 'field'}
            data-show-if="destination=directory,source-directory"
          >
            <label for="f-directory">Folder</label>
            <input
              id="f-directory"
              name="directory"
              type="text"
              value={v.directory}
              maxlength={4096}
              spellcheck={false}
              placeholder="/srv/restored"
              aria-invalid={errs?.directory ? 'true' : undefined}
              aria-describedby="f-directory-msg"
            />
            <p class={errs?.directory ? 'error-text' : 'hint'} id="f-directory-msg">
              {errs?.directory ??
                (p.sourceHost
                  ? `For “Into another folder”: an absolute path on the box or on ${p.sourceHost}.`
                  : 'For “Into another folder”: an absolute path on the box.')}
            </p>
          </div>
          <div class="field check">
            <input
              id="f-overwrite"
              type="checkbox"
              name="overwrite"
              value="on"
              checked={v.overwrite}
              aria-describedby="f-overwrite-hint"
            />
            <label for="f-overwrite">Overwrite</label>
            <p class="hint" id="f-overwrite-hint">
              Replace files at the destination even when they are newer than the copy in the
              snapshot. Files that exist only at the destination are never deleted.
            </p>
          </div>
          <div class="actions-row">
            <button type="submit" class="primary">
              Restore
            </button>
            <a class="button-link" href={folderHref(p.job.id, p.snapshot.name, { path: parent })}>
              Cancel
            </a>
          </div>
        </form>
      </section>
    </BackupsLayout>
  );
}

function Choice(p: {
  value: string;
  checked: boolean;
  disabled?: boolean;
  label: string;
  children?: Child;
}) {
  const id = `f-destination-${p.value}`;
  return (
    <div class={p.disabled ? 'choice disabled' : 'choice'}>
      <input
        type="radio"
        id={id}
        name="destination"
        value={p.value}
        checked={p.checked}
        disabled={p.disabled}
        aria-describedby={`${id}-hint`}
      />
      <label for={id}>{p.label}</label>
      <p class="hint" id={`${id}-hint`}>
        {p.children}
      </p>
    </div>
  );
}

/** "Delete X?" as a page of its own, so that deleting asks first also without htmx. */
export function ConfirmPage(
  p: BackupsShellProps & {
    title: string;
    crumbs: Array<{ href?: string; label: string }>;
    action: string;
    cancelHref: string;
    button: string;
    error?: string | undefined;
    children?: Child;
  },
) {
  return (
    <BackupsLayout {...p} title={p.title}>
      <Crumbs items={p.crumbs} />
      <Flash />
      <section class="card danger-zone">
        <h2>{p.title}</h2>
        {p.error ? <Notice kind="error">{p.error}</Notice> : null}
        {p.children}
        <form method="post" action={p.action} class="actions-row">
          <Csrf token={p.csrfToken} />
          <button type="submit" class="danger">
            {p.button}
          </button>
          <a class="button-link" href={p.cancelHref}>
            Cancel
          </a>
        </form>
      </section>
    </BackupsLayout>
  );
}
