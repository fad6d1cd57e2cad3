/**
 * GET /metrics for HQ: scraped with a read token and with basic auth, checked by Prometheus' own
 * `promtool check metrics`, its values against seeded state (reachability, latest metrics,
 * incidents, real backup runs with rsync, job runs), its labels bounded (200 trap senders and 200
 * events add no series), and the bad-credentials paths: 401 with a basic challenge, counted, 429
 * past the per-address limit while valid tokens still pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  ADMIN,
  createTestApp,
  jsonInit,
  ManualClock,
  setupAdmin,
  type CookieJar,
  type TestApp,
} from '../helpers/app.js';
import { branchInventory, inventoryOps } from '../helpers/branch-inventory.js';
import { tempDir } from '../helpers/temp-dir.js';
import { parseExposition, promtoolCheckMetrics, which } from '../helpers/prometheus-tools.js';
import { initialReachState, type ReachStatus } from '../../src/monitor/reachability.js';
import type { Sample } from '../../src/monitor/types.js';
import { acceptsGzip } from '../../src/http/api/prometheus.js';
import { Page, PagePool } from '../../src/hq/page-pool.js';
import {
  encodeLabelSets,
  escapeLabel,
  ExpositionWriter,
  formatSample,
  labelSet,
  utf8,
} from '../../src/hq/exposition.js';

const basicHeader = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const skip = which('promtool') ? false : 'missing promtool (Debian package prometheus)';

describe.skipIf(skip)('GET /metrics', () => {
  let t: TestApp;
  let admin: { jar: CookieJar; csrf: string };
  let readToken: string;
  let work: Awaited<ReturnType<typeof tempDir>>;
  let trapPort: number;
  const clock = new ManualClock(Date.now());
  const jobs: Record<string, string> = {};

  const request = (headers: Record<string, string> = {}) =>
    t.request('/metrics', { headers: { authorization: `Bearer ${readToken}`, ...headers } });
  /** A scrape of the current state: past the second in which a page is served again. */
  const scrape = (headers: Record<string, string> = {}) => {
    clock.advance(1_001);
    return request(headers);
  };
  const scrapeText = async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    return res.text();
  };
  const adminJson = async (method: string, p: string, body?: unknown) => {
    const res = await t.request(`/api/v1${p}`, jsonInit(method, admin, body));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers, read loosely
    return { status: res.status, json: (await res.json()) as any };
  };

  async function runBackup(jobId: string): Promise<string> {
    const run = await adminJson('POST', `/backup/jobs/${jobId}/run`);
    expect(run.status, JSON.stringify(run.json)).toBe(202);
    for (let i = 0; i < 400; i += 1) {
      const r = await adminJson('GET', `/backup/runs/${run.json.run.id}`);
      if (r.json.run.status !== 'running') return r.json.run.status as string;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error('the backup run did not finish');
  }

  beforeAll(async () => {
    work = await tempDir();
    trapPort = await freeUdpPort();
    t = await createTestApp(
      { traps: { enabled: true, port: trapPort, address: '127.0.0.1' } },
      { clock },
    );
    admin = await setupAdmin(t);
    const tok = await adminJson('POST', '/tokens', { name: 'hq-prometheus', scope: 'read' });
    expect(tok.status).toBe(201);
    readToken = tok.json.token;
    await t.deps.traps.start();

    // The inventory, and reachability verdicts for three of its devices (the rest unknown).
    const now = clock.now();
    await t.store.write(inventoryOps(t.store, branchInventory(new Date(now).toISOString())));
    const reach = (status: ReachStatus) => ({
      ...initialReachState(),
      status,
      stable: status === 'flapping' ? 'down' : status,
      since: now - 60_000,
    });
    await t.store.write(
      (
        [
          ['gw', 'up'],
          ['core', 'down'],
          ['floor1', 'flapping'],
        ] as const
      ).map(([deviceId, s]) => t.store.monitorState.putOp({ deviceId, reach: reach(s) })),
    );

    // Latest metrics: fresh ones for the core switch, an hour-old poll of floor1 (not "now").
    const coreSamples: Sample[] = [
      { metric: 'cpu.load_pct', instance: '', value: 42 },
      { metric: 'mem.used_pct', instance: '', value: 61.5 },
      { metric: 'uptime.s', instance: '', value: 86_400 },
      { metric: 'storage.used_pct', instance: '1', value: 25 },
      { metric: 'storage.used_bytes', instance: '1', value: 1_048_576 },
    ];
    for (let i = 1; i <= 26; i++) {
      coreSamples.push(
        { metric: 'if.oper_up', instance: String(i), value: i === 3 ? 0 : 1 },
        { metric: 'if.in_bps', instance: String(i), value: 8_000 * i },
        { metric: 'if.out_bps', instance: String(i), value: 16_000 },
        { metric: 'if.in_errors_ps', instance: String(i), value: i === 2 ? 0.5 : 0 },
      );
    }
    // An interface the inventory does not know (new since the last scan): not exported.
    coreSamples.push({ metric: 'if.in_bps', instance: '999', value: 1 });
    await t.deps.metrics.write([
      {
        deviceId: 'core',
        source: 'snmp',
        at: now,
        samples: coreSamples,
        labels: { 'storage.used_pct|1': '/', 'storage.used_bytes|1': '/' },
      },
      {
        deviceId: 'gw',
        source: 'reach',
        at: now,
        samples: [{ metric: 'reach.rtt_ms', instance: '', value: 1.5 }],
      },
      {
        deviceId: 'floor1',
        source: 'snmp',
        at: now - 3_600_000,
        samples: [
          { metric: 'cpu.load_pct', instance: '', value: 10 },
          { metric: 'if.in_bps', instance: '1', value: 1_000 },
        ],
      },
    ]);

    // A critical incident open for the core switch.
    await t.store.write(
      t.store.events.appendOps(
        {
          kind: 'alert.raised',
          severity: 'critical',
          deviceId: 'core',
          message: 'sw-core is not reachable.',
          details: {
            key: 'device-down/core/',
            rule: 'device-down',
            title: 'Device down',
            instance: '',
          },
        },
        now,
      ),
    );
    await t.deps.incidents.pump();

    // Two backup jobs run for real with rsync: one good, one whose source is gone.
    const targetPath = path.join(work.dir, 'target');
    await mkdir(targetPath);
    const target = await adminJson('POST', '/backup/targets', {
      name: 'USB disk',
      kind: 'local',
      path: targetPath,
      minFreeMiB: 1,
      minFreeInodes: 10,
    });
    expect(target.status, JSON.stringify(target.json)).toBe(201);
    for (const name of ['share', 'gone']) {
      const src = path.join(work.dir, name);
      await mkdir(src);
      await writeFile(path.join(src, 'a.txt'), 'a\n');
      const job = await adminJson('POST', '/backup/jobs', {
        name: name === 'share' ? 'File share' : 'Old "project" disk',
        targetId: target.json.target.id,
        sources: [{ kind: 'local', path: src }],
        schedule: '',
      });
      expect(job.status, JSON.stringify(job.json)).toBe(201);
      jobs[name] = job.json.job.id;
    }
    expect(await runBackup(jobs.share!)).toBe('succeeded');
    await rm(path.join(work.dir, 'gone'), { recursive: true });
    expect(await runBackup(jobs.gone!)).toBe('failed');
    // A recorded run of a background job.
    await t.scheduler.runNow('housekeeping');
  });

  afterAll(async () => {
    await t?.close();
    await work?.cleanup();
  });

  it('needs a token or basic credentials: 401 with a basic challenge', async () => {
    const res = await t.request('/metrics');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="caretaker"');
    expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
  });

  it('answers a read token with a page that promtool accepts', async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const page = await res.text();
    expect(page).toContain('# TYPE caretaker_device_up gauge');
    expect(page).toContain('# TYPE caretaker_process_cpu_seconds_total counter');
    expect(await promtoolCheckMetrics(page)).toBe('');
  });

  it('answers basic auth with a local user, without making a session', async () => {
    const sessionsBefore = (await t.store.sessions.list()).length;
    const res = await t.request('/metrics', {
      headers: { authorization: basicHeader(ADMIN.username, ADMIN.password) },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(parseExposition(await res.text()).has('caretaker_devices{state="up"}')).toBe(true);
    // A second scrape is served from the verified pair (no scrypt, no login throttle).
    for (let i = 0; i < 3; i++)
      expect(
        (
          await t.request('/metrics', {
            headers: { authorization: basicHeader(ADMIN.username, ADMIN.password) },
          })
        ).status,
      ).toBe(200);
    expect((await t.store.sessions.list()).length).toBe(sessionsBefore);
  });

  it('refuses wrong basic credentials with 401 and counts them', async () => {
    const before = parseExposition(await scrapeText()).get(
      'caretaker_http_auth_failures_total{kind="basic"}',
    );
    for (const header of [
      basicHeader(ADMIN.username, 'wrong password'),
      basicHeader('nobody', 'whatever-password'),
      'Basic not*base64',
    ]) {
      const res = await t.request('/metrics', { headers: { authorization: header } });
      expect(res.status, header).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="caretaker"');
      expect((await res.json()).error.code).toBe('INVALID_CREDENTIALS');
    }
    const after = parseExposition(await scrapeText());
    expect(after.get('caretaker_http_auth_failures_total{kind="basic"}')).toBe((before ?? 0) + 3);
  });

  it('shows the seeded state', async () => {
    const m = parseExposition(await scrapeText());
    expect(m.get('caretaker_device_up{device="gw",name="gw-branch",type="router"}')).toBe(1);
    expect(m.get('caretaker_device_up{device="core",name="sw-core",type="switch"}')).toBe(0);
    expect(m.get('caretaker_device_up{device="floor1",name="sw-floor1",type="switch"}')).toBe(0);
    // No verdict yet: no up/down sample, but the device is in the inventory.
    expect([...m.keys()].some((k) => k.startsWith('caretaker_device_up{device="nas"'))).toBe(false);
    expect([...m.keys()].some((k) => k.startsWith('caretaker_device_info{device="nas"'))).toBe(
      true,
    );
    expect(m.get('caretaker_devices{state="up"}')).toBe(1);
    expect(m.get('caretaker_devices{state="down"}')).toBe(1);
    expect(m.get('caretaker_devices{state="flapping"}')).toBe(1);

    expect(m.get('caretaker_device_cpu_usage_ratio{device="core"}')).toBe(0.42);
    expect(m.get('caretaker_device_memory_usage_ratio{device="core"}')).toBe(0.615);
    expect(m.get('caretaker_device_uptime_seconds{device="core"}')).toBe(86_400);
    expect(m.get('caretaker_device_rtt_seconds{device="gw"}')).toBe(0.0015);
    expect(m.get('caretaker_device_storage_usage_ratio{device="core",storage="/"}')).toBe(0.25);
    expect(m.get('caretaker_device_storage_used_bytes{device="core",storage="/"}')).toBe(1_048_576);
    expect(m.get('caretaker_interface_up{device="core",ifname="Gi1/0/3"}')).toBe(0);
    expect(m.get('caretaker_interface_up{device="core",ifname="Gi1/0/4"}')).toBe(1);
    expect(
      m.get('caretaker_interface_receive_bytes_per_second{device="core",ifname="Gi1/0/5"}'),
    ).toBe(5_000);
    expect(
      m.get('caretaker_interface_transmit_bytes_per_second{device="core",ifname="Gi1/0/5"}'),
    ).toBe(2_000);
    expect(
      m.get('caretaker_interface_receive_errors_per_second{device="core",ifname="Gi1/0/2"}'),
    ).toBe(0.5);
    // Only interfaces the inventory knows, and nothing from an hour-old poll.
    expect(
      [...m.keys()].filter((k) => k.startsWith('caretaker_interface_up{device="core"')),
    ).toHaveLength(26);
    expect(
      [...m.keys()].some(
        (k) => k.includes('device="floor1"') && !k.startsWith('caretaker_device_'),
      ),
    ).toBe(false);
    expect(m.has('caretaker_device_cpu_usage_ratio{device="floor1"}')).toBe(false);

    expect(m.get('caretaker_incidents_open{severity="critical",state="open"}')).toBe(1);
    expect(m.get('caretaker_incidents_open{severity="major",state="open"}')).toBe(0);

    const share = `backup="${jobs.share}",name="File share"`;
    const gone = `backup="${jobs.gone}",name="Old \\"project\\" disk"`;
    expect(m.get(`caretaker_backup_last_result{${share},result="succeeded"}`)).toBe(1);
    expect(m.get(`caretaker_backup_last_result{${share},result="failed"}`)).toBe(0);
    expect(m.get(`caretaker_backup_last_result{${gone},result="failed"}`)).toBe(1);
    expect(m.get(`caretaker_backup_age_seconds{${share}}`)).toBeLessThan(60);
    expect(m.has(`caretaker_backup_last_success_timestamp_seconds{${share}}`)).toBe(true);
    expect(m.has(`caretaker_backup_last_success_timestamp_seconds{${gone}}`)).toBe(false);

    const info = [...m.keys()].find((k) => k.startsWith('caretaker_info{'));
    expect(info).toMatch(
      /version="\d+\.\d+\.\d+",box="[^"]+",hostname="[^"]+",site="Branch office"/,
    );
    expect(m.get('caretaker_job_last_success{job_name="housekeeping"}')).toBe(1);
    expect(m.has('caretaker_job_last_duration_seconds{job_name="housekeeping"}')).toBe(true);
    expect(m.get('caretaker_job_running{job_name="discovery"}')).toBe(0);
    expect(m.get('caretaker_data_disk_size_bytes')).toBeGreaterThan(0);
    expect(m.get('caretaker_scrape_series_dropped')).toBe(0);
  });

  it('keeps labels bounded: 200 trap senders and 200 events add no series', async () => {
    const series = (text: string) =>
      new Set(
        [...parseExposition(text).keys()].filter((k) => !/^caretaker_(process|nodejs)_/.test(k)),
      );
    const before = series(await scrapeText());
    // Garbage "traps" from 200 loopback addresses: each a new source for the receiver.
    for (let n = 1; n <= 200; n++) {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, `127.1.${Math.floor(n / 250)}.${(n % 250) + 1}`, r));
      await new Promise<void>((r, j) =>
        s.send(Buffer.from(`not snmp ${n}`), trapPort, '127.0.0.1', (e) => (e ? j(e) : r())),
      );
      await new Promise<void>((r) => s.close(() => r()));
    }
    await t.store.write(
      Array.from({ length: 200 }, (_, n) =>
        t.store.events.appendOps(
          {
            kind: 'alert.raised',
            severity: 'warning',
            deviceId: `ghost-${n}`,
            message: `free text ${n} from 10.1.${n}.7 at ${new Date().toISOString()}`,
            details: {
              key: `ghost/${n}`,
              rule: `rule-${n}`,
              title: `Title ${n}`,
              instance: String(n),
            },
          },
          clock.now(),
        ),
      ).flat(),
    );
    await t.deps.incidents.pump();
    for (let i = 0; i < 100 && (t.deps.traps.info().stats?.malformed ?? 0) < 200; i++)
      await new Promise((r) => setTimeout(r, 20));
    const page = await scrapeText();
    expect(parseExposition(page).get('caretaker_traps_total{result="malformed"}')).toBe(200);
    expect(
      parseExposition(page).get('caretaker_incidents_open{severity="warning",state="open"}'),
    ).toBe(200);
    expect([...series(page)].sort()).toEqual([...before].sort());
    expect(page).not.toContain('127.1.');
    expect(page).not.toContain('ghost-');
  });

  it('shares one build between concurrent scrapes and within a second, and gzips when asked', async () => {
    clock.advance(1_001);
    const pages = await Promise.all(Array.from({ length: 8 }, () => request()));
    const bodies = await Promise.all(pages.map((p) => p.text()));
    expect(pages.every((p) => p.status === 200)).toBe(true);
    expect(new Set(bodies).size).toBe(1);
    const timing = pages.map((p) => p.headers.get('server-timing'));
    expect(timing[0]).toMatch(/^build;dur=\d+(\.\d)?, devices;desc="(built|reused)"$/);
    expect(new Set(timing).size).toBe(1);
    // Within the second a failure would show up in the counter, but the page is the same one …
    await t.request('/api/v1/me', { headers: { authorization: 'Bearer nope' } });
    clock.advance(500);
    expect(await (await request()).text()).toBe(bodies[0]);
    // … and after it, a new page has it.
    expect(await (await scrape()).text()).not.toBe(bodies[0]);
    const gz = await scrape({ 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toBe('Accept-Encoding');
    const text = gunzipSync(Buffer.from(await gz.arrayBuffer())).toString('utf8');
    expect(text).toContain('# TYPE caretaker_info gauge');
  });

  it('rebuilds the per-device part when the inventory or the monitor moved, or after a minute', async () => {
    const deviceInfo = (m: Map<string, number>, id: string) =>
      [...m.keys()].find((k) => k.startsWith(`caretaker_device_info{device="${id}"`));
    const before = parseExposition(await scrapeText());
    expect(deviceInfo(before, 'gw')).toContain('name="gw-branch"');
    // A value written behind the monitor's back is not seen while the part stands …
    const core = 'caretaker_device_cpu_usage_ratio{device="core"}';
    const cpu = (value: number) =>
      t.deps.metrics.write([
        {
          deviceId: 'core',
          source: 'snmp',
          at: clock.now(),
          samples: [{ metric: 'cpu.load_pct', instance: '', value }],
        },
      ]);
    await cpu(77);
    const reused = await scrape();
    expect(reused.headers.get('server-timing')).toContain('devices;desc="reused"');
    expect(parseExposition(await reused.text()).get(core)).toBe(before.get(core));
    // … a change of the inventory (the change feed moves) rebuilds it at once …
    const renamed = await adminJson('PATCH', '/devices/gw', { name: 'gw-renamed' });
    expect(renamed.status).toBe(200);
    const rebuilt = await scrape();
    expect(rebuilt.headers.get('server-timing')).toContain('devices;desc="built"');
    const after = parseExposition(await rebuilt.text());
    expect(deviceInfo(after, 'gw')).toContain('name="gw-renamed"');
    expect(after.get(core)).toBe(0.77);
    // … and so does a minute without any change.
    await cpu(12);
    clock.advance(60_000);
    expect(parseExposition(await scrapeText()).get(core)).toBe(0.12);
    await adminJson('PATCH', '/devices/gw', { name: 'gw-branch' });
  });

  it('gives a read token nothing to change', async () => {
    const res = await t.request('/api/v1/jobs/housekeeping/run', {
      method: 'POST',
      headers: { authorization: `Bearer ${readToken}` },
    });
    expect(res.status).toBe(403);
    const put = await t.request('/api/v1/settings/site', {
      method: 'PUT',
      headers: { authorization: `Bearer ${readToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', location: '', timezone: 'UTC', contact: '' }),
    });
    expect(put.status).toBe(403);
  });
});

describe('bad credentials: 401, counted, 429 past the limit', () => {
  let t: TestApp;
  let admin: { jar: CookieJar; csrf: string };
  let readToken: string;
  const clock = new ManualClock(Date.now());

  /** A request from a given peer address (app.request has no socket: the env stands in for it). */
  const from = (ip: string, p: string, headers: Record<string, string>) =>
    t.app.request(
      `http://localhost${p}`,
      { headers: { host: 'localhost', ...headers } },
      { incoming: { socket: { remoteAddress: ip, remotePort: 40_000, remoteFamily: 'IPv4' } } },
    );

  beforeAll(async () => {
    t = await createTestApp({ hq: { badAuthPerMinute: 3 } }, { clock });
    admin = await setupAdmin(t);
    const res = await t.request(
      '/api/v1/tokens',
      jsonInit('POST', admin, { name: 'hq', scope: 'read' }),
    );
    readToken = ((await res.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('throttles bad tokens per address and never a valid token', async () => {
    const bad = { authorization: `Bearer ct_abcd.${'A'.repeat(43)}` };
    for (let i = 0; i < 3; i++) {
      const r = await from('10.0.0.5', '/api/v1/me', bad);
      expect(r.status).toBe(401);
      expect((await r.json()).error.code).toBe('INVALID_TOKEN');
    }
    const limited = await from('10.0.0.5', '/api/v1/me', bad);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error.code).toBe('TOO_MANY_AUTH_FAILURES');
    // Bad basic credentials from there are refused before the password is even checked.
    const basic = await from('10.0.0.5', '/metrics', {
      authorization: basicHeader(ADMIN.username, ADMIN.password),
    });
    expect(basic.status).toBe(429);
    // A valid token from the same address still works, at once.
    const ok = await from('10.0.0.5', '/metrics', { authorization: `Bearer ${readToken}` });
    expect(ok.status).toBe(200);
    const m = parseExposition(await ok.text());
    expect(m.get('caretaker_http_auth_failures_total{kind="token"}')).toBe(4);
    // Another address has its own allowance.
    expect((await from('10.0.0.6', '/api/v1/me', bad)).status).toBe(401);
    // A minute later the address may try again.
    clock.advance(61_000);
    expect((await from('10.0.0.5', '/api/v1/me', bad)).status).toBe(401);
  });

  it('is 404 when the endpoint is turned off', async () => {
    const off = await createTestApp({ hq: { metricsEnabled: false } });
    try {
      const res = await off.request('/metrics');
      expect(res.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('exposition helpers', () => {
  it('escapes label values and formats samples as Prometheus reads them', () => {
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeLabel('x'.repeat(500))).toHaveLength(128);
    expect(labelSet([['device', 'd"1']])).toBe('{device="d\\"1"}');
    expect(formatSample(3)).toBe('3');
    expect(formatSample(0.1 + 0.2)).toBe('0.3');
    expect(formatSample(Number.NaN)).toBe('NaN');
    expect(formatSample(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatSample(Number.NEGATIVE_INFINITY)).toBe('-Inf');
  });
  it('writes numbers digit by digit exactly as formatSample spells them', () => {
    const values = [0, -0, 1, -1, 0.5, 0.05, 0.0015, 1.25, -2.5, 123456.7891, 1e-9, 2.2e9, 1e21];
    for (let i = 0; i < 20_000; i++) values.push((Math.random() - 0.2) * 10 ** (i % 16));
    values.push(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 60);
    const [labels] = encodeLabelSets(['{a="b"}']);
    for (const digits of [0, 1, 4, 6]) {
      const w = new ExpositionWriter(16);
      for (const v of values) w.line(utf8('m'), labels!, v, digits);
      const got = new TextDecoder().decode(w.finish()).split('\n').slice(0, -1);
      expect(got).toEqual(values.map((v) => `m{a="b"} ${formatSample(v, digits)}`));
    }
  });

  it('reuses a page buffer only once the page is replaced and every sender is done', async () => {
    const pool = new PagePool();
    const buf = pool.take(100);
    const page = new Page(buf.subarray(0, 10), 1, buf, pool);
    const release = page.hold();
    await page.gzipped();
    page.retire();
    await new Promise((r) => setImmediate(r));
    expect(pool.take(100)).not.toBe(buf); // still being sent
    release();
    release(); // twice is once
    expect(pool.take(100)).toBe(buf);
  });

  it('understands Accept-Encoding', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('deflate, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
