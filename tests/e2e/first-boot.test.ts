/**
 * First boot in a real browser against the real built service: claim the box with the setup code,
 * log out and in, create an API token and use it, and make sure the secret is shown only once.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  browserSkipReason,
  startBrowserSession,
  type BrowserSession,
  type PageProblems,
} from '../helpers/browser.js';
import type { ServiceProcess } from '../helpers/service-process.js';

const skipReason = browserSkipReason();
const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

describe.skipIf(skipReason !== undefined)(
  `first boot in the browser${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let session: BrowserSession | undefined;
    let service: ServiceProcess;
    let page: Page;
    let problems: PageProblems;

    beforeAll(async () => {
      session = await startBrowserSession();
      ({ service, page, problems } = session);
    });

    afterAll(async () => {
      await session?.close();
    });

    const url = (p: string) => session!.url(p);
    const pathOf = (u: string) => {
      const { pathname, search } = new URL(u);
      return pathname + search;
    };

    async function fillSetup(code: string): Promise<void> {
      await page.fill('#f-setupCode', code);
      await page.fill('#f-username', ADMIN.username);
      await page.fill('#f-password', ADMIN.password);
      await page.fill('#f-confirm', ADMIN.password);
    }

    it('claims the box, logs out and in, and creates an API token shown once', async () => {
      const s = service;
      const codeFile = path.join(s.dataDir, 'setup-code');
      const code = (await readFile(codeFile, 'utf8')).trim();
      expect(code).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);

      // A fresh box sends everyone to the setup page.
      await page.goto(url('/'));
      expect(pathOf(page.url())).toBe('/setup');

      // A wrong code is refused next to its field, and the box stays unclaimed.
      await fillSetup('AAAA-BBBB-CCCC-DDDD');
      problems.expectStatus('/setup', 403);
      problems.expectStatus('/setup', 422);
      await page.click('button[type=submit]');
      await page.waitForLoadState('domcontentloaded');
      const codeField = page.locator('.field', { has: page.locator('#f-setupCode') });
      expect(
        await codeField.locator('.error-text').count(),
        `an error next to the setup code field; the page says: ${await page.locator('main').innerText()}`,
      ).toBe(1);
      expect(await codeField.locator('.error-text').textContent()).toMatch(/not correct/i);
      expect(await page.getAttribute('#f-setupCode', 'aria-invalid')).toBe('true');
      expect(existsSync(codeFile), 'the setup code is still valid').toBe(true);
      const still = await fetch(url('/setup'), { redirect: 'manual' });
      expect(still.status, 'GET /setup still offers setup').toBe(200);
      const noSession = await fetch(url('/api/v1/me'));
      expect(noSession.status).toBe(401);

      // The right code creates the admin and logs them in.
      await fillSetup(code);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/settings'),
        page.click('button[type=submit]'),
      ]);
      expect(pathOf(page.url())).toBe('/settings?welcome=1');
      expect(await page.locator('.usermenu .who').textContent()).toContain(ADMIN.username);
      expect(existsSync(codeFile), 'the used setup code file is removed').toBe(false);
      const closed = await fetch(url('/setup'), { redirect: 'manual' });
      expect(closed.status).toBe(303);
      expect(closed.headers.get('location')).toBe('/login');

      // Log out from the top bar.
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/login'),
        page.getByRole('button', { name: 'Log out' }).click(),
      ]);
      expect(pathOf(page.url())).toBe('/login?bye=1');
      expect(await page.locator('.notice.ok').textContent()).toMatch(/logged out/i);

      // Log in again with the password.
      await page.fill('#f-username', ADMIN.username);
      await page.fill('#f-password', ADMIN.password);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/'),
        page.getByRole('button', { name: 'Log in' }).click(),
      ]);
      expect(await page.locator('.usermenu .who').textContent()).toContain(ADMIN.username);

      // Create a read token; the page shows it once.
      await page.goto(url('/settings/tokens'));
      await page.fill('#f-name', 'HQ Prometheus');
      await page.selectOption('#f-scope', 'read');
      await page.getByRole('button', { name: 'Create token' }).click();
      const secret = page.locator('pre.secret');
      await secret.waitFor({ state: 'visible' });
      const token = ((await secret.textContent()) ?? '').trim();
      expect(token).toMatch(/^ct_\S+$/);

      const me = await fetch(url('/api/v1/me'), { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      const body = (await me.json()) as { kind: string; token: { scope: string; name: string } };
      expect(body.kind).toBe('token');
      expect(body.token.scope).toBe('read');
      expect(body.token.name).toBe('HQ Prometheus');

      // Loaded again, the page lists the token but never shows its secret.
      await page.goto(url('/settings/tokens'));
      expect(await page.locator('pre.secret').count()).toBe(0);
      expect(await page.content()).not.toContain(token);
      expect(await page.locator('table').textContent()).toContain('HQ Prometheus');

      // Log out; the session is over in the browser and on the server.
      const sessionCookies = (await page.context().cookies(s.url))
        .map((c) => `${c.name}=${c.value}`)
        .join('; ');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/login'),
        page.getByRole('button', { name: 'Log out' }).click(),
      ]);
      await page.goto(url('/'));
      expect(pathOf(page.url())).toBe('/login');
      const stale = await fetch(url('/api/v1/me'), { headers: { cookie: sessionCookies } });
      expect(stale.status, 'the old session cookie no longer works').toBe(401);

      expect(problems.list, 'browser console errors or CSP violations').toEqual([]);
    }, 90_000);
  },
);
