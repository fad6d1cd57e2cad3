import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ctxOf, readForm, validate } from '../request.js';
import { shellProps, formErrors, hasRole, assertRole } from './shell.js';
import { devicePatchSchema, deviceQuerySchema } from '../../discovery/device-service.js';
import type { DeviceRecord } from '../../store/types.js';
import type { InterfaceInfo } from '../../discovery/types.js';
import {
  buildIndex,
  buildTopology,
  findNeighbour,
  ifName,
  normMac,
  portName,
  remotePortName,
} from '../../discovery/topology.js';
import { DeviceListPage } from '../../../views/pages/devices/list.js';
import {
  DeviceDetailPage,
  defaultFormValues,
  type DeviceDetailProps,
  type DeviceFormValues,
} from '../../../views/pages/devices/detail.js';
import { TopologyPage } from '../../../views/pages/devices/topology.js';
import {
  DeviceMetricsSection,
  type DeviceMetricsProps,
} from '../../../views/pages/devices/metrics-section.js';
import { parseRangeQuery, resolveRange } from '../../../views/charts/range-picker.js';
import { DeviceCharts } from '../../monitor/device-charts.js';
import { deviceChecksProps } from './checks-pages.js';
import { isHtmx } from '../request.js';
import type { UpstreamProps } from '../../../views/pages/devices/upstream.js';
import { compareNatural } from '../../lib/collate.js';

const PAGE_SIZE = 50;
/** ARP and forwarding tables can hold thousands of rows; the page shows the first ones. */
const TABLE_ROWS = 500;
const INFRA = new Set(['router', 'switch', 'firewall', 'access-point']);

const done = (path: string, message: string) => `${path}?done=${encodeURIComponent(message)}`;

/** Devices: the inventory list, one device (edit, delete) and the topology. */
export function devicesPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const timezone = async () => (await deps.site.get()).timezone;
  const charts = new DeviceCharts({ ...deps, pollIntervalS: deps.config.monitor.pollIntervalS });

  /**
   * The monitoring section of a device for the period in the query. Default: 24 hours, or the
   * last hour while the device has been watched for less than six (a day-wide chart of a few
   * minutes of data says little).
   */
  const metricsProps = async (c: Context<AppEnv>, d: DeviceRecord): Promise<DeviceMetricsProps> => {
    const tz = await timezone();
    const now = deps.clock.now();
    const firstSeries = Math.min(...deps.metrics.list(d.id).map((s) => Date.parse(s.first)));
    const young = Number.isFinite(firstSeries) && now - firstSeries < 6 * 3_600_000;
    const range = parseRangeQuery(
      {
        range: c.req.query('range') ?? (young ? '1h' : undefined),
        from: c.req.query('from'),
        to: c.req.query('to'),
      },
      tz,
    );
    return {
      ...(await charts.build(d, { range, now, ...resolveRange(range, now) })),
      tz,
      // The range picker fetches the section alone; its links also work as whole pages.
      baseUrl: `/devices/${encodeURIComponent(d.id)}/metrics`,
    };
  };

  // ---- list -------------------------------------------------------------------------------
  app.get('/', async (c) => {
    const raw = c.req.query();
    const input: Record<string, unknown> = { limit: PAGE_SIZE };
    for (const k of ['q', 'type', 'vendor', 'status', 'sort', 'order', 'offset'] as const) {
      const v = raw[k]?.trim();
      if (v) input[k] = k === 'q' ? v.slice(0, 100) : v;
    }
    const q = validate(deviceQuerySchema, input, 'The filter');
    const [r, settings] = await Promise.all([deps.devices.query(q), deps.discovery.get()]);
    const isAdmin = hasRole(c, 'admin');
    const admins = isAdmin
      ? []
      : (await deps.users.list())
          .filter((u) => u.role === 'admin' && !u.disabled)
          .map((u) => u.username);
    const running = deps.scans.running();
    return c.html(
      <DeviceListPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        rows={r.items}
        total={r.total}
        inventorySize={Object.values(r.facets.status).reduce((a, b) => a + b, 0)}
        query={q}
        facets={r.facets}
        configured={settings.subnets.length > 0}
        canScan={hasRole(c, 'operator')}
        isAdmin={isAdmin}
        admins={admins}
        running={
          running
            ? { id: running.id, percent: running.progress.percent, phase: running.phase }
            : undefined
        }
        notice={c.req.query('done')}
      />,
    );
  });

  // ---- topology (before /:id) -------------------------------------------------------------
  app.get('/topology', async (c) => {
    const all = await deps.store.devices.list();
    const ifs = new Map(
      await Promise.all(
        all.map(async (d) => [d.id, await deps.store.devices.interfacesOf(d.id)] as const),
      ),
    );
    const details = new Map(
      await Promise.all(
        all.map(async (d) => [d.id, await deps.store.devices.detailsOf(d.id)] as const),
      ),
    );
    const topo = buildTopology(all, ifs, details);
    return c.html(<TopologyPage {...shellProps(c, deps)} nodes={topo.nodes} edges={topo.edges} />);
  });

  /** The "Parent (upstream device)" section: the parent in effect, how it was found, the choices. */
  const upstreamProps = async (
    c: Context<AppEnv>,
    d: DeviceRecord,
    all: DeviceRecord[],
    extra: Partial<UpstreamProps> = {},
  ): Promise<UpstreamProps> => {
    const [derivation, overrides] = await Promise.all([
      deps.parents.derivation(),
      deps.parents.overrides(),
    ]);
    const link = derivation.parents.get(d.id) ?? { via: 'none' as const };
    const override = overrides.find((o) => o.deviceId === d.id);
    const names = new Map(all.map((x) => [x.id, x.name]));
    const parent = link.parentId
      ? { id: link.parentId, name: names.get(link.parentId) ?? link.parentId }
      : undefined;
    return {
      deviceId: d.id,
      csrfToken: shellProps(c, deps).csrfToken,
      timezone: await timezone(),
      parent,
      via: link.via,
      override,
      ignored: derivation.ignored.find((i) => i.deviceId === d.id)?.message,
      derived: override ? undefined : { name: parent?.name, via: link.via },
      choices: all
        .filter((x) => x.id !== d.id)
        .sort((a, b) => compareNatural(a.name, b.name))
        .map((x) => ({ id: x.id, label: x.name === x.ip ? x.ip : `${x.name} (${x.ip})` })),
      canEdit: hasRole(c, 'operator'),
      selected: override ? (override.parentId ?? 'none') : 'auto',
      ...extra,
    };
  };

  // ---- one device -------------------------------------------------------------------------
  const detailPage = async (
    c: Context<AppEnv>,
    id: string,
    extra: Partial<DeviceDetailProps> = {},
    status: 200 | 404 | 409 | 422 = 200,
  ) => {
    const d = await deps.devices.get(id);
    const [ifs, details, history, credentials, all, metrics, alerts, checks, marks] =
      await Promise.all([
        deps.store.devices.interfacesOf(d.id),
        deps.store.devices.detailsOf(d.id),
        deps.store.devices.historyOf(d.id, 200),
        deps.credentials.list(),
        deps.store.devices.list(),
        metricsProps(c, d),
        deps.alerts.activeFor(d.id),
        deviceChecksProps(c, deps, d.id),
        deps.interfaceMarks.list(d.id),
      ]);
    const upstream = await upstreamProps(c, d, all);
    const neighbours = details?.neighbours ?? [];
    let idx = buildIndex(all);
    // A switch's LLDP chassis ID is often a base MAC that only its interfaces show: read the
    // interfaces of the network gear only if a neighbour is not found otherwise.
    if (neighbours.some((n) => !findNeighbour(idx, n))) {
      const infra = all.filter((x) => INFRA.has(x.type));
      const map = new Map<string, InterfaceInfo[]>(
        await Promise.all(
          infra.map(async (x) => [x.id, await deps.store.devices.interfacesOf(x.id)] as const),
        ),
      );
      idx = buildIndex(all, map);
    }
    const link = (x: DeviceRecord | undefined) => (x ? { id: x.id, name: x.name } : undefined);
    const byMac = (m: string) => link(idx.byMac.get(normMac(m) ?? ''));
    const arp = details?.arp ?? [];
    const fdb = details?.fdb ?? [];
    const cred = credentials.find((x) => x.id === d.snmp.credentialId);
    return c.html(
      <DeviceDetailPage
        {...shellProps(c, deps)}
        timezone={await timezone()}
        device={d}
        credentialName={cred ? `${cred.name} (SNMPv${cred.version})` : undefined}
        credentials={credentials.map((x) => ({ id: x.id, name: x.name, version: x.version }))}
        interfaces={ifs}
        neighbours={neighbours.map((n) => ({
          localPort: portName(ifs, n.localIfIndex, n.localPort),
          remoteName: n.sysName || n.chassisId,
          remotePort: remotePortName(n),
          chassisId: n.chassisId,
          mgmtIp: n.mgmtIp,
          capabilities: n.capabilities,
          device: link(findNeighbour(idx, n)),
        }))}
        arp={arp.slice(0, TABLE_ROWS).map((a) => ({
          ip: a.ip,
          mac: a.mac,
          iface: ifName(ifs, a.ifIndex),
          device: link(idx.byIp.get(a.ip)) ?? byMac(a.mac),
        }))}
        arpTotal={arp.length}
        fdb={fdb.slice(0, TABLE_ROWS).map((f) => ({
          mac: f.mac,
          port: portName(ifs, f.ifIndex, f.port),
          vlan: f.vlan,
          device: byMac(f.mac),
        }))}
        fdbTotal={fdb.length}
        ipAddrs={(details?.ipAddrs ?? []).map((a) => ({
          ip: a.ip,
          mask: a.mask,
          iface: ifName(ifs, a.ifIndex),
        }))}
        history={history}
        collectNotes={details?.collectNotes ?? []}
        canEdit={hasRole(c, 'operator')}
        canDelete={hasRole(c, 'admin')}
        notice={c.req.query('done')}
        metrics={metrics}
        alerts={alerts}
        checks={checks}
        importance={Object.fromEntries(
          marks.map((m) => [
            m.ifIndex,
            { important: m.important, reason: m.reason, detail: m.detail },
          ]),
        )}
        canMarkInterfaces={hasRole(c, 'operator')}
        upstream={upstream}
        {...extra}
      />,
      status,
    );
  };

  app.get('/:id', (c) => detailPage(c, c.req.param('id')));

  // The range picker swaps just this section with htmx; followed without htmx (or boosted), the
  // same address is the whole device page showing that period.
  app.get('/:id/metrics', async (c) => {
    if (!isHtmx(c) || c.req.header('hx-boosted') === 'true')
      return detailPage(c, c.req.param('id'));
    const d = await deps.devices.get(c.req.param('id'));
    return c.html(<DeviceMetricsSection {...await metricsProps(c, d)} />);
  });

  app.post('/:id', async (c) => {
    assertRole(c, 'operator');
    const id = c.req.param('id');
    const d = await deps.devices.get(id);
    const form = await readForm(c);
    const values: DeviceFormValues = {
      name: (form.name ?? '').trim(),
      type: form.type ?? 'auto',
      notes: (form.notes ?? '').replace(/\r\n/g, '\n'),
      credentialId: form.credentialId || 'auto',
    };
    // Only what was changed goes to the service, so that saving an untouched form records nothing.
    const current = defaultFormValues(d);
    const patch: Record<string, unknown> = {};
    if (values.name !== current.name) patch.name = values.name;
    if (values.type !== current.type) patch.type = values.type;
    if (values.notes !== current.notes) patch.notes = values.notes;
    if (values.credentialId !== current.credentialId)
      patch.credentialId = values.credentialId === 'auto' ? null : values.credentialId;
    if (!Object.keys(patch).length)
      return c.redirect(done(`/devices/${id}`, 'Nothing changed.'), 303);
    const parsed = devicePatchSchema.safeParse(patch);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const i of parsed.error.issues) {
        const field = String(i.path[0] ?? 'name');
        errors[field] ??=
          field === 'type'
            ? 'Choose one of the types.'
            : field === 'name'
              ? 'Use at most 80 characters.'
              : field === 'notes'
                ? 'Use at most 4000 characters.'
                : i.message;
      }
      return detailPage(c, id, { values, errors }, 422);
    }
    try {
      await deps.devices.update(id, parsed.data, ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      const errors =
        e.error.code === 'NOT_FOUND' && patch.credentialId
          ? { credentialId: 'This credential no longer exists; choose another.' }
          : e.fields;
      return detailPage(c, id, { values, errors, error: e.message }, 422);
    }
    return c.redirect(done(`/devices/${id}`, 'Device saved.'), 303);
  });

  // The parent for root-cause suppression: "auto" (derived), "none", or another device's id.
  app.post('/:id/parent', async (c) => {
    assertRole(c, 'operator');
    const d = await deps.devices.get(c.req.param('id'));
    const choice = ((await readForm(c)).parentId ?? 'auto').trim() || 'auto';
    const parentId = choice === 'auto' ? undefined : choice === 'none' ? null : choice;
    try {
      await deps.parents.setOverride(d.id, parentId, ctxOf(c));
    } catch (err) {
      const e = formErrors(err);
      const upstream = await upstreamProps(c, d, await deps.store.devices.list(), {
        selected: choice,
        errors: { parentId: e.fields.parentId ?? e.message },
      });
      return detailPage(c, d.id, { upstream }, 422);
    }
    const parent =
      typeof parentId === 'string' ? await deps.store.devices.get(parentId) : undefined;
    const message =
      parentId === undefined
        ? 'Parent back to automatic.'
        : parentId === null
          ? 'Parent set to none.'
          : `Parent set to ${parent?.name ?? parentId}.`;
    return c.redirect(`${done(`/devices/${d.id}`, message)}#upstream`, 303);
  });

  app.post('/:id/delete', async (c) => {
    assertRole(c, 'admin');
    const d = await deps.devices.get(c.req.param('id'));
    await deps.devices.remove(d.id, ctxOf(c));
    return c.redirect(done('/devices', `Device ${d.name} (${d.ip}) deleted.`), 303);
  });

  return app;
}
