import { Layout, type ShellUser } from '../../layout.js';
import { Csrf, Notice } from '../../partials/form.js';
import { Time } from '../../partials/time.js';
import { TypeBadge, StatusPill } from './type-badge.js';
import { typeLabel } from './format.js';
import { compareText } from '../../../src/lib/collate.js';

export interface DeviceRow {
  id: string;
  name: string;
  ip: string;
  mac?: string | undefined;
  macVendor?: string | undefined;
  type: string;
  typeSource: string;
  vendor?: string | undefined;
  model?: string | undefined;
  os?: string | undefined;
  osVersion?: string | undefined;
  status: string;
  lastSeen: string;
  snmp: { ok: boolean };
}

export interface DeviceListQuery {
  q?: string | undefined;
  type?: string | undefined;
  vendor?: string | undefined;
  status?: string | undefined;
  sort: string;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface DeviceListProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  timezone: string;
  rows: DeviceRow[];
  /** Devices matching the filters. */
  total: number;
  /** Devices in the inventory. */
  inventorySize: number;
  query: DeviceListQuery;
  facets: {
    types: Record<string, number>;
    vendors: Record<string, number>;
    status: Record<string, number>;
  };
  /** Networks to scan are set. */
  configured: boolean;
  canScan: boolean;
  isAdmin: boolean;
  /** Who can configure discovery, for people who cannot. */
  admins: string[];
  running?: { id: string; percent: number; phase: string } | undefined;
  notice?: string | undefined;
}

const DEFAULT_SORT = 'ip';

/** A link to the list with some query values changed; defaults and empty values are left out. */
export function listHref(q: DeviceListQuery, change: Partial<DeviceListQuery> = {}): string {
  const next = { ...q, ...change };
  const params = new URLSearchParams();
  if (next.q) params.set('q', next.q);
  if (next.type) params.set('type', next.type);
  if (next.vendor) params.set('vendor', next.vendor);
  if (next.status) params.set('status', next.status);
  if (next.sort !== DEFAULT_SORT) params.set('sort', next.sort);
  if (next.order !== 'asc') params.set('order', next.order);
  if (next.offset) params.set('offset', String(next.offset));
  const s = params.toString();
  return s ? `/devices?${s}` : '/devices';
}

function SortHeader(props: { q: DeviceListQuery; field: string; label: string }) {
  const active = props.q.sort === props.field;
  const order = active && props.q.order === 'asc' ? 'desc' : 'asc';
  const arrow = active ? (props.q.order === 'asc' ? '▲' : '▼') : '';
  return (
    <th aria-sort={active ? (props.q.order === 'asc' ? 'ascending' : 'descending') : undefined}>
      <a
        class={active ? 'sort active' : 'sort'}
        href={listHref(props.q, { sort: props.field, order, offset: 0 })}
      >
        {props.label}
        {arrow ? <span aria-hidden="true"> {arrow}</span> : null}
      </a>
    </th>
  );
}

function FacetSelect(props: {
  name: string;
  label: string;
  all: string;
  value: string | undefined;
  counts: Record<string, number>;
  labelOf?: (v: string) => string;
}) {
  const entries = Object.entries(props.counts).sort((a, b) =>
    compareText(props.labelOf?.(a[0]) ?? a[0], props.labelOf?.(b[0]) ?? b[0]),
  );
  // A value in the URL that no device has any more still shows as chosen, with 0.
  if (props.value && !(props.value in props.counts)) entries.push([props.value, 0]);
  return (
    <div class="field">
      <label for={`f-${props.name}`}>{props.label}</label>
      <select id={`f-${props.name}`} name={props.name}>
        <option value="">{props.all}</option>
        {entries.map(([v, n]) => (
          <option value={v} selected={v === props.value}>
            {`${props.labelOf?.(v) ?? v} (${n})`}
          </option>
        ))}
      </select>
    </div>
  );
}

export function ScanButton(props: { csrfToken: string; label?: string; disabled?: boolean }) {
  return (
    <form method="post" action="/discovery/scans" class="inline">
      <Csrf token={props.csrfToken} />
      <button type="submit" class="primary" disabled={props.disabled}>
        {props.label ?? 'Scan now'}
      </button>
    </form>
  );
}

function EmptyInventory(p: DeviceListProps) {
  if (!p.configured) {
    return (
      <section class="card empty" id="devices-empty">
        <h2>Not configured yet</h2>
        <p>
          Caretaker finds the devices on this branch’s network with nmap and SNMP, but it scans
          nothing until an admin has said which networks to scan.
        </p>
        {p.isAdmin ? (
          <p>
            <a href="/settings/discovery">Set the networks to scan under Settings → Discovery</a>,
            and add the site’s SNMP communities or SNMPv3 users under{' '}
            <a href="/settings/credentials">Settings → SNMP credentials</a> so that devices can tell
            what they are.
          </p>
        ) : (
          <p>
            Only an admin can set the networks to scan (Settings → Discovery)
            {p.admins.length ? `: ask ${p.admins.join(', ')}.` : '.'}
          </p>
        )}
      </section>
    );
  }
  return (
    <section class="card empty" id="devices-empty">
      <h2>No devices yet</h2>
      <p>
        The networks to scan are set, but no scan has found a device yet.{' '}
        {p.running ? (
          <a href="/discovery">A scan is running: follow it.</a>
        ) : p.canScan ? (
          'Start a scan to fill the inventory.'
        ) : (
          'An operator or admin can start a scan; scheduled scans fill it too.'
        )}
      </p>
      {p.canScan && !p.running ? <ScanButton csrfToken={p.csrfToken} /> : null}
    </section>
  );
}

export function DeviceListPage(p: DeviceListProps) {
  const q = p.query;
  const filtered = Boolean(q.q || q.type || q.vendor || q.status);
  const from = p.total ? q.offset + 1 : 0;
  const to = Math.min(q.offset + q.limit, p.total);
  const up = p.facets.status.up ?? 0;
  const missing = p.facets.status.missing ?? 0;
  return (
    <Layout
      title="Devices"
      siteName={p.siteName}
      active="/devices"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <div class="page-head split">
        <div>
          <h1>Devices</h1>
          <p class="muted">
            {p.inventorySize
              ? `${p.inventorySize} device${p.inventorySize === 1 ? '' : 's'}: ${up} up, ${missing} missing`
              : 'Every device on the branch network, found with nmap and SNMP.'}
          </p>
        </div>
        <div class="head-actions">
          <a href="/devices/topology">Topology</a>
          <a href="/discovery">Scans</a>
          {p.canScan && p.configured && p.inventorySize > 0 ? (
            <ScanButton csrfToken={p.csrfToken} disabled={Boolean(p.running)} />
          ) : null}
        </div>
      </div>
      <div id="flash" aria-live="polite"></div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.running ? (
        <Notice kind="info">
          A scan is running ({p.running.percent}%). <a href="/discovery">Follow it</a>.
        </Notice>
      ) : null}
      {p.inventorySize === 0 ? (
        <EmptyInventory {...p} />
      ) : (
        <section class="card">
          <form
            method="get"
            action="/devices"
            class="filters"
            role="search"
            hx-get="/devices"
            hx-trigger="submit, input delay:350ms"
            hx-target="#device-results"
            hx-select="#device-results"
            hx-swap="outerHTML"
            hx-push-url="true"
          >
            <div class="field grow">
              <label for="f-q">Search</label>
              <input
                id="f-q"
                name="q"
                type="search"
                value={q.q ?? ''}
                maxlength={100}
                placeholder="Name, address, MAC, model, serial…"
              />
            </div>
            <FacetSelect
              name="type"
              label="Type"
              all="All types"
              value={q.type}
              counts={p.facets.types}
              labelOf={typeLabel}
            />
            <FacetSelect
              name="vendor"
              label="Vendor"
              all="All vendors"
              value={q.vendor}
              counts={p.facets.vendors}
            />
            <FacetSelect
              name="status"
              label="Status"
              all="Any status"
              value={q.status}
              counts={p.facets.status}
            />
            {q.sort !== DEFAULT_SORT ? <input type="hidden" name="sort" value={q.sort} /> : null}
            {q.order !== 'asc' ? <input type="hidden" name="order" value={q.order} /> : null}
            <div class="filter-actions">
              <button type="submit">Filter</button>
            </div>
          </form>
          <div id="device-results">
            <p class="muted small" aria-live="polite">
              {p.total
                ? `Showing ${from}–${to} of ${p.total}${filtered ? ' matching' : ''}`
                : 'No device matches these filters.'}
              {filtered ? (
                <>
                  {' · '}
                  <a href={listHref(q, { q: '', type: '', vendor: '', status: '', offset: 0 })}>
                    Clear filters
                  </a>
                </>
              ) : null}
            </p>
            {p.rows.length ? (
              <div class="table-scroll">
                <table class="table devices">
                  <thead>
                    <tr>
                      <SortHeader q={q} field="name" label="Name" />
                      <SortHeader q={q} field="ip" label="Address" />
                      <th>MAC</th>
                      <SortHeader q={q} field="type" label="Type" />
                      <SortHeader q={q} field="vendor" label="Vendor / model" />
                      <th>Status</th>
                      <SortHeader q={q} field="lastSeen" label="Last seen" />
                    </tr>
                  </thead>
                  <tbody>
                    {p.rows.map((d) => (
                      <tr class={d.status === 'missing' ? 'missing' : undefined}>
                        <td>
                          <a href={`/devices/${d.id}`}>
                            <strong>{d.name}</strong>
                          </a>
                        </td>
                        <td>
                          <code>{d.ip}</code>
                        </td>
                        <td>
                          {d.mac ? <code>{d.mac}</code> : <span class="muted">unknown</span>}
                          {d.macVendor ? <div class="muted small">{d.macVendor}</div> : null}
                        </td>
                        <td>
                          <TypeBadge type={d.type} manual={d.typeSource === 'manual'} />
                        </td>
                        <td>
                          {[
                            d.vendor,
                            d.model &&
                            d.vendor &&
                            d.model.toLowerCase().startsWith(d.vendor.toLowerCase())
                              ? d.model.slice(d.vendor.length).trim()
                              : d.model,
                          ]
                            .filter(Boolean)
                            .join(' ') || (
                            <span class="muted">{d.snmp.ok ? 'unknown' : 'no SNMP'}</span>
                          )}
                          {d.os ? (
                            <div class="muted small">
                              {[d.os, d.osVersion].filter(Boolean).join(' ')}
                            </div>
                          ) : null}
                        </td>
                        <td>
                          <StatusPill status={d.status} />
                        </td>
                        <td class="nowrap">
                          <Time iso={d.lastSeen} timezone={p.timezone} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
            {p.total > q.limit ? (
              <nav class="pager" aria-label="Pages">
                {q.offset > 0 ? (
                  <a href={listHref(q, { offset: Math.max(0, q.offset - q.limit) })} rel="prev">
                    ← Previous
                  </a>
                ) : (
                  <span class="muted">← Previous</span>
                )}
                <span class="muted">
                  Page {Math.floor(q.offset / q.limit) + 1} of {Math.ceil(p.total / q.limit)}
                </span>
                {to < p.total ? (
                  <a href={listHref(q, { offset: q.offset + q.limit })} rel="next">
                    Next →
                  </a>
                ) : (
                  <span class="muted">Next →</span>
                )}
              </nav>
            ) : null}
          </div>
        </section>
      )}
    </Layout>
  );
}
