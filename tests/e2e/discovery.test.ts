/**
 * Discovery end to end, in a real browser against the real built service and a real Net-SNMP
 * agent on 127.0.0.1: claim the box, add an SNMP credential and the network to scan in the UI,
 * start a scan, follow its progress to the end, and open the device it found. Screenshots of each
 * page land in tests/artifacts/screenshots/devices-*.png for a person to look at.
 *
 * Network safety: the only network ever configured is 127.0.0.1/32, and snmpd listens on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  browserSkipReason,
  closeBrowser,
  launchBrowser,
  screenshots,
  watchedContext,
  type PageProblems,
} from '../helpers/browser.js';
import { freePort, startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { branchInventory, inventoryOps } from '../helpers/branch-inventory.js';
import { openStore } from '../../src/store/store.js';

const SNMPD = '/usr/sbin/snmpd';
const ADMIN = { username: 'admin', password: 'correct horse battery staple' };
const COMMUNITY = 'e2e-Community-4b1d';
const SYS_NAME = 'caretaker-e2e-agent';

const skipReason = browserSkipReason();

interface Snmpd {
  port: number;
  stop(): Promise<void>;
  output(): string;
}

/** A real snmpd on 127.0.0.1:<port> with its own config and persistent directory; stopped by PID. */
async function startSnmpd(dir: string): Promise<Snmpd> {
  const port = await freePort();
  const conf = path.join(dir, 'snmpd.conf');
  const persist = path.join(dir, 'persist');
  await mkdir(persist, { recursive: true });
  await writeFile(
    conf,
    [
      `rocommunity ${COMMUNITY} 127.0.0.1`,
      `sysName ${SYS_NAME}`,
      'sysLocation E2E lab, rack 1',
      'sysContact e2e@example.invalid',
      'sysServices 72',
      '',
    ].join('\n'),
  );
  let out = '';
  const child: ChildProcess = spawn(
    SNMPD,
    ['-f', '-Lo', '-C', '-c', conf, '-p', path.join(dir, 'snmpd.pid'), `udp:127.0.0.1:${port}`],
    {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SNMP_PERSISTENT_DIR: persist, MIBS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-16_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3_000).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
  };
  // snmpd says its version once it listens.
  const deadline = Date.now() + 10_000;
  while (!/NET-SNMP version/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`snmpd did not start on 127.0.0.1:${port}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop, output: () => out };
}

describe.skipIf(skipReason !== undefined)(
  `discovery in the browser${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let tmp: { dir: string; cleanup: () => Promise<void> } | undefined;
    let snmpd: Snmpd | undefined;
    let service: ServiceProcess | undefined;
    let browser: Browser | undefined;
    let page: Page;
    let problems: PageProblems;
    const overflow: Record<string, number> = {};

    beforeAll(async () => {
      try {
        tmp = await tempDir('caretaker-e2e-discovery-');
        snmpd = await startSnmpd(tmp.dir);
        const config = path.join(tmp.dir, 'config.json');
        await writeFile(
          config,
          // Two SNMP probes at a time, so that a scan of 16 loopback addresses (15 of which do not
          // answer SNMP) runs long enough to be watched and cancelled.
          JSON.stringify({
            discovery: { snmpPort: snmpd.port, snmpTimeoutMs: 500, snmpConcurrency: 2 },
          }),
        );
        service = await startServiceProcess({
          env: { CARETAKER_CONFIG: config },
          logLevel: 'warn',
        });
        browser = await launchBrowser();
        ({ page, problems } = await watchedContext(browser));
        page.setDefaultTimeout(15_000);
      } catch (err) {
        await closeBrowser(browser);
        await service?.stop();
        await snmpd?.stop();
        await tmp?.cleanup();
        throw err;
      }
    });

    afterAll(async () => {
      await closeBrowser(browser);
      await service?.stop();
      await snmpd?.stop();
      await tmp?.cleanup();
    });

    const url = (p: string) => `${service!.url}${p}`;
    const snap = async (name: string, on: Page = page) => {
      overflow[name] = await screenshots(on, `devices-${name}`);
      // Playwright hides the text caret for screenshots through inline styles and leaves
      // style="" behind on inputs; htmx would copy that onto the next page's fields while it
      // settles, which the CSP (rightly) reports. Remove what the screenshot left.
      await on.evaluate(
        'document.querySelectorAll(\'[style=""]\').forEach((e) => e.removeAttribute("style"))',
      );
    };
    const submit = async (button: string, to: (u: URL) => boolean) => {
      await Promise.all([page.waitForURL(to), page.getByRole('button', { name: button }).click()]);
    };

    it('configures discovery in the UI, scans 127.0.0.1 and shows the device', async () => {
      // ---- claim the box -------------------------------------------------------------------
      const code = (await readFile(path.join(service!.dataDir, 'setup-code'), 'utf8')).trim();
      await page.goto(url('/setup'));
      await page.fill('#f-setupCode', code);
      await page.fill('#f-username', ADMIN.username);
      await page.fill('#f-password', ADMIN.password);
      await page.fill('#f-confirm', ADMIN.password);
      await submit('Create admin and log in', (u) => u.pathname === '/settings');

      // ---- nothing configured yet -----------------------------------------------------------
      await page.goto(url('/devices'));
      await expect(page.locator('#devices-empty h2').textContent()).resolves.toBe(
        'Not configured yet',
      );
      await snap('empty');

      // ---- an SNMP credential ---------------------------------------------------------------
      await page.getByRole('link', { name: 'Settings → SNMP credentials' }).click();
      await page.waitForURL((u) => u.pathname === '/settings/credentials');
      // With JS only the fields of the chosen version show (once app.js has seen the form).
      await page.locator('form[data-show-if-bound]').waitFor({ state: 'attached' });
      await expect(page.locator('#f-community').isVisible()).resolves.toBe(true);
      await expect(page.locator('#f-user').isVisible()).resolves.toBe(false);
      await page.selectOption('#f-version', '3');
      await expect(page.locator('#f-user').isVisible()).resolves.toBe(true);
      await expect(page.locator('#f-privKey').isVisible()).resolves.toBe(true);
      await page.selectOption('#f-level', 'authNoPriv');
      await expect(page.locator('#f-privKey').isVisible()).resolves.toBe(false);
      await expect(page.locator('#f-authKey').isVisible()).resolves.toBe(true);
      await page.selectOption('#f-version', '2c');
      await expect(page.locator('#f-community').isVisible()).resolves.toBe(true);
      await page.fill('#f-name', 'Lab read-only');
      await page.fill('#f-community', COMMUNITY);
      await page.getByRole('button', { name: 'Add credential' }).click();
      await page.locator('.notice.ok', { hasText: 'Credential Lab read-only added.' }).waitFor();
      await expect(page.content()).resolves.not.toContain(COMMUNITY);
      await snap('settings-credentials');

      // ---- the network to scan: an error first, then loopback only --------------------------
      await page.goto(url('/settings/discovery'));
      await page.locator('form[data-show-if-bound]').waitFor({ state: 'attached' });
      await expect(page.locator('#f-scheduleCustom').isVisible()).resolves.toBe(false);
      await page.fill('#f-subnets', '127.0.0.1/32\n10.0.0.0/8');
      problems.expectStatus('/settings/discovery', 422);
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('#f-subnets-err').waitFor();
      await expect(page.locator('#f-subnets-err').textContent()).resolves.toContain(
        'Line 2: "10.0.0.0/8" is larger than a /16',
      );
      await snap('settings-discovery-error');
      await page.fill('#f-subnets', '127.0.0.1/32');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('.notice.ok', { hasText: 'Discovery settings saved.' }).waitFor();
      await snap('settings-discovery');

      // ---- scan from the device list and follow it ------------------------------------------
      await page.goto(url('/devices'));
      await submit('Scan now', (u) => u.pathname === '/discovery');
      await page.locator('.notice.ok', { hasText: 'Scan started.' }).waitFor();
      // Live progress: the card polls itself until the scan is over, then shows the result.
      await page.locator('#scan-live .badge.s-done').waitFor({ timeout: 60_000 });
      await expect(page.locator('#scan-live h2').textContent()).resolves.toBe('Scan finished');
      await expect(page.locator('#scan-live dl.counts').textContent()).resolves.toMatch(
        /Hosts up1.*SNMP answered1.*New1/,
      );
      // The history below was refreshed out of band.
      await page.locator('#scan-history .badge.s-done').waitFor();
      await snap('scan');

      // The state comes from the server: a reload shows the same.
      await page.reload();
      await page.locator('#scan-history .badge.s-done').waitFor();
      await page.locator('#scan-history a').first().click();
      await page.waitForURL((u) => u.pathname.startsWith('/discovery/scans/'));
      await page.locator('#scan-live .badge.s-done').waitFor();
      await snap('scan-detail');

      // ---- the device -------------------------------------------------------------------------
      await page.goto(url('/devices'));
      await expect(page.locator('#device-results').textContent()).resolves.toContain(SYS_NAME);
      // The search box filters as one types (htmx), and the URL follows.
      await page.fill('#f-q', 'no-such-device');
      await page.waitForURL((u) => u.searchParams.get('q') === 'no-such-device');
      await page.locator('#device-results', { hasText: 'No device matches' }).waitFor();
      await page.fill('#f-q', '127.0.0');
      await page.waitForURL((u) => u.searchParams.get('q') === '127.0.0');
      await page.locator('#device-results', { hasText: SYS_NAME }).waitFor();
      await snap('list');

      await page.getByRole('link', { name: SYS_NAME }).click();
      await page.waitForURL((u) => /^\/devices\/[^/]+$/.test(u.pathname));
      await expect(page.locator('h1').textContent()).resolves.toContain(SYS_NAME);
      await expect(page.locator('h1 .tbadge').textContent()).resolves.toMatch(/\w/);
      await expect(page.locator('#overview').textContent()).resolves.toContain('E2E lab, rack 1');
      await expect(page.locator('#snmp').textContent()).resolves.toContain('Lab read-only');
      await expect(page.locator('#snmp .reasons li').count()).resolves.toBeGreaterThan(0);
      await expect(page.locator('#interfaces tbody').textContent()).resolves.toContain('lo');
      await snap('device');

      // Edit it through the form (folded away until asked for).
      await expect(page.locator('#f-name').isVisible()).resolves.toBe(false);
      await page.locator('#edit summary').click();
      await page.fill('#f-name', 'Lab agent');
      await page.fill('#f-notes', 'Started by the discovery e2e test.');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('.notice.ok', { hasText: 'Device saved.' }).waitFor();
      await expect(page.locator('h1').textContent()).resolves.toContain('Lab agent');
      await expect(page.locator('#history').textContent()).resolves.toContain('edited');

      // ---- topology ---------------------------------------------------------------------------
      await page.goto(url('/devices/topology'));
      await page.locator('svg.topology a.tnode').first().waitFor();
      await snap('topology');

      // ---- the dashboard counts it -------------------------------------------------------------
      await page.goto(url('/'));
      await expect(page.locator('a.card.area[href="/devices"]').textContent()).resolves.toContain(
        '1 device: 1 up, 0 missing',
      );
      await snap('dashboard');

      // ---- a longer scan: watch it run, then cancel it ----------------------------------------
      await page.goto(url('/settings/discovery'));
      await page.fill('#f-subnets', '127.0.0.0/28');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('.notice.ok', { hasText: 'Discovery settings saved.' }).waitFor();
      await page.goto(url('/discovery'));
      await submit('Scan again', (u) => u.pathname === '/discovery');
      await page.locator('#scan-live.running ol.phases li.current').waitFor();
      // The card refreshes itself: the number of probed hosts grows while we watch.
      await expect
        .poll(
          async () =>
            parseInt((await page.locator('#scan-live dl.counts dd').nth(1).textContent()) ?? ''),
          { timeout: 20_000, interval: 200 },
        )
        .toBeGreaterThanOrEqual(2);
      await expect(page.locator('#scan-live h2').textContent()).resolves.toBe('Scan running');
      await snap('scan-running');
      await submit('Cancel scan', (u) => u.searchParams.has('done'));
      await page.locator('.notice.ok', { hasText: 'Scan cancelled' }).waitFor();
      await expect(page.locator('#scan-history tbody tr').first().textContent()).resolves.toContain(
        'cancelled',
      );
      await expect(page.locator('#scan-live h2').textContent()).resolves.toBe('Scan cancelled');
      // The inventory was left as it was.
      await page.goto(url('/devices'));
      await expect(page.locator('.page-head p').textContent()).resolves.toBe(
        '1 device: 1 up, 0 missing',
      );

      // ---- delete it, after a confirmation ------------------------------------------------------
      await page.getByRole('link', { name: 'Lab agent' }).click();
      await page.waitForURL((u) => /^\/devices\/[^/]+$/.test(u.pathname));
      let asked = '';
      page.once('dialog', (d) => {
        asked = d.message();
        void d.accept();
      });
      await submit('Delete device', (u) => u.pathname === '/devices' && u.searchParams.has('done'));
      expect(asked).toBe('Delete Lab agent (127.0.0.1) from the inventory?');
      await page
        .locator('.notice.ok', { hasText: 'Device Lab agent (127.0.0.1) deleted.' })
        .waitFor();
      await expect(page.locator('#devices-empty h2').textContent()).resolves.toBe('No devices yet');

      expect(problems.list, 'browser console errors or CSP violations').toEqual([]);
      expect(
        Object.entries(overflow).filter(([, px]) => px > 0),
        'pages wider than a 390 px phone screen',
      ).toEqual([]);
    }, 180_000);

    it('draws a readable topology and list of a 60-device branch', async () => {
      // A second box whose store already holds a branch's inventory (no network involved).
      const dir = await tempDir('caretaker-e2e-branch-');
      let branch: ServiceProcess | undefined;
      try {
        const store = await openStore(dir.dir);
        const inv = branchInventory();
        await store.write(inventoryOps(store, inv));
        await store.close();
        branch = await startServiceProcess({ dataDir: dir.dir, logLevel: 'warn' });
        const code = (await readFile(path.join(dir.dir, 'setup-code'), 'utf8')).trim();
        const setup = await fetch(`${branch.url}/api/v1/setup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ setupCode: code, ...ADMIN }),
        });
        expect(setup.status).toBe(201);
        const watched = await watchedContext(browser!);
        const p = watched.page;
        p.setDefaultTimeout(15_000);
        try {
          await p.goto(`${branch.url}/login`);
          await p.fill('#f-username', ADMIN.username);
          await p.fill('#f-password', ADMIN.password);
          await Promise.all([
            p.waitForURL((u) => u.pathname === '/'),
            p.getByRole('button', { name: 'Log in' }).click(),
          ]);

          await p.goto(`${branch.url}/devices/topology`);
          const nodes = p.locator('svg.topology .tnode');
          // Every device, plus the provider's modem known only from LLDP.
          await expect(nodes.count()).resolves.toBe(inv.devices.length + 1);
          await expect(p.locator('svg.topology a.tnode').count()).resolves.toBe(inv.devices.length);
          // Nodes do not overlap.
          const boxes = await p.locator('svg.topology .tnode rect.box').evaluateAll((rs) =>
            rs.map((r) => {
              const b = (
                r as unknown as {
                  getBBox(): { x: number; y: number; width: number; height: number };
                }
              ).getBBox();
              return { x: b.x, y: b.y, w: b.width, h: b.height };
            }),
          );
          for (let i = 0; i < boxes.length; i++)
            for (let j = i + 1; j < boxes.length; j++) {
              const a = boxes[i]!;
              const b = boxes[j]!;
              const apart =
                a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
              expect(apart, `nodes ${i} and ${j} overlap`).toBe(true);
            }
          await snap('topology-branch', p);
          await p.locator('svg.topology a.tnode[data-id="core"]').click();
          await p.waitForURL((u) => u.pathname === '/devices/core');
          await snap('device-switch', p);
          await p.goto(`${branch.url}/devices`);
          await snap('list-branch', p);
          await p.goto(`${branch.url}/`);
          await snap('dashboard-branch', p);
          expect(watched.problems.list, 'browser console errors or CSP violations').toEqual([]);
        } finally {
          await watched.context.close();
        }
      } finally {
        await branch?.stop();
        await dir.cleanup();
      }
      expect(
        Object.entries(overflow).filter(([, px]) => px > 0),
        'pages wider than a 390 px phone screen',
      ).toEqual([]);
    }, 120_000);
  },
);
