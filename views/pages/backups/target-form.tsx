import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { Input } from '../notify/inputs.js';
import { BASE, BackupsLayout, Crumbs, Flash, bytes, type BackupsShellProps } from './format.js';

export interface TargetFormValues {
  name: string;
  kind: string;
  path: string;
  uuid: string;
  minFreeMiB: string;
  minFreeInodes: string;
  /** Caretaker mounts the disk. */
  mount: boolean;
}

export const EMPTY_TARGET_FORM: TargetFormValues = {
  name: '',
  kind: 'local',
  path: '',
  uuid: '',
  minFreeMiB: '1024',
  minFreeInodes: '10000',
  mount: false,
};

/** A filesystem lsblk found, to pick a disk from. */
export interface DiskOption {
  device: string;
  uuid: string | null;
  fstype: string;
  label: string | null;
  sizeBytes: number;
  mountpoints: string[];
  model: string | null;
  usable: boolean;
  note?: string | undefined;
}

export interface TargetFormProps extends BackupsShellProps {
  values: TargetFormValues;
  errors?: FieldErrors | undefined;
  error?: string | undefined;
  disks: DiskOption[];
  /** Why the disks could not be listed. */
  disksError?: string | undefined;
  markerFile: string;
  dataDir: string;
  /** Where Caretaker mounts disks (undefined: it cannot on this box). */
  mountRoot?: string | undefined;
}

const KINDS = [
  { value: 'local', label: 'A directory on this box' },
  { value: 'disk', label: 'An attached disk (by filesystem UUID)' },
];

/** Adding a backup target: a directory, or an attached disk's mount point and UUID. */
export function TargetFormPage(p: TargetFormProps) {
  const v = p.values;
  const e = p.errors;
  const usable = p.disks.filter((d) => d.uuid);
  return (
    <BackupsLayout {...p} title="Add a backup target">
      <Crumbs items={[{ href: BASE, label: 'Backups' }, { label: 'New target' }]} />
      <Flash />
      <section class="card" id="target-form">
        <h2>Add a backup target</h2>
        {e || p.error ? (
          <Notice kind="error">{p.error ?? 'Please correct the fields marked below.'}</Notice>
        ) : null}
        <div class="marker-explained">
          <p>
            Caretaker writes a small marker file, <code>{p.markerFile}</code>, at the top of the
            target and keeps its snapshots in <code>{p.dataDir}/</code> below it. Before every run
            it checks that the marker is there and names this target.
          </p>
          <p class="small muted">
            Why: when a disk is unplugged, its mount point is just an empty folder on the box’s own
            disk. It has no marker, so the backup is refused with a clear message instead of quietly
            filling the box’s system disk.
          </p>
        </div>
        <form method="post" action={`${BASE}/targets`} class="stack form-grid target-form">
          <Csrf token={p.csrfToken} />
          <Field
            name="name"
            label="Name"
            value={v.name}
            errors={e}
            required
            maxlength={64}
            hint="“USB disk”, “NAS share”."
          />
          <Select name="kind" label="Kind" value={v.kind} options={KINDS} errors={e} />
          <div data-show-if="kind=local">
            <p class="hint">
              A directory: for small sites and tests. It is created if it does not exist. It should
              be on another disk than the data it backs up.
            </p>
          </div>
          <Field
            name="path"
            label="Directory or mount point"
            value={v.path}
            errors={e}
            maxlength={1024}
            hint="An absolute path such as /srv/backup, or for a disk where it is mounted, such as /media/backup (empty when Caretaker mounts the disk)."
          />
          <div data-show-if="kind=disk" class="stack">
            <div class={e?.uuid ? 'field invalid' : 'field'}>
              <label for="f-uuid">Filesystem UUID</label>
              <input
                id="f-uuid"
                name="uuid"
                type="text"
                value={v.uuid}
                list="disk-uuids"
                maxlength={64}
                spellcheck={false}
                aria-invalid={e?.uuid ? 'true' : undefined}
                aria-describedby="f-uuid-msg"
              />
              <datalist id="disk-uuids">
                {usable.map((d) => (
                  <option value={d.uuid ?? ''}>
                    {`${d.device} ${d.label ?? ''} ${d.fstype} ${bytes(d.sizeBytes)}`}
                  </option>
                ))}
              </datalist>
              <p class={e?.uuid ? 'error-text' : 'hint'} id="f-uuid-msg">
                {e?.uuid ??
                  'For a disk only. The disk is found again by it after it was unplugged. Caretaker checks that this very filesystem is mounted at the mount point.'}
              </p>
            </div>
            {p.mountRoot ? (
              <div class="field check">
                <input
                  id="f-mount"
                  type="checkbox"
                  name="mount"
                  value="on"
                  checked={v.mount}
                  aria-describedby="f-mount-hint"
                />
                <label for="f-mount">Mount it for me</label>
                <p class="hint" id="f-mount-hint">
                  Caretaker mounts the disk at <code>{p.mountRoot}/&lt;UUID&gt;</code> (no device
                  files, set-uid or programs run from it), and again before each backup when it was
                  unplugged or the box restarted. Leave the mount point empty. Otherwise mount it
                  yourself first (fstab with <code>nofail</code>).
                </p>
              </div>
            ) : null}
            <DiskTable disks={p.disks} error={p.disksError} />
          </div>
          <fieldset class="subform">
            <legend>Refuse to start a backup when less is free</legend>
            <div class="row">
              <Input
                name="minFreeMiB"
                label="Free space (MiB)"
                value={v.minFreeMiB}
                errors={e}
                inputmode="numeric"
                maxlength={9}
                class="short"
                hint="1024 is 1 GiB."
              />
              <Input
                name="minFreeInodes"
                label="Free inodes (files)"
                value={v.minFreeInodes}
                errors={e}
                inputmode="numeric"
                maxlength={10}
                class="short"
                hint="Many small files use inodes up before space."
              />
            </div>
          </fieldset>
          <div class="actions-row">
            <button type="submit" class="primary">
              Add target
            </button>
            <a class="button-link" href={BASE}>
              Cancel
            </a>
          </div>
        </form>
      </section>
    </BackupsLayout>
  );
}

function DiskTable(p: { disks: DiskOption[]; error?: string | undefined }) {
  if (p.error) return <p class="small muted">Disks could not be listed: {p.error}</p>;
  if (!p.disks.length)
    return <p class="small muted">No filesystems on attached disks were found (lsblk).</p>;
  return (
    <details class="disks" open>
      <summary>Filesystems found on this box</summary>
      <div class="table-scroll contained">
        <table class="table compact small">
          <thead>
            <tr>
              <th>Device</th>
              <th>UUID</th>
              <th>Type</th>
              <th>Size</th>
              <th>Mounted at</th>
            </tr>
          </thead>
          <tbody>
            {p.disks.map((d) => (
              <tr class={d.usable ? undefined : 'disabled'}>
                <td>
                  <code>{d.device}</code>
                  {d.label ? <div>{d.label}</div> : null}
                  {d.model ? <div class="muted">{d.model}</div> : null}
                </td>
                <td>
                  {d.uuid ? <code>{d.uuid}</code> : <span class="muted">none</span>}
                  {d.note ? <div class="muted">{d.note}</div> : null}
                </td>
                <td>{d.fstype}</td>
                <td class="nowrap">{bytes(d.sizeBytes)}</td>
                <td>
                  {d.mountpoints.length ? (
                    d.mountpoints.map((m) => <code>{m}</code>)
                  ) : (
                    <span class="muted">not mounted</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
