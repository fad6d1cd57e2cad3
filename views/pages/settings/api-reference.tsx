import { SettingsShell, type SettingsShellProps } from './nav.js';

/** One row of a parameter or body-field table. */
export interface FieldRow {
  name: string;
  /** path, query or header for parameters; body fields have none. */
  in?: string;
  type: string;
  required: boolean;
  /** Limits, defaults and patterns, as short phrases. */
  constraints: string[];
  description?: string;
  /** For fields of one variant of a union: `kind = "ssh"`. */
  when?: string;
}

export interface BodyVariant {
  /** Set when the body is one of several shapes. */
  title?: string;
  fields: FieldRow[];
}

export interface OperationRow {
  anchor: string;
  method: string;
  path: string;
  role: 'public' | 'viewer' | 'operator' | 'admin';
  /** The least token scope, or undefined for public operations. */
  scope?: string;
  summary: string;
  description?: string;
  parameters: FieldRow[];
  body?: { required: boolean; variants: BodyVariant[] };
  responses: Array<{ status: string; description: string }>;
}

export interface TagGroup {
  name: string;
  anchor: string;
  description: string;
  operations: OperationRow[];
}

export interface ApiReference {
  title: string;
  version: string;
  description: string;
  groups: TagGroup[];
  operationCount: number;
}

const ROLE_TEXT: Record<OperationRow['role'], string> = {
  public: 'no sign-in',
  viewer: 'any role',
  operator: 'operator',
  admin: 'admin',
};

/** Descriptions are CommonMark in the document; only `code` spans are used in them. */
function Prose(p: { text: string }) {
  return <>{p.text.split(/`([^`]+)`/).map((part, i) => (i % 2 ? <code>{part}</code> : part))}</>;
}

const WHO_NEEDS: Record<OperationRow['role'], string> = {
  public: 'Answers without authentication.',
  viewer: 'Any signed-in user, or an API token of any scope.',
  operator: 'Needs the operator or admin role, or a token with the “operate” or “admin” scope.',
  admin: 'Needs the admin role, or a token with the “admin” scope.',
};

function Who(p: { op: OperationRow }) {
  if (p.op.role === 'public') return <span class="pill">public</span>;
  return (
    <span class={`pill api-role r-${p.op.role}`} title={`Token scope ${p.op.scope ?? ''} or more`}>
      {ROLE_TEXT[p.op.role]}
    </span>
  );
}

function FieldTable(p: { rows: FieldRow[]; showIn?: boolean; caption: string }) {
  return (
    <table class="table api-fields">
      <caption class="sr-only">{p.caption}</caption>
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          <th>Required</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {p.rows.map((f) => (
          <tr>
            <td data-label="Name">
              <code class="api-name">{f.name}</code>
              {p.showIn && f.in ? <span class="muted small"> {f.in}</span> : null}
            </td>
            <td data-label="Type" class="api-type">
              {f.type}
            </td>
            <td data-label="Required">
              {f.required ? <strong>required</strong> : <span class="muted">optional</span>}
            </td>
            <td data-label="Details" class="api-details">
              {f.when ? <div class="api-when">when {f.when}</div> : null}
              {f.description ? (
                <div>
                  <Prose text={f.description} />
                </div>
              ) : null}
              {f.constraints.length ? (
                <div class="muted small">{f.constraints.join(' · ')}</div>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Operation(p: { op: OperationRow }) {
  const op = p.op;
  return (
    <details class="api-op" id={op.anchor}>
      <summary>
        <span class={`api-method m-${op.method.toLowerCase()}`}>{op.method}</span>
        <code class="api-path">{op.path}</code>
        <span class="api-summary">{op.summary}</span>
        <Who op={op} />
      </summary>
      <div class="api-op-body">
        {op.description ? (
          <p>
            <Prose text={op.description} />
          </p>
        ) : null}
        <p class="muted small">
          {WHO_NEEDS[op.role]} <a href={`#${op.anchor}`}>Link to this operation</a>
        </p>
        {op.parameters.length ? (
          <>
            <h4>Parameters</h4>
            <FieldTable rows={op.parameters} showIn caption={`Parameters of ${op.path}`} />
          </>
        ) : null}
        {op.body ? (
          <>
            <h4>
              Body <span class="muted small">application/json</span>
              {op.body.required ? null : <span class="muted small"> (may be left out)</span>}
            </h4>
            {op.body.variants.length > 1 ? (
              <p class="muted small">One of {op.body.variants.length} shapes:</p>
            ) : null}
            {op.body.variants.map((v) => (
              <>
                {v.title ? <h5 class="api-variant">{v.title}</h5> : null}
                {v.fields.length ? (
                  <FieldTable rows={v.fields} caption={`Body of ${op.method} ${op.path}`} />
                ) : (
                  <p class="muted small">Any JSON value.</p>
                )}
              </>
            ))}
          </>
        ) : null}
        <h4>Responses</h4>
        <ul class="api-responses">
          {op.responses.map((r) => (
            <li>
              <code class={`api-status s${r.status[0]}`}>{r.status}</code>{' '}
              <Prose text={r.description} />
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}

/** The API reference: every operation by area, from the same document HQ downloads. */
export function ApiReferencePage(
  p: Omit<SettingsShellProps, 'tab' | 'title'> & { reference: ApiReference; isAdmin: boolean },
) {
  const ref = p.reference;
  return (
    <SettingsShell {...p} tab="/settings/api" title="API reference">
      <section class="card">
        <div class="card-head">
          <h2>
            {ref.title} <span class="muted small">version {ref.version}</span>
          </h2>
          <a href="/api/v1/openapi.json" download="caretaker-openapi.json">
            openapi.json
          </a>
        </div>
        <p>
          <Prose text={ref.description} />
        </p>
        <ul class="api-auth">
          <li>
            <strong>Scripts and HQ:</strong> send <code>Authorization: Bearer &lt;token&gt;</code>.{' '}
            {p.isAdmin ? <a href="/settings/tokens">Create a token</a> : 'An admin creates tokens'}{' '}
            with the scope <code>read</code>, <code>operate</code> or <code>admin</code>.
          </li>
          <li>
            <strong>Browsers:</strong> the session cookie, plus the <code>X-CSRF-Token</code> header
            on every change.
          </li>
          <li>
            The machine-readable description of all {ref.operationCount} operations (OpenAPI 3.1) is
            at <code>GET /api/v1/openapi.json</code>.
          </li>
        </ul>
        <nav class="api-toc" aria-label="API areas">
          {ref.groups.map((g) => (
            <a href={`#${g.anchor}`}>
              {g.name} <span class="muted">{g.operations.length}</span>
            </a>
          ))}
        </nav>
      </section>
      {ref.groups.map((g) => (
        <section class="card api-group" id={g.anchor}>
          <h2>{g.name}</h2>
          <p class="muted">
            <Prose text={g.description} />
          </p>
          {g.operations.map((op) => (
            <Operation op={op} />
          ))}
        </section>
      ))}
    </SettingsShell>
  );
}
