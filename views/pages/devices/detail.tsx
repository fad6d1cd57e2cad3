import type { Child } from 'hono/jsx';
import { Layout, type ShellUser } from '../../layout.js';
import { Field, Select, Csrf, Notice, type FieldErrors } from '../../partials/form.js';
import { TextArea } from '../../partials/fields.js';
import { Time } from '../../partials/time.js';
import { TypeBadge, StatusPill } from './type-badge.js';
import { DeviceMetricsSection, type DeviceMetricsProps } from './metrics-section.js';
import { DeviceChecks, type DeviceChecksProps } from './checks.js';
import { UpstreamSection, type UpstreamProps } from './upstream.js';
import { ActiveAlerts, type ActiveAlertRow } from '../rules/active-alerts.js';
import { ImportantToggle } from '../rules/important-toggle.js';
import {
  CHANGE_KINDS,
  TYPE_LABELS,
  formatSpeed,
  formatUptime,
  ifTypeLabel,
  showValue,
  typeLabel,
} from './format.js';

export interface DeviceView {
  id: string;
  name: string;
  nameSource: string;
  ip: string;
  addresses: string[];
  mac?: string | undefined;
  macVendor?: string | undefined;
  sysName?: string | undefined;
  sysDescr?: string | undefined;
  sysObjectID?: string | undefined;
  engineId?: string | undefined;
  serial?: string | undefined;
  vendor?: string | undefined;
  model?: string | undefined;
  os?: string | undefined;
  osVersion?: string | undefined;
  firmware?: string | undefined;
  type: string;
  typeSource: string;
  reasons: string[];
  location?: string | undefined;
  contact?: string | undefined;
  uptimeS?: number | undefined;
  uptimeAt?: string | undefined;
  snmp: {
    credentialId?: string | undefined;
    credentialSource?: string | undefined;
    version?: string | undefined;
    ok: boolean;
    error?: { code: string; message: string } | undefined;
  };
  services: Array<{
    protocol: string;
    port: number;
    name?: string | undefined;
    product?: string | undefined;
    version?: string | undefined;
  }>;
  notes: string;
  status: string;
  missedScans: number;
  firstSeen: string;
  lastSeen: string;
  lastScanId: string;
}

export interface InterfaceRow {
  index: number;
  name: string;
  descr: string;
  alias: string;
  type: number;
  speedBps?: number | undefined;
  mac?: string | undefined;
  adminUp: boolean;
  operStatus: string;
}

/** A device of the inventory that a table row points at. */
export interface DeviceLink {
  id: string;
  name: string;
}

export interface NeighbourRow {
  localPort: string;
  remoteName: string;
  remotePort: string;
  chassisId: string;
  mgmtIp?: string | undefined;
  capabilities: string[];
  device?: DeviceLink | undefined;
}

export interface ArpRow {
  ip: string;
  mac: string;
  iface: string;
  device?: DeviceLink | undefined;
}

export interface FdbRow {
  mac: string;
  port: string;
  vlan?: number | undefined;
  device?: DeviceLink | undefined;
}

export interface HistoryRow {
  at: string;
  kind: string;
  actor?: string | undefined;
  scanId?: string | undefined;
  changes: Array<{ field: string; from?: unknown; to?: unknown }>;
}

export interface DeviceFormValues {
  name: string;
  type: string;
  notes: string;
  credentialId: string;
}

export interface DeviceDetailProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  timezone: string;
  device: DeviceView;
  /** The credential the device answered with, if it still exists. */
  credentialName?: string | undefined;
  credentials: Array<{ id: string; name: string; version: string }>;
  interfaces: InterfaceRow[];
  neighbours: NeighbourRow[];
  arp: ArpRow[];
  arpTotal: number;
  fdb: FdbRow[];
  fdbTotal: number;
  ipAddrs: Array<{ ip: string; mask: string; iface: string }>;
  history: HistoryRow[];
  collectNotes: string[];
  canEdit: boolean;
  canDelete: boolean;
  values?: DeviceFormValues | undefined;
  errors?: FieldErrors | undefined;
  error?: string | undefined;
  notice?: string | undefined;
  /** The monitoring section: status, levels and charts of the chosen period. */
  metrics?: DeviceMetricsProps | undefined;
  /** The device's raised alerts (the card shows only when there are some). */
  alerts?: ActiveAlertRow[] | undefined;
  /** The service checks section. */
  checks?: DeviceChecksProps | undefined;
  /** Per ifIndex: whether the interface is important (alerts when it goes down) and why. */
  importance?: Record<string, InterfaceImportance> | undefined;
  /** Operators and admins may mark interfaces important. */
  canMarkInterfaces?: boolean | undefined;
  /** The parent (upstream device) for root-cause suppression. */
  upstream?: UpstreamProps | undefined;
}

export interface InterfaceImportance {
  important: boolean;
  reason: string;
  detail?: string | undefined;
}

function Fact(props: { label: string; children?: Child; when: unknown }) {
  if (props.when === undefined || props.when === null || props.when === '') return null;
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

function DeviceRef(props: { device?: DeviceLink | undefined }) {
  return props.device ? (
    <a href={`/devices/${props.device.id}`}>{props.device.name}</a>
  ) : (
    <span class="muted">not in the inventory</span>
  );
}

/** A card whose table folds away behind a summary when it is long. */
function Section(props: {
  id: string;
  title: string;
  count: number;
  empty: string;
  fold?: number;
  note?: string | undefined;
  children?: Child;
}) {
  const fold = props.fold ?? 25;
  return (
    <section class="card" id={props.id}>
      <div class="card-head">
        <h2>{props.title}</h2>
        {props.count ? <span class="muted small">{props.count}</span> : null}
      </div>
      {props.note ? <p class="muted small">{props.note}</p> : null}
      {props.count === 0 ? (
        <p class="empty-line">{props.empty}</p>
      ) : props.count > fold ? (
        <details>
          <summary>Show all {props.count} entries</summary>
          {props.children}
        </details>
      ) : (
        props.children
      )}
    </section>
  );
}

function OperStatus(props: { admin: boolean; oper: string }) {
  const cls = !props.admin
    ? 'off'
    : props.oper === 'up'
      ? 'up'
      : props.oper === 'down'
        ? 'down'
        : 'other';
  return (
    <span class={`ifstate ${cls}`}>
      <span class="dot" aria-hidden="true"></span>
      {props.admin ? props.oper : `disabled (${props.oper})`}
    </span>
  );
}

export function defaultFormValues(d: DeviceView): DeviceFormValues {
  return {
    name: d.nameSource === 'manual' ? d.name : '',
    type: d.typeSource === 'manual' ? d.type : 'auto',
    notes: d.notes,
    credentialId:
      d.snmp.credentialSource === 'manual' && d.snmp.credentialId ? d.snmp.credentialId : 'auto',
  };
}

function EditForm(p: DeviceDetailProps) {
  const d = p.device;
  const v = p.values ?? defaultFormValues(d);
  const types = [
    {
      value: 'auto',
      label:
        d.typeSource === 'manual'
          ? 'Automatic (identified again at the next scan)'
          : `Automatic (now: ${typeLabel(d.type)})`,
    },
    ...Object.entries(TYPE_LABELS).map(([value, label]) => ({ value, label })),
  ];
  const creds = [
    { value: 'auto', label: 'Automatic: the first credential that answers' },
    ...p.credentials.map((c) => ({ value: c.id, label: `${c.name} (SNMPv${c.version})` })),
  ];
  if (v.credentialId !== 'auto' && !p.credentials.some((c) => c.id === v.credentialId))
    creds.push({ value: v.credentialId, label: 'A deleted credential' });
  return (
    <section class="card" id="edit">
      <details open={Boolean(p.errors)}>
        <summary>
          <h2>Edit</h2> <span class="muted">name, type, SNMP credential and notes</span>
        </summary>
        {p.errors ? (
          <Notice kind="error">{p.error ?? 'Please correct the fields below.'}</Notice>
        ) : null}
        <form method="post" action={`/devices/${d.id}`} class="stack form-grid">
          <Csrf token={p.csrfToken} />
          <Field
            name="name"
            label="Name"
            value={v.name}
            errors={p.errors}
            maxlength={80}
            hint={`Leave empty to use the discovered name (${d.sysName || d.ip}).`}
          />
          <Select
            name="type"
            label="Type"
            value={v.type}
            options={types}
            errors={p.errors}
            hint="Choose a type when the guess is wrong; it then stays as you set it."
          />
          <Select
            name="credentialId"
            label="SNMP credential"
            value={v.credentialId}
            options={creds}
            errors={p.errors}
            hint="Pin a credential when several answer and the wrong one wins."
          />
          <TextArea
            name="notes"
            label="Notes"
            value={v.notes}
            errors={p.errors}
            rows={4}
            maxlength={4000}
            hint="Where it is, who owns it, anything the next person should know."
          />
          <button type="submit" class="primary">
            Save
          </button>
        </form>
      </details>
    </section>
  );
}

export function DeviceDetailPage(p: DeviceDetailProps) {
  const d = p.device;
  const identity = [d.vendor, d.model].filter(Boolean).join(' ');
  return (
    <Layout
      title={d.name}
      siteName={p.siteName}
      active="/devices"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/devices">Devices</a> <span aria-hidden="true">›</span>
      </nav>
      <div class="page-head">
        <h1 class="with-badges">
          {d.name} <TypeBadge type={d.type} manual={d.typeSource === 'manual'} />{' '}
          <StatusPill status={d.status} />
        </h1>
        <p class="muted">
          <code>{d.ip}</code>
          {d.mac ? (
            <>
              {' · '}
              <code>{d.mac}</code>
            </>
          ) : null}
          {identity ? ` · ${identity}` : ''}
        </p>
      </div>
      <div id="flash" aria-live="polite"></div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {p.error && !p.errors ? <Notice kind="error">{p.error}</Notice> : null}
      {d.status === 'missing' ? (
        <Notice kind="warn">
          This device did not answer in the last {d.missedScans} scans. It was last seen{' '}
          <Time iso={d.lastSeen} timezone={p.timezone} />.
        </Notice>
      ) : null}
      {p.alerts?.length ? (
        <ActiveAlerts alerts={p.alerts} timezone={p.timezone} title="Alerts" hideDevice />
      ) : null}
      {p.metrics ? <DeviceMetricsSection {...p.metrics} /> : null}
      {p.checks ? <DeviceChecks {...p.checks} /> : null}
      <div class="grid two spaced">
        <section class="card" id="overview">
          <h2>Overview</h2>
          <dl class="facts">
            <Fact label="Vendor" when={d.vendor}>
              {d.vendor}
            </Fact>
            <Fact label="Model" when={d.model}>
              {d.model}
            </Fact>
            <Fact label="Serial number" when={d.serial}>
              <code>{d.serial}</code>
            </Fact>
            <Fact label="Operating system" when={d.os}>
              {[d.os, d.osVersion].filter(Boolean).join(' ')}
            </Fact>
            <Fact label="Firmware" when={d.firmware}>
              {d.firmware}
            </Fact>
            <Fact label="MAC vendor" when={d.macVendor}>
              {d.macVendor}
            </Fact>
            <Fact label="Addresses" when={d.addresses.length > 1 ? 'x' : ''}>
              {d.addresses.join(', ')}
            </Fact>
            <Fact label="Location" when={d.location}>
              {d.location}
            </Fact>
            <Fact label="Contact" when={d.contact}>
              {d.contact}
            </Fact>
            <Fact label="Uptime" when={d.uptimeS}>
              {formatUptime(d.uptimeS)}{' '}
              <span class="muted small">
                (at <Time iso={d.uptimeAt} timezone={p.timezone} />)
              </span>
            </Fact>
            <dt>First seen</dt>
            <dd>
              <Time iso={d.firstSeen} timezone={p.timezone} />
            </dd>
            <dt>Last seen</dt>
            <dd>
              <Time iso={d.lastSeen} timezone={p.timezone} />{' '}
              <a class="small" href={`/discovery/scans/${d.lastScanId}`}>
                scan
              </a>
            </dd>
            <Fact label="Notes" when={d.notes}>
              <span class="prewrap">{d.notes}</span>
            </Fact>
          </dl>
        </section>
        <section class="card" id="snmp">
          <h2>SNMP</h2>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              {d.snmp.ok ? (
                <span class="pill ok">answering</span>
              ) : (
                <span class="pill st-missing">not answering</span>
              )}
              {d.snmp.version ? <span class="muted"> SNMPv{d.snmp.version}</span> : null}
            </dd>
            <Fact label="Problem" when={d.snmp.error}>
              <span class="error-text">{d.snmp.error?.message}</span>{' '}
              <code class="small">{d.snmp.error?.code}</code>
            </Fact>
            <dt>Credential</dt>
            <dd>
              {d.snmp.credentialId ? (
                (p.credentialName ?? <span class="muted">a deleted credential</span>)
              ) : (
                <span class="muted">none</span>
              )}{' '}
              <span class="muted small">
                {d.snmp.credentialSource === 'manual' ? '(pinned)' : '(automatic)'}
              </span>
            </dd>
            <Fact label="sysName" when={d.sysName}>
              {d.sysName}
            </Fact>
            <Fact label="sysDescr" when={d.sysDescr}>
              <span class="small">{d.sysDescr}</span>
            </Fact>
            <Fact label="sysObjectID" when={d.sysObjectID}>
              <code>{d.sysObjectID}</code>
            </Fact>
            <Fact label="Engine ID" when={d.engineId}>
              <code>{d.engineId}</code>
            </Fact>
          </dl>
          <h3>Why this type</h3>
          {d.typeSource === 'manual' ? (
            <p class="small">Set by hand to {typeLabel(d.type)}.</p>
          ) : null}
          {d.reasons.length ? (
            <ul class="reasons">
              {d.reasons.map((r) => (
                <li>{r}</li>
              ))}
            </ul>
          ) : (
            <p class="empty-line">No clue yet: nothing this device said pointed to a type.</p>
          )}
        </section>
      </div>

      {p.upstream ? <UpstreamSection {...p.upstream} /> : null}
      {p.canEdit ? <EditForm {...p} /> : null}

      <Section
        id="interfaces"
        title="Interfaces"
        count={p.interfaces.length}
        empty={d.snmp.ok ? 'The device lists no interfaces.' : 'Interfaces are read over SNMP.'}
        fold={60}
      >
        <div class="table-scroll">
          <table class="table compact">
            <thead>
              <tr>
                <th>#</th>
                <th>Name</th>
                <th>Alias</th>
                <th>Type</th>
                <th>Speed</th>
                <th>MAC</th>
                <th>Status</th>
                {p.importance ? <th>Alerts when down</th> : null}
              </tr>
            </thead>
            <tbody>
              {p.interfaces.map((i) => (
                <tr>
                  <td class="muted">{i.index}</td>
                  <td>
                    {i.name || i.descr}
                    {i.name && i.descr && i.descr !== i.name ? (
                      <div class="muted small">{i.descr}</div>
                    ) : null}
                  </td>
                  <td>{i.alias}</td>
                  <td class="nowrap">{ifTypeLabel(i.type)}</td>
                  <td class="nowrap">{formatSpeed(i.speedBps)}</td>
                  <td>{i.mac ? <code>{i.mac}</code> : null}</td>
                  <td class="nowrap">
                    <OperStatus admin={i.adminUp} oper={i.operStatus} />
                  </td>
                  {p.importance ? (
                    <td>
                      <ImportantToggle
                        deviceId={d.id}
                        ifIndex={String(i.index)}
                        important={p.importance[String(i.index)]?.important ?? false}
                        reason={p.importance[String(i.index)]?.reason ?? 'none'}
                        detail={p.importance[String(i.index)]?.detail}
                        csrfToken={p.csrfToken}
                        canChange={p.canMarkInterfaces ?? false}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      <Section
        id="neighbours"
        title="Neighbours (LLDP)"
        count={p.neighbours.length}
        empty="No LLDP neighbours reported."
      >
        <div class="table-scroll">
          <table class="table compact">
            <thead>
              <tr>
                <th>Local port</th>
                <th>Neighbour</th>
                <th>Its port</th>
                <th>Management address</th>
                <th>In the inventory</th>
              </tr>
            </thead>
            <tbody>
              {p.neighbours.map((n) => (
                <tr>
                  <td>{n.localPort}</td>
                  <td>
                    {n.remoteName}
                    {n.capabilities.length ? (
                      <div class="muted small">{n.capabilities.join(', ')}</div>
                    ) : null}
                  </td>
                  <td>{n.remotePort}</td>
                  <td>{n.mgmtIp ? <code>{n.mgmtIp}</code> : null}</td>
                  <td>
                    <DeviceRef device={n.device} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      {p.fdbTotal > 0 || d.type === 'switch' ? (
        <Section
          id="fdb"
          title="Forwarding table"
          count={p.fdbTotal}
          empty="No forwarding table (only switches keep one)."
          note={
            p.fdb.length < p.fdbTotal
              ? `Showing the first ${p.fdb.length} of ${p.fdbTotal} entries.`
              : p.fdbTotal
                ? 'Which MAC address the switch learned on which port.'
                : undefined
          }
        >
          <div class="table-scroll">
            <table class="table compact">
              <thead>
                <tr>
                  <th>MAC</th>
                  <th>Port</th>
                  <th>VLAN</th>
                  <th>Device</th>
                </tr>
              </thead>
              <tbody>
                {p.fdb.map((f) => (
                  <tr>
                    <td>
                      <code>{f.mac}</code>
                    </td>
                    <td>{f.port}</td>
                    <td>{f.vlan ?? ''}</td>
                    <td>
                      <DeviceRef device={f.device} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Section>
      ) : null}

      <Section
        id="arp"
        title="ARP table"
        count={p.arpTotal}
        empty="No ARP entries reported."
        note={
          p.arp.length < p.arpTotal
            ? `Showing the first ${p.arp.length} of ${p.arpTotal} entries.`
            : undefined
        }
      >
        <div class="table-scroll">
          <table class="table compact">
            <thead>
              <tr>
                <th>Address</th>
                <th>MAC</th>
                <th>Interface</th>
                <th>Device</th>
              </tr>
            </thead>
            <tbody>
              {p.arp.map((a) => (
                <tr>
                  <td>
                    <code>{a.ip}</code>
                  </td>
                  <td>
                    <code>{a.mac}</code>
                  </td>
                  <td>{a.iface}</td>
                  <td>
                    <DeviceRef device={a.device} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      {p.ipAddrs.length ? (
        <Section id="ipaddrs" title="IP addresses" count={p.ipAddrs.length} empty="">
          <div class="table-scroll">
            <table class="table compact">
              <thead>
                <tr>
                  <th>Address</th>
                  <th>Mask</th>
                  <th>Interface</th>
                </tr>
              </thead>
              <tbody>
                {p.ipAddrs.map((a) => (
                  <tr>
                    <td>
                      <code>{a.ip}</code>
                    </td>
                    <td>
                      <code>{a.mask}</code>
                    </td>
                    <td>{a.iface}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Section>
      ) : null}

      <Section
        id="services"
        title="Services"
        count={d.services.length}
        empty="No open ports known. The service scan (Settings → Discovery) finds them."
      >
        <div class="table-scroll">
          <table class="table compact">
            <thead>
              <tr>
                <th>Port</th>
                <th>Service</th>
                <th>Product</th>
              </tr>
            </thead>
            <tbody>
              {d.services.map((s) => (
                <tr>
                  <td class="nowrap">
                    <code>
                      {s.port}/{s.protocol}
                    </code>
                  </td>
                  <td>{s.name ?? ''}</td>
                  <td>{[s.product, s.version].filter(Boolean).join(' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      <Section
        id="history"
        title="History"
        count={p.history.length}
        empty="No changes recorded."
        fold={40}
      >
        <ol class="timeline">
          {p.history.map((h) => (
            <li>
              <div class="when">
                <Time iso={h.at} timezone={p.timezone} />{' '}
                <span class={`kind k-${h.kind}`}>{CHANGE_KINDS[h.kind] ?? h.kind}</span>
                {h.actor ? <span class="muted"> by {h.actor}</span> : null}
                {h.scanId ? (
                  <>
                    {' · '}
                    <a class="small" href={`/discovery/scans/${h.scanId}`}>
                      scan
                    </a>
                  </>
                ) : null}
              </div>
              {h.changes.length ? (
                <ul class="changes">
                  {h.changes.map((c) => (
                    <li>
                      <span class="field-name">{c.field}</span>{' '}
                      {h.kind === 'created' ? (
                        showValue(c.to)
                      ) : (
                        <>
                          <span class="from">{showValue(c.from)}</span> →{' '}
                          <span class="to">{showValue(c.to)}</span>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              ) : (
                <p class="muted small">nothing changed</p>
              )}
            </li>
          ))}
        </ol>
      </Section>

      {p.collectNotes.length ? (
        <section class="card" id="collect-notes">
          <h2>Notes from the last scan</h2>
          <ul class="notes">
            {p.collectNotes.map((n) => (
              <li>{n}</li>
            ))}
          </ul>
        </section>
      ) : null}

      {p.canDelete ? (
        <section class="card danger-zone" id="delete">
          <h2>Delete this device</h2>
          <p class="muted">
            Removes it with its interfaces and history. If it is still on the network, the next scan
            finds it again as a new device.
          </p>
          <form
            method="post"
            action={`/devices/${d.id}/delete`}
            hx-confirm={`Delete ${d.name} (${d.ip}) from the inventory?`}
          >
            <Csrf token={p.csrfToken} />
            <button type="submit" class="danger">
              Delete device
            </button>
          </form>
        </section>
      ) : null}
    </Layout>
  );
}
