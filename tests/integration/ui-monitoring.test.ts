/**
 * The monitoring pages through the real app (app.request, no network): the dashboard and its
 * refreshing body, a device's monitoring section with charts and the range picker, and the
 * /monitoring landing page with alerts and paged events. Measurements are written straight into
 * the metrics store over a few hours of simulated time; reachability states come from the real
 * state machine, alerts from the real rule engine.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  createTestApp,
  setupAdmin,
  login,
  jsonInit,
  ManualClock,
  type TestApp,
  type CookieJar,
} from '../helpers/app.js';
import type { DeviceRecord } from '../../src/store/types.js';
import type { InterfaceInfo } from '../../src/discovery/types.js';
import type { MetricsEntry } from '../../src/store/metrics.js';
import type { Sample } from '../../src/monitor/types.js';
import { applyProbe, parseReachState } from '../../src/monitor/reachability.js';

type Session = { jar: CookieJar; csrf: string };

const MIN = 60_000;
const HOUR = 60 * MIN;
const START = Date.parse('2026-11-26T08:00:00Z');
/** Polling stopped for half an hour here: the charts must show a gap, not a line across it. */
const GAP_FROM = START + 2 * HOUR;
const GAP_TO = GAP_FROM + 30 * MIN;

let t: TestApp;
let clock: ManualClock;
let admin: Session;
let viewer: Session;

function device(id: string, over: Partial<DeviceRecord>): DeviceRecord {
  const seen = new Date(START).toISOString();
  return {
    id,
    name: id,
    nameSource: 'auto',
    ip: '192.168.50.250',
    addresses: [],
    type: 'unknown',
    typeSource: 'auto',
    reasons: [],
    snmp: { ok: false },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: seen,
    lastSeen: seen,
    lastScanId: 'seeded',
    ...over,
  };
}

function iface(index: number, name: string, alias: string, operStatus: string): InterfaceInfo {
  return {
    index,
    name,
    descr: name,
    alias,
    type: 6,
    speedBps: 1_000_000_000,
    adminUp: true,
    operStatus,
  };
}

/** One poll cycle of the seeded site at `at`: traffic that rises and falls over the hours. */
function cycle(at: number): MetricsEntry[] {
  const k = (at - START) / MIN;
  const wave = 1 + Math.sin(k / 20);
  const gw: Sample[] = [
    { metric: 'if.in_bps', instance: '1', value: 40e6 + 20e6 * wave },
    { metric: 'if.out_bps', instance: '1', value: 8e6 + 4e6 * wave },
    { metric: 'if.in_bps', instance: '2', value: 2e6 * wave },
    { metric: 'if.out_bps', instance: '2', value: 1e6 * wave },
    { metric: 'if.in_bps', instance: '3', value: 0 },
    { metric: 'if.out_bps', instance: '3', value: 0 },
    { metric: 'if.oper_up', instance: '1', value: 1 },
    { metric: 'if.oper_up', instance: '2', value: 1 },
    { metric: 'if.oper_up', instance: '3', value: 0 },
    { metric: 'if.in_errors_ps', instance: '1', value: 0 },
    { metric: 'if.out_errors_ps', instance: '1', value: 0 },
    { metric: 'cpu.load_pct', instance: '', value: 20 + 15 * wave },
    { metric: 'mem.used_pct', instance: '', value: 61 },
    { metric: 'uptime.s', instance: '', value: 86_400 + (at - START) / 1000 },
    { metric: 'svc.rtt_ms', instance: 'chk1', value: 12 + 3 * wave },
  ];
  const labels: Record<string, string> = {
    'if.in_bps|1': 'ether1 (WAN uplink)',
    'if.out_bps|1': 'ether1 (WAN uplink)',
    'if.in_bps|2': 'ether2',
    'if.out_bps|2': 'ether2',
    'svc.rtt_ms|chk1': 'Intranet HTTPS',
  };
  return [
    { deviceId: 'dev-gw', source: 'snmp', at, samples: gw, labels },
    {
      deviceId: 'dev-gw',
      source: 'reach',
      at,
      samples: [
        { metric: 'reach.up', instance: '', value: 1 },
        { metric: 'reach.rtt_ms', instance: '', value: 0.8 },
      ],
    },
    {
      deviceId: 'dev-nas',
      source: 'snmp',
      at,
      samples: [
        { metric: 'storage.used_pct', instance: '31', value: 85 + (2 * (at - START)) / (4 * HOUR) },
        { metric: 'storage.used_bytes', instance: '31', value: 1.7e12 },
        { metric: 'if.in_bps', instance: '1', value: 5e6 },
        { metric: 'if.out_bps', instance: '1', value: 9e6 },
      ],
      labels: { 'storage.used_pct|31': '/volume1', 'storage.used_bytes|31': '/volume1' },
    },
    {
      deviceId: 'dev-ws',
      source: 'reach',
      at,
      samples: [{ metric: 'reach.up', instance: '', value: 0 }],
    },
  ];
}

/** Reachability states as the real state machine leaves them after a few probes. */
async function seedReach(): Promise<void> {
  const ops = [];
  for (const [id, up] of [
    ['dev-gw', true],
    ['dev-nas', true],
    ['dev-ws', false],
  ] as const) {
    let state = parseReachState(undefined);
    for (let i = 0; i < 4; i++)
      state = applyProbe(
        state,
        { up, at: START + i * MIN, rttMs: up ? 1 : undefined },
        t.config.monitor,
      ).state;
    ops.push(t.store.monitorState.putOp({ deviceId: id, reach: state }));
  }
  await t.store.write(ops);
}

beforeAll(async () => {
  clock = new ManualClock(START);
  t = await createTestApp({}, { clock });
  t.deps.metrics.freeSpaceProbe = async () => Number.MAX_SAFE_INTEGER;
  await t.store.write([
    ...t.store.devices.putOps(
      device('dev-gw', {
        name: 'gw-branch',
        ip: '192.168.50.1',
        type: 'router',
        snmp: { ok: true, version: '2c' },
        interfaceCount: 3,
      }),
    ),
    ...t.store.devices.putOps(
      device('dev-nas', { name: 'nas-01', ip: '192.168.50.5', type: 'nas' }),
    ),
    ...t.store.devices.putOps(
      device('dev-ws', { name: 'ws-017', ip: '192.168.50.117', type: 'workstation' }),
    ),
    ...t.store.devices.interfaceOps(
      'dev-gw',
      [
        iface(1, 'ether1', 'WAN uplink', 'up'),
        iface(2, 'ether2', '', 'up'),
        iface(3, 'ether3', '', 'down'),
      ],
      [],
    ),
    ...t.store.devices.interfaceOps('dev-nas', [iface(1, 'eth0', '', 'up')], []),
  ]);
  await seedReach();

  for (let at = START; at <= START + 4 * HOUR; at += MIN) {
    clock.t = at;
    if (at >= GAP_FROM && at < GAP_TO) continue;
    expect(await t.deps.metrics.write(cycle(at))).toBe(true);
  }
  // The workstation's probes failed: the real rule engine raises "device down".
  await t.deps.alerts.evaluateAll([
    {
      deviceId: 'dev-ws',
      deviceName: 'ws-017',
      deviceType: 'workstation',
      at: clock.now(),
      reach: 'down',
      samples: [],
      interfaces: [],
      labels: {},
      forecasts: [],
      covers: { snmp: false, services: false },
    },
  ]);
  // Sessions start now: the simulated hours above would have expired them.
  admin = await setupAdmin(t);
  const res = await t.request(
    '/api/v1/users',
    jsonInit('POST', admin, {
      username: 'vera',
      password: 'vera has a long password',
      role: 'viewer',
    }),
  );
  expect(res.status).toBe(201);
  viewer = await login(t, 'vera', 'vera has a long password');
}, 60_000);

afterAll(async () => {
  await t?.close();
});

async function html(path: string, s: Session = admin, headers: Record<string, string> = {}) {
  const res = await t.request(path, { jar: s.jar, headers });
  expect(res.status, `GET ${path}`).toBe(200);
  return res.text();
}

/** The `d` of a chart's line path (the first series), from the wide drawing. */
function linePath(page: string, chartId: string): string {
  const start = page.indexOf(`id="${chartId}"`);
  expect(start, `chart ${chartId} on the page`).toBeGreaterThan(-1);
  const m = /<path class="line" d="([^"]+)"/.exec(page.slice(start));
  expect(m, `a line in ${chartId}`).not.toBeNull();
  return m![1]!;
}
const pointsIn = (d: string) => (d.match(/[ML]/g) ?? []).length;
const runsIn = (d: string) => (d.match(/M/g) ?? []).length;

describe('the dashboard', () => {
  it('says how many devices are up and down, what is wrong and what is busiest', async () => {
    const page = await html('/');
    expect(page).toContain('id="dashboard-body"');
    expect(page).toContain('1 device down');
    expect(page).toMatch(/<span>2 up<\/span>/);
    expect(page).toMatch(/<span class="bad">1 down<\/span>/);
    // the problem: the workstation is down, linked to its page
    expect(page).toContain('href="/devices/dev-ws"');
    expect(page).toMatch(/class="sev sev-critical">critical</);
    // the name is the link before the message, not repeated in it
    expect(page).toContain('<span class="msg">is not reachable.</span>');
    // the busiest interface is the router's WAN port, with a sparkline of the last hour
    const talkers = page.slice(page.indexOf('id="dash-talkers"'));
    expect(talkers.indexOf('ether1 (WAN uplink)')).toBeGreaterThan(-1);
    expect(talkers.indexOf('ether1 (WAN uplink)')).toBeLessThan(talkers.indexOf('nas-01'));
    expect(talkers).toMatch(/<svg class="spark s0"/);
    // the NAS volume is over 80 %
    expect(page).toContain('nas-01 · /volume1');
    // site traffic over the uplink (found by its name), with the half-hour gap left open
    const traffic = linePath(page, 'dash-traffic-chart');
    expect(runsIn(traffic)).toBeGreaterThanOrEqual(2);
    expect(page).toContain('Last poll');
    // the rest of the old dashboard is still there, and nothing asks for first steps
    expect(page).toContain('Background jobs');
    expect(page).not.toContain('First steps');
  });

  it('/dashboard/body is the body alone, polled without keeping a session alive', async () => {
    const body = await html('/dashboard/body', admin, {
      'hx-request': 'true',
      'x-caretaker-poll': '1',
    });
    expect(body.startsWith('<div id="dashboard-body"')).toBe(true);
    expect(body).not.toContain('<html');
    expect(body).not.toContain('Background jobs');
    expect(body).toContain('hx-get="/dashboard/body"');
    expect(body).toContain('X-Caretaker-Poll');
    // links inside are page loads of their own, not swaps into the body
    expect(body).toContain('hx-disinherit="*"');
    expect(body).toContain('1 device down');
  });
});

describe('a device page', () => {
  it('shows status, traffic and CPU charts, alerts, checks and the important toggles', async () => {
    const page = await html('/devices/dev-gw');
    expect(page).toContain('id="device-metrics"');
    expect(page).toMatch(/class="card mstatus st-up"/);
    // traffic of the uplink and of the LAN port that is up; none for the port that is down
    expect(pointsIn(linePath(page, 'chart-if-1'))).toBeGreaterThan(30);
    expect(pointsIn(linePath(page, 'chart-if-2'))).toBeGreaterThan(30);
    expect(page).not.toContain('id="chart-if-3"');
    expect(page).toContain('ether1 traffic');
    // out is drawn below the axis
    expect(page).toContain('(below the axis)');
    // errors that are all zero get no chart
    expect(page).not.toContain('id="chart-if-1-errors"');
    expect(pointsIn(linePath(page, 'chart-cpu'))).toBeGreaterThan(30);
    // the CPU rule's level is drawn as a threshold
    expect(page.slice(page.indexOf('id="chart-cpu"'))).toContain('CPU load high');
    expect(page).toContain('Service check response time');
    expect(page).toContain('Intranet HTTPS');
    // the 24-hour range is the default, and the picker fetches the section alone
    expect(page).toMatch(/href="\/devices\/dev-gw\/metrics\?range=7d#device-metrics"/);
    expect(page).toContain('hx-get="/devices/dev-gw/metrics?range=7d"');
    // alerts, checks and important interfaces
    // no alert, no alerts card: the status says it is up
    expect(page).not.toContain('id="active-alerts"');
    expect(page).toContain('id="checks"');
    expect(page).toMatch(/id="important-1"[\s\S]*?important<\/span>[\s\S]*?uplink \(by its name\)/);
    expect(page).toContain(`action="/monitoring/rules/interfaces/dev-gw/1"`);
  });

  it('a gap in the data breaks the line', async () => {
    const page = await html('/devices/dev-gw?range=1d');
    expect(runsIn(linePath(page, 'chart-if-1'))).toBe(2);
    expect(runsIn(linePath(page, 'chart-cpu'))).toBe(2);
  });

  it('the range picker switches tiers: minutes for an hour, 5 minutes for a day, hours for 30 days', async () => {
    const fragment = (range: string) =>
      html(`/devices/dev-gw/metrics?range=${range}`, admin, { 'hx-request': 'true' });
    const [hour, day, month] = await Promise.all([fragment('1h'), fragment('1d'), fragment('30d')]);
    for (const f of [hour, day, month]) {
      expect(f.startsWith('<section id="device-metrics"')).toBe(true);
      expect(f).not.toContain('<html');
    }
    // the last hour: one raw sample a minute, no min–max band
    const raw = pointsIn(linePath(hour, 'chart-if-1'));
    expect(raw).toBeGreaterThanOrEqual(55);
    expect(hour).not.toContain('class="band-note"');
    // a day: 5-minute buckets over the four hours (now itself is outside), less the gap
    expect(pointsIn(linePath(day, 'chart-if-1'))).toBe(48 - 6);
    expect(day).toContain('class="band-note"');
    // 30 days: hourly buckets, four of them (08:00 to 11:00)
    expect(pointsIn(linePath(month, 'chart-if-1'))).toBe(4);
    expect(month).toContain('class="band-note"');
    expect(month).toMatch(/href="[^"]*range=30d[^"]*" [^>]*aria-current="true"/);
    // without htmx (or boosted), the same address is the whole page showing that period
    const full = await html('/devices/dev-gw/metrics?range=30d');
    expect(full).toContain('<html');
    expect(full).toContain('id="overview"');
    expect(pointsIn(linePath(full, 'chart-if-1'))).toBe(4);
    const boosted = await html('/devices/dev-gw/metrics?range=7d', admin, {
      'hx-request': 'true',
      'hx-boosted': 'true',
    });
    expect(boosted).toContain('<html');
  });

  it('a down device shows its alert', async () => {
    const page = await html('/devices/dev-ws');
    expect(page).toMatch(/class="card mstatus st-down"/);
    expect(page.slice(page.indexOf('id="active-alerts"'))).toContain('Device down');
  });

  it('the NAS shows its volume as a gauge with its size', async () => {
    const page = await html('/devices/dev-nas');
    expect(page).toContain('/volume1');
    expect(page).toMatch(/class="gauge (warning|critical)"/);
    expect(page).toMatch(/TiB of [\d.]+ TiB/);
    expect(linePath(page, 'chart-storage')).toBeTruthy();
  });

  it('an unknown device is a 404 for the section too', async () => {
    const res = await t.request('/devices/nope/metrics', {
      jar: admin.jar,
      headers: { 'hx-request': 'true' },
    });
    expect(res.status).toBe(404);
  });
});

describe('the monitoring page', () => {
  it('lists raised alerts, events, the store and the monitoring jobs', async () => {
    const page = await html('/monitoring');
    expect(page).not.toContain('Not configured yet');
    expect(page).toContain('href="/monitoring/rules"');
    expect(page).toContain('href="/monitoring/inspections"');
    const raised = page.slice(page.indexOf('id="active-alerts"'), page.indexOf('id="events"'));
    expect(raised).toContain('Device down');
    expect(raised).toContain('ws-017');
    const events = page.slice(page.indexOf('id="events"'));
    expect(events).toContain('Alert raised');
    expect(events).toContain('href="/devices/dev-ws"');
    expect(page).toContain('Metrics store');
    expect(page).toContain('Measurements are being stored.');
    expect(page).toMatch(/[\d.]+ (KiB|MiB) of 256 MiB|[\d.]+ (KiB|MiB) of [\d.]+ (MiB|GiB)/);
    expect(page).toContain('SNMP polling');
    expect(page).toContain('Metrics upkeep');
  });

  it('filters events by kind and severity, and rejects what is not a filter', async () => {
    const raised = await html('/monitoring?kind=alert.raised&severity=');
    expect(raised).toContain('data-event=');
    expect(raised).toMatch(/<option value="alert.raised" selected/);
    const none = await html('/monitoring?kind=device.new');
    expect(none).toContain('No event matches these filters.');
    expect(await html('/monitoring?severity=critical')).toContain('Alert raised');
    const bad = await t.request('/monitoring?severity=dreadful', { jar: admin.jar });
    expect(bad.status).toBe(422);
  });

  it('pages through older events', async () => {
    const base = clock.now();
    await t.store.write(
      Array.from({ length: 60 }, (_, i) =>
        t.store.events.appendOps(
          { kind: 'device.new', severity: 'info', deviceId: 'dev-nas', message: `Found ${i}` },
          base + i,
        ),
      ).flat(),
    );
    const first = await html('/monitoring?kind=device.new');
    expect((first.match(/data-event=/g) ?? []).length).toBe(50);
    expect(first).toContain('Found 59');
    const next = /href="(\/monitoring\?kind=device.new&amp;before=[^"#]+)#events" rel="next"/.exec(
      first,
    );
    expect(next).not.toBeNull();
    const second = await html(next![1]!.replaceAll('&amp;', '&'));
    expect((second.match(/data-event=/g) ?? []).length).toBe(10);
    expect(second).toContain('Found 0');
    expect(second).not.toContain('Found 59');
    expect(second).toContain('← Newest');
  });
});

describe('who may see it', () => {
  it('viewers see every monitoring page', async () => {
    for (const path of [
      '/',
      '/dashboard/body',
      '/devices/dev-gw',
      '/devices/dev-gw/metrics?range=7d',
      '/monitoring',
    ])
      await html(path, viewer);
    const page = await html('/devices/dev-gw', viewer);
    // viewers see whether an interface is important, not the buttons that change it
    expect(page).toContain('id="important-1"');
    expect(page).not.toContain('action="/monitoring/rules/interfaces/dev-gw/1"');
  });

  it('without a session every page sends to the login', async () => {
    for (const path of ['/', '/monitoring', '/devices/dev-gw/metrics?range=7d']) {
      const res = await t.request(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toMatch(/^\/login/);
    }
    const poll = await t.request('/dashboard/body', {
      headers: { 'hx-request': 'true', 'x-caretaker-poll': '1' },
    });
    expect(poll.status).toBe(401);
    expect(poll.headers.get('hx-redirect')).toBe('/login?next=%2Fdashboard%2Fbody');
  });
});

describe('a fresh box', () => {
  it('shows the first steps, and the dashboard refresh does not keep an idle session', async () => {
    const c = new ManualClock(START);
    const fresh = await createTestApp({ auth: { sessionIdleMinutes: 10 } }, { clock: c });
    try {
      const s = await setupAdmin(fresh);
      const res = await fresh.request('/', { jar: s.jar });
      const page = await res.text();
      expect(page).toContain('First steps');
      expect(page).toContain('No devices monitored yet');
      expect(page).toContain('href="/settings/discovery"');
      for (let i = 0; i < 3; i++) {
        c.advance(4 * MIN);
        const r = await fresh.request('/dashboard/body', {
          jar: s.jar,
          headers: { 'hx-request': 'true', 'x-caretaker-poll': '1' },
        });
        expect(r.status, `poll ${i}`).toBe(i < 2 ? 200 : 401);
      }
    } finally {
      await fresh.close();
    }
  });
});
