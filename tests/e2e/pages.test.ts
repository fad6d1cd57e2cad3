/**
 * A tour of every page an admin sees on a freshly set-up box, on a desktop and a phone screen:
 * no console errors or CSP violations, nothing wider than the phone, and a screenshot of each in
 * tests/artifacts/screenshots/ for a person to look at.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  browserSkipReason,
  screenshots,
  startBrowserSession,
  type BrowserSession,
  type PageProblems,
} from '../helpers/browser.js';
import type { ServiceProcess } from '../helpers/service-process.js';

const skipReason = browserSkipReason();
const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

describe.skipIf(skipReason !== undefined)(
  `every page in the browser${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let session: BrowserSession | undefined;
    let service: ServiceProcess;
    let page: Page;
    let problems: PageProblems;
    const overflow: Record<string, number> = {};

    beforeAll(async () => {
      session = await startBrowserSession();
      ({ service, page, problems } = session);
    });

    afterAll(async () => {
      await session?.close();
    });

    const url = (p: string) => session!.url(p);
    const snap = async (name: string) => {
      expect(await page.evaluate('document.compatMode'), `${name} renders in standards mode`).toBe(
        'CSS1Compat',
      );
      overflow[name] = await screenshots(page, name);
    };
    const submit = async (button: string, to: (u: URL) => boolean) => {
      await Promise.all([page.waitForURL(to), page.getByRole('button', { name: button }).click()]);
    };

    it('renders each page cleanly on desktop and phone', async () => {
      const code = (await readFile(path.join(service.dataDir, 'setup-code'), 'utf8')).trim();

      await page.goto(url('/setup'));
      await snap('setup');
      await page.fill('#f-setupCode', code);
      await page.fill('#f-username', ADMIN.username);
      await page.fill('#f-password', ADMIN.password);
      await page.fill('#f-confirm', ADMIN.password);
      await submit('Create admin and log in', (u) => u.pathname === '/settings');
      await snap('welcome');
      await submit('Log out', (u) => u.pathname === '/login');

      await page.fill('#f-username', ADMIN.username);
      await page.fill('#f-password', 'not the password');
      problems.expectStatus('/login', 401);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.locator('.notice.error').waitFor();
      await snap('login-error');

      await page.fill('#f-password', ADMIN.password);
      await submit('Log in', (u) => u.pathname === '/');
      await snap('dashboard');

      await page.goto(url('/settings'));
      await snap('settings-site');

      await page.goto(url('/settings/users'));
      await page.fill('#f-username', 'jdoe');
      await page.fill('#f-displayName', 'Jane Doe');
      await page.selectOption('#f-role', 'operator');
      await page.fill('#f-password', 'another long passphrase');
      await page.getByRole('button', { name: 'Add user' }).click();
      await page.locator('.notice.ok').waitFor();
      await snap('settings-users');

      await page.goto(url('/settings/tokens'));
      await page.fill('#f-name', 'HQ Prometheus');
      await page.selectOption('#f-scope', 'read');
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.locator('pre.secret').waitFor();
      await snap('settings-tokens');

      await page.goto(url('/settings/audit'));
      await snap('settings-audit');

      await page.goto(url('/settings/jobs'));
      await snap('settings-jobs');

      await page.goto(url('/devices'));
      await snap('area-devices');

      await page.goto(url('/account'));
      await snap('account');

      problems.expectStatus('/no/such/page', 404);
      const res = await page.goto(url('/no/such/page'));
      expect(res?.status()).toBe(404);
      await snap('not-found');

      expect(problems.list, 'browser console errors or CSP violations').toEqual([]);
      expect(
        Object.entries(overflow).filter(([, px]) => px > 0),
        'pages wider than a 390 px phone screen',
      ).toEqual([]);
    }, 120_000);
  },
);
