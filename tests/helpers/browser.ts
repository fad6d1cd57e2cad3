/**
 * End-to-end helpers: Debian's Chromium driven by playwright-core (the service itself comes from
 * service-process.ts). Everything started here has a matching teardown that never throws, so a test
 * can call all of them from afterAll even when it failed half-way.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, startServiceProcess, type ServiceProcess } from './service-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(ROOT, 'tests', 'artifacts', 'screenshots');

/** Why browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `${CHROMIUM} is missing: install the Debian package "chromium" to run the browser tests`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Closes the browser if there is one; never throws. */
export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  await browser?.close().catch(() => undefined);
}

// Runs in every page before its own scripts; CSP violations also reach the console, but this
// names the directive and the blocked resource precisely.
const CSP_LISTENER = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
    ' at ' + (e.sourceFile || e.documentURI) + ':' + e.lineNumber);
});`;

export interface PageProblems {
  /** Console errors, uncaught page errors and CSP violations seen so far. */
  list: string[];
  /**
   * Declares that the next document load of `pathname` answers with `status` on purpose (a form
   * re-rendered with errors, a 404 page): Chromium's "Failed to load resource" line for it is
   * then not counted as a problem.
   */
  expectStatus(pathname: string, status: number): void;
}

/** A browser context whose pages report every console error, page error and CSP violation. */
export async function watchedContext(
  browser: Browser,
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 800 },
  });
  await context.addInitScript({ content: CSP_LISTENER });
  const page = await context.newPage();
  const list: string[] = [];
  const expected: Array<{ pathname: string; status: number }> = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const where = msg.location().url;
    const m = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(text);
    if (m && where) {
      const pathname = new URL(where).pathname;
      const i = expected.findIndex((e) => e.pathname === pathname && e.status === Number(m[1]));
      if (i >= 0) {
        expected.splice(i, 1);
        return;
      }
    }
    list.push(`console error: ${text}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (err) => list.push(`page error: ${err.message}`));
  return {
    context,
    page,
    problems: {
      list,
      expectStatus: (pathname, status) => expected.push({ pathname, status }),
    },
  };
}

/**
 * Saves `<name>-desktop.png` (1280x800) and `<name>-mobile.png` (390x844, full page) of the page
 * as it is now. The viewport is resized in place, so a page that came from a POST is not reloaded.
 * Returns how many CSS pixels the page is wider than the phone screen (0 when nothing overflows).
 */
export async function screenshots(page: Page, name: string): Promise<number> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? { width: 1280, height: 800 };
  try {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-desktop.png`) });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, `${name}-mobile.png`),
      fullPage: true,
    });
    const scrollWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
    return Math.max(0, scrollWidth - 390);
  } finally {
    await page.setViewportSize(original);
  }
}

/** A fresh built service and a watched Chromium page on it: what every browser test starts with. */
export interface BrowserSession {
  service: ServiceProcess;
  browser: Browser;
  page: Page;
  problems: PageProblems;
  url(p: string): string;
  /** Closes the browser and stops the service; never throws. */
  close(): Promise<void>;
}

export async function startBrowserSession(): Promise<BrowserSession> {
  let service: ServiceProcess | undefined;
  let browser: Browser | undefined;
  try {
    service = await startServiceProcess({ logLevel: 'warn' });
    browser = await launchBrowser();
    const { page, problems } = await watchedContext(browser);
    page.setDefaultTimeout(10_000);
    const s = service;
    const b = browser;
    return {
      service: s,
      browser: b,
      page,
      problems,
      url: (p) => `${s.url}${p}`,
      close: async () => {
        await closeBrowser(b);
        await s.stop();
      },
    };
  } catch (err) {
    await closeBrowser(browser);
    await service?.stop();
    throw err;
  }
}
