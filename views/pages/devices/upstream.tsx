import { Csrf, type FieldErrors } from '../../partials/form.js';
import { Time } from '../../partials/time.js';

/** A device's parent for root-cause suppression, and (for operators) the way to set it. */
export interface UpstreamProps {
  deviceId: string;
  csrfToken: string;
  timezone: string;
  /** The parent in effect, if there is one. */
  parent?: { id: string; name: string } | undefined;
  /** How it was found: lldp, fdb, gateway, manual, or none. */
  via: string;
  /** A person's choice stored for this device (parentId null: "no parent"). */
  override?: { parentId: string | null; setBy: string; setAt: string } | undefined;
  /** Why the stored choice has no effect (it would close a loop, …). */
  ignored?: string | undefined;
  /** The parent the topology gives, while nobody has chosen one (shown beside "Automatic"). */
  derived?: { name?: string | undefined; via: string } | undefined;
  /** Devices that can be chosen (every other device of the inventory). */
  choices: Array<{ id: string; label: string }>;
  canEdit: boolean;
  /** The select's value: "auto", "none" or a device id. */
  selected: string;
  errors?: FieldErrors | undefined;
}

const VIA: Record<string, string> = {
  lldp: 'found by LLDP',
  fdb: 'found in a switch’s forwarding table',
  gateway: 'the default gateway',
  manual: 'set by hand',
};

export function UpstreamSection(p: UpstreamProps) {
  const error = p.errors?.parentId;
  const derivedText = p.override
    ? 'Automatic: from the topology (LLDP, forwarding tables, the gateway)'
    : p.derived?.name
      ? `Automatic (now: ${p.derived.name}, ${VIA[p.derived.via] ?? p.derived.via})`
      : 'Automatic (now: none found)';
  return (
    <section class="card" id="upstream">
      <h2>Parent (upstream device)</h2>
      <p>
        {p.parent ? (
          <>
            Upstream: <a href={`/devices/${encodeURIComponent(p.parent.id)}`}>{p.parent.name}</a>{' '}
            <span class="muted">({VIA[p.via] ?? p.via})</span>
          </>
        ) : p.via === 'manual' ? (
          <>
            Upstream: <strong>none</strong> <span class="muted">(set by hand)</span>
          </>
        ) : (
          <span class="muted">
            No upstream device known: this is the top of the tree, or it could not be placed.
          </span>
        )}
      </p>
      <p class="muted small">
        When the parent is down, this device’s problems are held behind the parent’s incident
        instead of being notified on their own.
        {p.override ? (
          <>
            {' '}
            Chosen by {p.override.setBy}, <Time iso={p.override.setAt} timezone={p.timezone} />.
          </>
        ) : null}
      </p>
      {p.ignored ? (
        <p class="error-text small">The choice made by hand has no effect: {p.ignored}</p>
      ) : null}
      {p.canEdit ? (
        <form method="post" action={`/devices/${p.deviceId}/parent`} class="upstream-form">
          <Csrf token={p.csrfToken} />
          <div class={error ? 'field invalid' : 'field'}>
            <label for="f-parentId">Parent</label>
            <select
              id="f-parentId"
              name="parentId"
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? 'f-parentId-err' : undefined}
            >
              <option value="auto" selected={p.selected === 'auto'}>
                {derivedText}
              </option>
              <option value="none" selected={p.selected === 'none'}>
                None: never held behind another device
              </option>
              {p.choices.map((c) => (
                <option value={c.id} selected={p.selected === c.id}>
                  {c.label}
                </option>
              ))}
            </select>
            {error ? (
              <p class="error-text" id="f-parentId-err">
                {error}
              </p>
            ) : null}
          </div>
          <button type="submit">Set parent</button>
        </form>
      ) : null}
    </section>
  );
}
