import { readFile } from 'node:fs/promises';
import { configSchema, type Config, type ConfigInput } from '../../src/config/schema.js';
import { buildServices, type Services } from '../../src/main.js';
import { createLogger } from '../../src/lib/logger.js';
import type { Clock } from '../../src/core/time.js';
import { setupCodePath } from '../../src/auth/setup-service.js';
import { tempDir } from './temp-dir.js';

export interface TestApp extends Services {
  config: Config;
  dataDir: string;
  /** Sends a request through app.request() (no network), keeping cookies like a browser. */
  request(path: string, init?: RequestInit & { jar?: CookieJar }): Promise<Response>;
  close(): Promise<void>;
}

/** A minimal cookie jar: enough to carry the session and pre-session CSRF cookies between calls. */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

export class ManualClock implements Clock {
  constructor(public t = Date.parse('2026-11-26T12:00:00Z')) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export async function createTestApp(
  overrides: Partial<ConfigInput> = {},
  opts: { clock?: Clock; startJobs?: boolean } = {},
): Promise<TestApp> {
  const tmp = await tempDir();
  const config = configSchema.parse({ dataDir: tmp.dir, logLevel: 'silent', ...overrides });
  const services = await buildServices(config, {
    logger: createLogger('silent'),
    ...(opts.clock ? { clock: opts.clock } : {}),
    startJobs: opts.startJobs ?? false,
  });
  const request = async (p: string, init: RequestInit & { jar?: CookieJar } = {}) => {
    const { jar, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (jar && jar.cookies.size) headers.set('cookie', jar.header());
    if (!headers.has('host')) headers.set('host', 'localhost');
    const res = await services.app.request(`http://localhost${p}`, { ...rest, headers });
    jar?.store(res);
    return res;
  };
  return {
    ...services,
    config,
    dataDir: tmp.dir,
    request,
    close: async () => {
      await services.scheduler.stop();
      await services.deps.traps.stop();
      await services.deps.incidents.stop();
      await services.deps.notifications.stop();
      await services.store.close();
      await tmp.cleanup();
    },
  };
}

export async function readSetupCode(dataDir: string): Promise<string> {
  return (await readFile(setupCodePath(dataDir), 'utf8')).trim();
}

export const ADMIN = { username: 'admin', password: 'correct horse battery' };

/** Completes setup through the API and returns the admin's session (cookie jar + CSRF token). */
export async function setupAdmin(t: TestApp): Promise<{ jar: CookieJar; csrf: string }> {
  const code = await readSetupCode(t.dataDir);
  const res = await t.request('/api/v1/setup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ setupCode: code, ...ADMIN }),
  });
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  return login(t, ADMIN.username, ADMIN.password);
}

export async function login(
  t: TestApp,
  username: string,
  password: string,
): Promise<{ jar: CookieJar; csrf: string }> {
  const jar = new CookieJar();
  const res = await t.request('/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    jar,
  });
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string };
  return { jar, csrf: body.csrfToken };
}

/** JSON request helper for a logged-in session. */
export function jsonInit(
  method: string,
  s: { jar: CookieJar; csrf: string } | undefined,
  body?: unknown,
): RequestInit & { jar?: CookieJar } {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (s) headers['x-csrf-token'] = s.csrf;
  return {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(s ? { jar: s.jar } : {}),
  };
}

/** An API answer as tests check it: the status and the parsed JSON body (or the raw text). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked with matchers
export type ApiAnswer = { status: number; json: any; text: string };

/**
 * `api(method, path, body)` against /api/v1 as a logged-in session (cookie and CSRF header), and
 * `finishedRun(id)`, which polls a backup run until it is no longer running.
 */
export function sessionApi(t: TestApp, s: { jar: CookieJar; csrf: string }) {
  const api = async (method: string, p: string, body?: unknown): Promise<ApiAnswer> => {
    const res = await t.request(`/api/v1${p}`, {
      method,
      jar: s.jar,
      headers: {
        'x-csrf-token': s.csrf,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
  };
  const finishedRun = async (runId: string, timeoutMs = 60_000): Promise<ApiAnswer['json']> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await api('GET', `/backup/runs/${encodeURIComponent(runId)}`);
      if (r.json.run.status !== 'running') return r.json.run;
      if (Date.now() > end) throw new Error(`run ${runId} did not finish`);
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  return { api, finishedRun };
}
export type SessionApi = ReturnType<typeof sessionApi>;
