/**
 * The monitoring pages in a real browser: a week of measurements of a small site written into
 * the real metrics store, the real app served on 127.0.0.1, and headless Chromium. The dashboard
 * must read at a glance, the device page must draw its charts, and the range picker must swap the
 * charts in place (htmx) for another period. Screenshots land in tests/artifacts/screenshots/
 * monitoring-*.png for a person to look at.
 *
 * The app runs in this process (not the built service) so that the test can write measurements
 * while it runs; it is the same app the service serves. Nothing is polled: no job runs.
 */
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  browserSkipReason,
  closeBrowser,
  launchBrowser,
  screenshots,
  SCREENSHOT_DIR,
  watchedContext,
  type PageProblems,
} from '../helpers/browser.js';
import { createTestApp, setupAdmin, ADMIN, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/service-process.js';
import type { DeviceRecord } from '../../src/store/types.js';
import type { InterfaceInfo } from '../../src/discovery/types.js';
import type { MetricsEntry } from '../../src/store/metrics.js';
import { applyProbe, parseReachState } from '../../src/monitor/reachability.js';

const skipReason = browserSkipReason();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The router last restarted 40 days ago. */
const UPTIME_FROM = Date.now() - 40 * DAY;

function device(id: string, over: Partial<DeviceRecord>): DeviceRecord {
  const seen = new Date(Date.now() - 8 * DAY).toISOString();
  return {
    id,
    name: id,
    nameSource: 'auto',
    ip: '127.0.0.1',
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

function iface(index: number, name: string, alias: string, operStatus = 'up'): InterfaceInfo {
  return { index, name, descr: name, alias, type: 6, speedBps: 1e9, adminUp: true, operStatus };
}

/** An office day: quiet at night, busy from 8 to 18, a dip at lunch; weekends quiet. */
function office(at: number): number {
  const d = new Date(at);
  const h = d.getUTCHours() + d.getUTCMinutes() / 60;
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
  const day =
    h >= 8 && h < 18 ? Math.sin(((h - 8) / 10) * Math.PI) * (h >= 12 && h < 13 ? 0.6 : 1) : 0;
  return 0.05 + (weekend ? 0.15 : 1) * day + 0.05 * Math.sin(at / 7 / MIN);
}

function cycle(at: number): MetricsEntry[] {
  const load = office(at);
  return [
    {
      deviceId: 'dev-gw',
      source: 'snmp',
      at,
      samples: [
        { metric: 'if.in_bps', instance: '1', value: 180e6 * load },
        { metric: 'if.out_bps', instance: '1', value: 45e6 * load },
        { metric: 'if.in_bps', instance: '2', value: 40e6 * load },
        { metric: 'if.out_bps', instance: '2', value: 150e6 * load },
        { metric: 'if.oper_up', instance: '1', value: 1 },
        { metric: 'if.oper_up', instance: '2', value: 1 },
        { metric: 'cpu.load_pct', instance: '', value: 8 + 55 * load },
        { metric: 'mem.used_pct', instance: '', value: 48 + 6 * load },
        { metric: 'uptime.s', instance: '', value: (at - UPTIME_FROM) / 1000 },
      ],
      labels: {
        'if.in_bps|1': 'ether1 (WAN uplink)',
        'if.out_bps|1': 'ether1 (WAN uplink)',
        'if.in_bps|2': 'ether2 (LAN)',
        'if.out_bps|2': 'ether2 (LAN)',
      },
    },
    {
      deviceId: 'dev-gw',
      source: 'reach',
      at,
      samples: [
        { metric: 'reach.up', instance: '', value: 1 },
        { metric: 'reach.rtt_ms', instance: '', value: 0.4 + 0.6 * load },
      ],
    },
    {
      deviceId: 'dev-nas',
      source: 'snmp',
      at,
      samples: [
        {
          metric: 'storage.used_pct',
          instance: '31',
          value: 84 + ((at % (8 * DAY)) / (8 * DAY)) * 3,
        },
        { metric: 'storage.used_bytes', instance: '31', value: 3.4e12 },
        { metric: 'if.in_bps', instance: '1', value: 30e6 * load },
        { metric: 'if.out_bps', instance: '1', value: 70e6 * load },
        { metric: 'cpu.load_pct', instance: '', value: 5 + 20 * load },
      ],
      labels: { 'storage.used_pct|31': '/volume1', 'storage.used_bytes|31': '/volume1' },
    },
  ];
}

describe.skipIf(skipReason !== undefined)(
  `monitoring in the browser${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let t: TestApp | undefined;
    let server: ServerType | undefined;
    let base = '';
    let browser: Browser | undefined;
    let page: Page;
    let problems: PageProblems;
    const overflow: Record<string, number> = {};

    beforeAll(async () => {
      t = await createTestApp();
      const app = t;
      app.deps.metrics.freeSpaceProbe = async () => Number.MAX_SAFE_INTEGER;
      await setupAdmin(app);
      await app.store.write([
        ...app.store.devices.putOps(
          device('dev-gw', { name: 'gw-branch', type: 'router', interfaceCount: 2 }),
        ),
        ...app.store.devices.putOps(
          device('dev-nas', { name: 'nas-01', ip: '127.0.0.2', type: 'nas' }),
        ),
        ...app.store.devices.putOps(
          device('dev-prn', { name: 'printer-2nd-floor', ip: '127.0.0.3', type: 'printer' }),
        ),
        ...app.store.devices.interfaceOps(
          'dev-gw',
          [
            iface(1, 'ether1', 'WAN uplink'),
            iface(2, 'ether2', 'LAN'),
            iface(3, 'ether3', '', 'down'),
          ],
          [],
        ),
        ...app.store.devices.interfaceOps('dev-nas', [iface(1, 'eth0', '')], []),
      ]);
      const now = Date.now();
      const ops = [];
      for (const [id, up] of [
        ['dev-gw', true],
        ['dev-nas', true],
        ['dev-prn', false],
      ] as const) {
        let s = parseReachState(undefined);
        for (let i = 0; i < 4; i++)
          s = applyProbe(
            s,
            { up, at: now - (40 - i) * MIN, rttMs: up ? 1 : undefined },
            app.config.monitor,
          ).state;
        const at = new Date(now - MIN).toISOString();
        ops.push(
          app.store.monitorState.putOp({
            deviceId: id,
            reach: s,
            lastProbe: { at, up, method: 'icmp', ...(up ? { rttMs: 0.6 } : {}) },
            ...(id === 'dev-prn' ? {} : { snmp: { at, ok: true, pollMs: 140, varbinds: 64 } }),
          }),
        );
      }
      await app.store.write(ops);
      // Eight days every 5 minutes, then the last hour every minute, as the poller would.
      const start = Math.floor((now - 8 * DAY) / (5 * MIN)) * 5 * MIN;
      for (let at = start; at < now - HOUR; at += 5 * MIN) await app.deps.metrics.write(cycle(at));
      for (let at = now - HOUR; at <= now; at += MIN) await app.deps.metrics.write(cycle(at));
      await app.deps.metrics.maintain(new AbortController().signal);
      await app.deps.alerts.evaluateAll([
        {
          deviceId: 'dev-prn',
          deviceName: 'printer-2nd-floor',
          deviceType: 'printer',
          at: now,
          reach: 'down',
          samples: [],
          interfaces: [],
          labels: {},
          forecasts: [],
          covers: { snmp: false, services: false },
        },
      ]);
      const port = await freePort();
      server = serve({ fetch: app.app.fetch, hostname: '127.0.0.1', port });
      base = `http://127.0.0.1:${port}`;
      browser = await launchBrowser();
      ({ page, problems } = await watchedContext(browser));
      page.setDefaultTimeout(15_000);
    }, 180_000);

    afterAll(async () => {
      await closeBrowser(browser);
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      await t?.close();
    });

    const url = (p: string) => `${base}${p}`;
    const snap = async (name: string) => {
      overflow[name] = await screenshots(page, `monitoring-${name}`);
      // The whole page at desktop width too: these pages are long, and below the fold matters.
      const y = await page.evaluate('window.scrollY');
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({
        path: path.join(SCREENSHOT_DIR, `monitoring-${name}-desktop-full.png`),
        fullPage: true,
      });
      await page.evaluate(`window.scrollTo(0, ${String(y)})`);
      // Playwright's screenshot leaves style="" behind, which htmx would settle (and the CSP
      // would report) on the next swap.
      await page.evaluate(
        'document.querySelectorAll(\'[style=""]\').forEach((e) => e.removeAttribute("style"))',
      );
    };
    const lineOf = (chart: string) =>
      page.locator(`#${chart} svg.wide-only path.line, #${chart} svg.chart-svg path.line`).first();

    it('shows the dashboard, a device with charts, another period in place, and the monitoring page', async () => {
      // Time flows as usual; the dashboard's 30 s refresh is fast-forwarded below.
      await page.clock.install();
      await page.goto(url('/login'));
      await page.fill('#f-username', ADMIN.username);
      await page.fill('#f-password', ADMIN.password);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/'),
        page.getByRole('button', { name: 'Log in' }).click(),
      ]);

      // ---- the dashboard --------------------------------------------------------------------
      const strip = page.locator('.status-strip');
      await expect(strip.locator('.headline').textContent()).resolves.toContain('1 device down');
      await expect(page.locator('#dash-problems').textContent()).resolves.toContain(
        'printer-2nd-floor',
      );
      await expect(page.locator('#dash-talkers tbody tr').count()).resolves.toBeGreaterThan(1);
      await expect(page.locator('#dash-talkers tbody tr').first().textContent()).resolves.toContain(
        'ether',
      );
      await expect(page.locator('#dash-storage').textContent()).resolves.toContain('/volume1');
      await expect(lineOf('dash-traffic-chart').getAttribute('d')).resolves.toMatch(/^M/);
      await snap('dashboard');

      // A backup starts on the LAN: at the next refresh the LAN port is the busiest one.
      const spike = cycle(Date.now());
      for (const x of spike[0]!.samples as Array<{
        metric: string;
        instance: string;
        value: number;
      }>)
        if (x.metric === 'if.out_bps' && x.instance === '2') x.value = 900e6;
      await t!.deps.metrics.write(spike);
      await page.evaluate('window.__notReloaded = true');
      await page.clock.fastForward('00:31');
      await expect
        .poll(() => page.locator('#dash-talkers tbody tr').first().textContent())
        .toContain('ether2');
      await expect(page.locator('#dash-talkers tbody tr').first().textContent()).resolves.toContain(
        '900 Mbit/s',
      );
      await expect(page.evaluate('window.__notReloaded')).resolves.toBe(true);

      // ---- a device page: 24 hours, then the last week swapped in place -----------------------
      await page.getByRole('link', { name: 'gw-branch' }).first().click();
      await page.waitForURL((u) => u.pathname === '/devices/dev-gw');
      await expect(page.locator('h1').textContent()).resolves.toContain('gw-branch');
      const day = await lineOf('chart-if-1').getAttribute('d');
      expect(day).toMatch(/^M/);
      await expect(page.locator('#chart-cpu path.line').first().getAttribute('d')).resolves.toMatch(
        /^M/,
      );
      await page.locator('#device-metrics').scrollIntoViewIfNeeded();
      await snap('device-24h');

      // A full page load would lose this marker; an htmx swap of the section keeps it.
      await page.evaluate('window.__notReloaded = true');
      await page.locator('.range-presets').getByRole('link', { name: '7 days' }).click();
      await page.waitForURL((u) => u.searchParams.get('range') === '7d');
      await expect
        .poll(() => lineOf('chart-if-1').getAttribute('d'), { timeout: 10_000 })
        .not.toBe(day);
      await expect(page.evaluate('window.__notReloaded')).resolves.toBe(true);
      await expect(
        page.locator('.range-presets a[aria-current="true"]').textContent(),
      ).resolves.toBe('7 days');
      expect(new URL(page.url()).pathname).toBe('/devices/dev-gw/metrics');
      await snap('device-7d');

      // the address the swap left in the bar is a whole page of its own
      await page.reload();
      await expect(page.locator('#overview').count()).resolves.toBe(1);
      await expect(
        page.locator('.range-presets a[aria-current="true"]').textContent(),
      ).resolves.toBe('7 days');

      // ---- the monitoring page ----------------------------------------------------------------
      await page.goto(url('/monitoring'));
      await expect(page.locator('#active-alerts').textContent()).resolves.toContain('Device down');
      await expect(page.locator('#events tbody tr').count()).resolves.toBeGreaterThan(0);
      await snap('landing');

      expect(problems.list, 'browser console errors or CSP violations').toEqual([]);
      expect(
        Object.entries(overflow).filter(([, px]) => px > 0),
        'pages wider than a 390 px phone screen',
      ).toEqual([]);
    }, 120_000);
  },
);
