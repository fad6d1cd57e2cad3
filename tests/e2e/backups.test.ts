/**
 * Backups in a real browser: the real app served on 127.0.0.1 in this process, real rsync between
 * directories under the test's temporary directory, and headless Chromium. An admin adds a target
 * and a job through the forms, runs the job from the overview and watches it finish in place
 * (htmx), a file is deleted at the source, a restore test is started from the job page, the file
 * is found again in the snapshot browser, downloaded, and restored to its original place from the
 * UI; the file is back with the same content.
 * Screenshots land in tests/artifacts/screenshots/backups-*.png for a person to look at.
 */
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
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
import { tempDir } from '../helpers/temp-dir.js';

const skipReason = browserSkipReason();
const CONTRACT = 'Contract with the landlord, signed 2026-03-01.\nRent: 1,200 EUR.\n';

describe.skipIf(skipReason !== undefined)(
  `backups in the browser${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let t: TestApp | undefined;
    let server: ServerType | undefined;
    let base = '';
    let browser: Browser | undefined;
    let page: Page;
    let problems: PageProblems;
    let tmp: { dir: string; cleanup: () => Promise<void> } | undefined;
    let src = '';
    let targetDir = '';
    const overflow: Record<string, number> = {};

    beforeAll(async () => {
      tmp = await tempDir('caretaker-e2e-backups-');
      src = path.join(tmp.dir, 'office', 'shares');
      targetDir = path.join(tmp.dir, 'usb-disk');
      await mkdir(path.join(src, 'contracts'), { recursive: true });
      await mkdir(path.join(src, 'photos', '2026'), { recursive: true });
      await writeFile(path.join(src, 'contracts', 'lease.txt'), CONTRACT);
      await writeFile(path.join(src, 'contracts', 'insurance.txt'), 'Policy 42\n');
      await writeFile(path.join(src, 'photos', '2026', 'team.jpg'), Buffer.alloc(300_000, 1));
      await writeFile(path.join(src, 'todo list.txt'), 'call the plumber\n');
      await symlink('/etc/hostname', path.join(src, 'hostname-link'));
      // With the bandwidth limit below, the first run lasts long enough to be watched.
      await writeFile(path.join(src, 'archive.bin'), Buffer.alloc(12 * 1024 * 1024, 3));

      t = await createTestApp();
      await setupAdmin(t);
      const port = await freePort();
      server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port });
      base = `http://127.0.0.1:${port}`;
      browser = await launchBrowser();
      ({ page, problems } = await watchedContext(browser));
      page.setDefaultTimeout(15_000);
    }, 120_000);

    afterAll(async () => {
      await closeBrowser(browser);
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      await t?.deps.backups.stop();
      await t?.close();
      await tmp?.cleanup();
    });

    const url = (p: string) => `${base}${p}`;
    const snap = async (name: string) => {
      overflow[name] = await screenshots(page, `backups-${name}`);
      const y = await page.evaluate('window.scrollY');
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({
        path: path.join(SCREENSHOT_DIR, `backups-${name}-desktop-full.png`),
        fullPage: true,
      });
      await page.evaluate(`window.scrollTo(0, ${String(y)})`);
      // Playwright's screenshot leaves style="" behind, which htmx would settle (and the CSP
      // would report) on the next swap.
      await page.evaluate(
        'document.querySelectorAll(\'[style=""]\').forEach((e) => e.removeAttribute("style"))',
      );
    };

    it('backs up, loses a file, finds it in a snapshot and restores it from the UI', async () => {
      const app = t!;
      await page.goto(url('/login'));
      await page.fill('#f-username', ADMIN.username);
      await page.fill('#f-password', ADMIN.password);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/'),
        page.getByRole('button', { name: 'Log in' }).click(),
      ]);

      // ---- an empty Backups area says what to do first -----------------------------------------
      await page.locator('.sidenav').getByRole('link', { name: 'Backups' }).click();
      await page.waitForURL((u) => u.pathname === '/backups');
      await expect(page.locator('main').textContent()).resolves.toContain('Add a target first');
      await snap('empty');

      // ---- a target: a refused form first, then a good one -------------------------------------
      await page.locator('main').getByRole('link', { name: 'Add a target' }).click();
      await page.waitForURL((u) => u.pathname === '/backups/targets/new');
      // the disk's UUID field only shows for a disk
      await expect.poll(() => page.locator('#f-uuid').isVisible()).toBe(false);
      await page.selectOption('#f-kind', 'disk');
      await expect.poll(() => page.locator('#f-uuid').isVisible()).toBe(true);
      await snap('target-disk');
      await page.selectOption('#f-kind', 'local');
      await page.fill('#f-name', 'USB disk');
      await page.fill('#f-path', 'usb-disk');
      problems.expectStatus('/backups/targets', 422);
      await page.getByRole('button', { name: 'Add target' }).click();
      await expect.poll(() => page.locator('#f-path').getAttribute('aria-invalid')).toBe('true');
      await expect(page.locator('#f-path-err').textContent()).resolves.toMatch(/absolute path/);
      await snap('target-errors');
      await page.fill('#f-path', targetDir);
      await page.fill('#f-minFreeMiB', '1');
      await page.getByRole('button', { name: 'Add target' }).click();
      await page.waitForURL((u) => u.pathname === '/backups' && u.searchParams.has('done'));
      await expect(page.locator('#targets').textContent()).resolves.toContain('ready');

      // ---- a job ------------------------------------------------------------------------------
      await page.locator('.head-actions').getByRole('link', { name: 'Add job' }).click();
      await page.waitForURL((u) => u.pathname === '/backups/jobs/new');
      // (app.js hides the custom schedule once htmx has swapped the page in)
      await expect.poll(() => page.locator('#f-scheduleCustom').isVisible()).toBe(false);
      await page.fill('#f-name', 'Office shares');
      await page.fill('#f-sources', src);
      await page.fill('#f-exclude', '*.tmp');
      await page.fill('#f-bwlimitKiB', '2048');
      await snap('job-new');
      await page.getByRole('button', { name: 'Add job' }).click();
      await page.waitForURL(
        (u) => /^\/backups\/jobs\/[\w-]+$/.test(u.pathname) && u.searchParams.has('done'),
      );
      const jobPath = new URL(page.url()).pathname;
      const jobId = jobPath.split('/').pop()!;
      await expect(page.locator('h1').textContent()).resolves.toContain('Office shares');

      // ---- run it from the overview, and watch it in place --------------------------------------
      await page.goto(url('/backups'));
      await page.evaluate('window.__notReloaded = true');
      const card = page.locator(`#job-${jobId}`);
      await expect(card.textContent()).resolves.toContain('never');
      await card.getByRole('button', { name: 'Run now' }).click();
      await expect.poll(() => card.locator('.backup-progress').count()).toBe(1);
      await expect(card.getByRole('button', { name: 'Running…' }).isDisabled()).resolves.toBe(true);
      await expect
        .poll(() => card.locator('progress').getAttribute('value'), { timeout: 10_000 })
        .not.toBe('0');
      await snap('running');
      await expect
        .poll(() => card.locator('.last-run .badge').textContent(), { timeout: 30_000 })
        .toBe('succeeded');
      await expect(card.locator('.backup-progress').count()).resolves.toBe(0);
      await expect(card.locator('.freshness').textContent()).resolves.toBe('just now');
      await expect(page.evaluate('window.__notReloaded')).resolves.toBe(true);
      await snap('overview');

      // the run in the job's history, opened
      await card.getByRole('link', { name: 'History' }).click();
      await page.waitForURL((u) => u.pathname === jobPath);
      await page.locator('#run-history li > details > summary').first().click();
      await expect(
        page.locator('#run-history li').first().locator('.run-details').isVisible(),
      ).resolves.toBe(true);
      await snap('job');

      // ---- a file is lost, and a second backup runs (from the job page) --------------------------
      await rm(path.join(src, 'contracts', 'lease.txt'));
      await rm(path.join(src, 'archive.bin'));
      await page.locator('#job-live').getByRole('button', { name: 'Run now' }).click();
      await expect
        .poll(() => page.locator('#run-history > ol > li').count(), { timeout: 30_000 })
        .toBe(2);
      await expect(page.locator('#job-live .last-run .badge').textContent()).resolves.toBe(
        'succeeded',
      );

      // ---- a restore test, started by hand from the job page ---------------------------------------
      await page
        .locator('.head-actions')
        .getByRole('button', { name: 'Run restore test now' })
        .click();
      await expect
        .poll(() => page.locator('.notice.ok').first().textContent(), { timeout: 30_000 })
        .toMatch(/^Restore test of .* passed: \d+ files? of snapshot .* restored and compared\.$/);
      await expect(page.locator('#run-history > ol > li').count()).resolves.toBe(3);
      await expect(page.locator('#run-history > ol > li').first().textContent()).resolves.toContain(
        'Restore test',
      );
      await snap('job-restore-test');

      // ---- the retention preview on the edit form (htmx, nothing saved) ---------------------------
      await page.locator('.head-actions').getByRole('link', { name: 'Edit' }).click();
      await page.waitForURL((u) => u.pathname === `${jobPath}/edit`);
      await page.evaluate('window.__notReloaded = true');
      await page.fill('#f-keepLast', '1');
      await page.fill('#f-keepAllDays', '0');
      await page.fill('#f-dailyDays', '0');
      await page.fill('#f-weeklyWeeks', '0');
      await page.fill('#f-monthlyMonths', '0');
      await page.getByRole('button', { name: 'Preview' }).click();
      await expect
        .poll(() => page.locator('#retention-preview').textContent())
        .toContain('1 snapshot kept');
      await expect(page.locator('#retention-preview tr.remove').count()).resolves.toBe(1);
      await expect(page.evaluate('window.__notReloaded')).resolves.toBe(true);
      await expect(page.locator('#f-keepLast').inputValue()).resolves.toBe('1');
      await snap('job-edit-preview');
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.waitForURL((u) => u.pathname === jobPath);

      // ---- find it in the snapshot browser ----------------------------------------------------
      await page.locator('.head-actions').getByRole('link', { name: 'Browse snapshots' }).click();
      await page.waitForURL((u) => u.pathname === `${jobPath}/snapshots`);
      await expect(page.locator('table.snapshots tbody tr').count()).resolves.toBe(2);
      await snap('snapshots');
      // the newest snapshot no longer has it ...
      await page.fill('#f-q', 'lease');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL((u) => u.pathname === `${jobPath}/search`);
      const results = page.locator('table.search-results tbody tr');
      await expect(results.count()).resolves.toBe(1);
      await snap('search');
      // ... the older one does: open its folder from the result
      await results
        .first()
        .getByRole('link', { name: /lease\.txt$/ })
        .click();
      await page.waitForURL((u) => u.searchParams.get('path')?.endsWith('contracts') === true);
      const row = page.locator('table.entries tr', { hasText: 'lease.txt' });
      await expect(row.count()).resolves.toBe(1);
      await expect(page.locator('nav.path-crumbs strong').textContent()).resolves.toBe('contracts');
      // up one folder with the breadcrumbs: folders first, the symlink shown, not followed
      await page
        .locator('nav.path-crumbs')
        .getByRole('link', { name: 'shares', exact: true })
        .click();
      await page.waitForURL((u) => u.searchParams.get('path')?.endsWith('shares') === true);
      const kinds = await page
        .locator('table.entries tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.className.replace('entry e-', '')));
      expect(kinds.slice(0, 2)).toEqual(['dir', 'dir']);
      await expect(page.locator('tr.e-symlink').textContent()).resolves.toContain('/etc/hostname');
      await expect(
        page.locator('tr.e-symlink a', { hasText: 'hostname-link' }).count(),
      ).resolves.toBe(0);
      await snap('folder');
      await page
        .locator('table.entries')
        .getByRole('link', { name: 'contracts', exact: true })
        .click();
      await page.waitForURL((u) => u.searchParams.get('path')?.endsWith('contracts') === true);

      // its versions: there once, gone now
      await row.getByRole('link', { name: 'Versions' }).click();
      await page.waitForURL((u) => u.pathname === `${jobPath}/versions`);
      await expect(
        page.locator('table.versions tbody tr').first().textContent(),
      ).resolves.toContain('not there');
      await snap('versions');
      await page.goBack();
      await page.waitForURL((u) => u.searchParams.get('path')?.endsWith('contracts') === true);

      // download it (the link is a real download, not an htmx swap)
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        row.getByRole('link', { name: 'Download' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('lease.txt');
      expect(await readFile((await download.path())!, 'utf8')).toBe(CONTRACT);

      // ---- restore it to its original place -------------------------------------------------------
      await row.getByRole('link', { name: 'Restore' }).click();
      await page.waitForURL((u) => u.pathname.endsWith('/restore'));
      await expect(page.locator('#f-destination-original').isChecked()).resolves.toBe(true);
      await expect(page.locator('.restore-form').textContent()).resolves.toContain(
        'Files that are newer on the source are kept unless you tick Overwrite.',
      );
      await expect.poll(() => page.locator('#f-directory').isVisible()).toBe(false);
      await snap('restore-form');
      await page.getByRole('button', { name: 'Restore' }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/backups/runs/'));
      await expect
        .poll(() => page.locator('#run-live .run-status').textContent(), { timeout: 30_000 })
        .toBe('succeeded');
      await expect(page.locator('#run-live').textContent()).resolves.toContain('is back in');
      await snap('restored');
      expect(await readFile(path.join(src, 'contracts', 'lease.txt'), 'utf8')).toBe(CONTRACT);
      const runs = await app.store.backups.runsOf(jobId, 5);
      expect(runs.map((r) => `${r.kind}:${r.status}`)).toEqual([
        'restore:succeeded',
        'restore-test:succeeded',
        'backup:succeeded',
        'backup:succeeded',
      ]);

      expect(problems.list, 'browser console errors or CSP violations').toEqual([]);
      expect(
        Object.entries(overflow).filter(([, px]) => px > 0),
        'pages wider than a 390 px phone screen',
      ).toEqual([]);
    }, 180_000);
  },
);
