/**
 * Incidents in a real browser: events folded into incidents by the real service, the real app
 * served on 127.0.0.1, and headless Chromium. A person opens an incident from the list,
 * acknowledges it, adds a note and resolves it with a note; each step swaps the incident in place
 * (htmx) and lands on the timeline. The list refreshes itself when a new incident opens.
 * Screenshots land in tests/artifacts/screenshots/incidents-*.png for a person to look at.
 *
 * The app runs in this process (as in monitoring.test.ts) so that the test can write events while
 * it runs. No job runs: the test folds events itself.
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
import type { DeviceRecord, EventRecord } from '../../src/store/types.js';

const skipReason = browserSkipReason();
const MIN = 60_000;

function device(id: string, over: Partial<DeviceRecord>): DeviceRecord {
  const seen = new Date(Date.now() - 3 * 86_400_000).toISOString();
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

function raised(
  deviceId: string,
  rule: string,
  severity: EventRecord['severity'],
  title: string,
  message: string,
): Omit<EventRecord, 'key' | 'at'> {
  return {
    kind: 'alert.raised',
    severity,
    deviceId,
    message,
    details: { key: `${rule}/${deviceId}/`, rule, title, alertSeverity: severity },
  };
}

describe.skipIf(skipReason !== undefined)(
  `incidents in the browser${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let t: TestApp | undefined;
    let server: ServerType | undefined;
    let base = '';
    let browser: Browser | undefined;
    let page: Page;
    let problems: PageProblems;
    const overflow: Record<string, number> = {};

    /** Writes events a few minutes apart, ending now, and folds them into incidents. */
    const happen = async (events: Array<Omit<EventRecord, 'key' | 'at'>>, minutesAgo = 0) => {
      const app = t!;
      const now = Date.now();
      const ops = events.flatMap((e, i) =>
        app.store.events.appendOps(e, now - (minutesAgo - i) * MIN),
      );
      await app.store.write(ops);
      await app.deps.incidents.pump();
    };

    beforeAll(async () => {
      t = await createTestApp();
      const app = t;
      await setupAdmin(app);
      await app.store.write([
        ...app.store.devices.putOps(device('dev-nas', { name: 'nas-01', type: 'nas' })),
        ...app.store.devices.putOps(
          device('dev-prn', { name: 'printer-2nd-floor', ip: '127.0.0.3', type: 'printer' }),
        ),
        ...app.store.devices.putOps(
          device('dev-sw', { name: 'sw-core', ip: '127.0.0.4', type: 'switch' }),
        ),
      ]);
      await happen(
        [
          raised('dev-nas', 'storage', 'major', 'Volume /volume1 nearly full', '/volume1 at 93 %'),
          raised('dev-nas', 'storage', 'major', 'Volume /volume1 nearly full', '/volume1 at 94 %'),
          raised('dev-nas', 'storage', 'major', 'Volume /volume1 nearly full', '/volume1 at 95 %'),
          raised('dev-prn', 'toner', 'warning', 'Toner low (black)', 'Black toner at 4 %'),
          {
            kind: 'trap.received',
            severity: 'warning',
            deviceId: 'dev-sw',
            message: 'coldStart from sw-core',
            details: { trapKind: 'coldStart' },
          },
        ],
        50,
      );
      const port = await freePort();
      server = serve({ fetch: app.app.fetch, hostname: '127.0.0.1', port });
      base = `http://127.0.0.1:${port}`;
      browser = await launchBrowser();
      ({ page, problems } = await watchedContext(browser));
      page.setDefaultTimeout(15_000);
    }, 120_000);

    afterAll(async () => {
      await closeBrowser(browser);
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      await t?.close();
    });

    const url = (p: string) => `${base}${p}`;
    const snap = async (name: string) => {
      overflow[name] = await screenshots(page, `incidents-${name}`);
      // The whole page at desktop width too, from the top (an action may have scrolled it).
      const y = await page.evaluate('window.scrollY');
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({
        path: path.join(SCREENSHOT_DIR, `incidents-${name}-desktop-full.png`),
        fullPage: true,
      });
      await page.evaluate(`window.scrollTo(0, ${String(y)})`);
      // Playwright's screenshot leaves style="" behind, which htmx would settle (and the CSP
      // would report) on the next swap.
      await page.evaluate(
        'document.querySelectorAll(\'[style=""]\').forEach((e) => e.removeAttribute("style"))',
      );
    };
    const timeline = () => page.locator('#timeline ol.inc-timeline > li');
    const statePill = () => page.locator('.inc-header h1 .pill');

    it('opens an incident from the list, acknowledges, comments on and resolves it', async () => {
      await page.clock.install();
      await page.goto(url('/login'));
      await page.fill('#f-username', ADMIN.username);
      await page.fill('#f-password', ADMIN.password);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/'),
        page.getByRole('button', { name: 'Log in' }).click(),
      ]);

      // ---- the dashboard's card ---------------------------------------------------------------
      const card = page.locator('#dash-incidents');
      await expect(card.locator('li').count()).resolves.toBe(3);
      await expect(card.locator('li').first().textContent()).resolves.toContain(
        'Volume /volume1 nearly full',
      );
      await snap('dashboard');

      // ---- the list -----------------------------------------------------------------------------
      await page.locator('.sidenav').getByRole('link', { name: 'Incidents' }).click();
      await page.waitForURL((u) => u.pathname === '/incidents');
      const rows = page.locator('#incident-results tbody tr');
      await expect(rows.count()).resolves.toBe(3);
      await expect(rows.first().textContent()).resolves.toContain('Volume /volume1 nearly full');
      await expect(rows.first().locator('.folded').textContent()).resolves.toBe('×3');
      // a one-shot problem (the switch restarted) is not "cleared": it never was present
      await expect(page.locator('#incident-results .flag.cleared').count()).resolves.toBe(0);

      // A new problem appears while the list is open: the list shows it without a reload.
      await page.evaluate('window.__notReloaded = true');
      await happen([
        raised('dev-sw', 'cpu', 'critical', 'CPU load high', 'CPU at 99 % for 10 minutes'),
      ]);
      await page.clock.fastForward('00:11');
      await expect.poll(() => rows.count()).toBe(4);
      await expect(rows.first().textContent()).resolves.toContain('CPU load high');
      await expect(page.evaluate('window.__notReloaded')).resolves.toBe(true);
      await snap('list');

      // ---- one incident -------------------------------------------------------------------------
      await rows.nth(1).getByRole('link', { name: 'Volume /volume1 nearly full' }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/incidents/20'));
      await expect(page.locator('h1').textContent()).resolves.toContain(
        'Volume /volume1 nearly full',
      );
      await expect(statePill().textContent()).resolves.toBe('Open');
      await expect(
        page.locator('.inc-header').getByRole('link', { name: 'nas-01' }).count(),
      ).resolves.toBe(1);
      const before = await timeline().count();
      expect(before).toBeGreaterThanOrEqual(4);
      await snap('detail-open');
      await page.evaluate('window.__notReloaded = true');

      // acknowledge
      await page.getByRole('button', { name: 'Acknowledge' }).click();
      await expect.poll(() => statePill().textContent()).toBe('Acknowledged');
      await expect(timeline().last().textContent()).resolves.toContain('Acknowledged by admin.');
      await expect(page.locator('.notice.ok').textContent()).resolves.toContain('Acknowledged.');
      await expect(page.getByRole('button', { name: 'Acknowledge' }).count()).resolves.toBe(0);

      // an empty note is refused next to the field
      problems.expectStatus(new URL(page.url()).pathname + '/notes', 422);
      await page.getByRole('button', { name: 'Add note' }).click();
      await expect.poll(() => page.locator('#f-text').getAttribute('aria-invalid')).toBe('true');
      await expect(page.locator('.field.invalid .error-text').first().textContent()).resolves.toBe(
        'Write a note.',
      );

      // a note
      await page.fill('#f-text', 'Old snapshots on /volume1 are not pruned: checking retention.');
      await page.getByRole('button', { name: 'Add note' }).click();
      await expect
        .poll(() => timeline().last().textContent())
        .toContain('Old snapshots on /volume1 are not pruned');
      await expect(timeline().last().getAttribute('data-kind')).resolves.toBe('note');
      await expect(page.locator('#f-text').inputValue()).resolves.toBe('');

      // resolve with a note
      await page.fill('#f-note', 'Retention fixed; 400 GB freed.');
      await page.getByRole('button', { name: 'Resolve' }).click();
      await expect.poll(() => statePill().textContent()).toBe('Resolved');
      await expect(timeline().last().textContent()).resolves.toContain(
        'Resolved by admin: Retention fixed; 400 GB freed.',
      );
      const kinds = await timeline().evaluateAll((lis) =>
        lis.map((li) => li.getAttribute('data-kind')),
      );
      expect(kinds.slice(-3)).toEqual(['acknowledged', 'note', 'resolved']);
      await expect(page.getByRole('button', { name: 'Resolve' }).count()).resolves.toBe(0);
      await expect(page.locator('.inc-header').textContent()).resolves.toMatch(/after \d+ min/);
      // every step swapped the incident in place
      await expect(page.evaluate('window.__notReloaded')).resolves.toBe(true);
      await snap('detail');

      // the page after a reload says the same
      await page.reload();
      await expect(statePill().textContent()).resolves.toBe('Resolved');
      await expect(timeline().count()).resolves.toBe(before + 3);

      // ---- back in the list: it is among the resolved ones ----------------------------------------
      await page.goto(url('/incidents'));
      await expect(rows.count()).resolves.toBe(3);
      await page
        .locator('.state-filter')
        .getByRole('link', { name: /^Resolved/ })
        .click();
      await page.waitForURL((u) => u.searchParams.get('state') === 'resolved');
      await expect(rows.count()).resolves.toBe(1);
      await expect(rows.first().textContent()).resolves.toContain('Volume /volume1 nearly full');

      expect(problems.list, 'browser console errors or CSP violations').toEqual([]);
      expect(
        Object.entries(overflow).filter(([, px]) => px > 0),
        'pages wider than a 390 px phone screen',
      ).toEqual([]);
    }, 120_000);
  },
);
