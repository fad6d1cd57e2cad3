/**
 * HTTP on loopback for traps.bench.ts: a signed-in client (setup code → first admin → session
 * cookie and CSRF token) over one keep-alive connection, as a browser tab would hold, and the UI
 * latency probe that GETs a page on a fixed schedule while the storm runs.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { LOOPBACK, sleep } from './lib.js';

const ADMIN = { username: 'admin', password: 'trap bench admin password' };

export interface Answer {
  status: number;
  ms: number;
  body: string;
  setCookie: string[];
}

function request(
  agent: http.Agent,
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: LOOPBACK,
        port,
        method,
        path: urlPath,
        agent,
        timeout: timeoutMs,
        headers: {
          ...headers,
          ...(body !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            body: Buffer.concat(chunks).toString('utf8'),
            setCookie: res.headers['set-cookie'] ?? [],
          }),
        );
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.once('error', reject);
    req.end(body);
  });
}

/** A client of the appliance's API and pages, signed in as the admin it creates. */
export class Client {
  private cookie = '';
  private csrf = '';
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(readonly port: number) {}

  async call(
    method: string,
    urlPath: string,
    body?: unknown,
    timeoutMs = 10_000,
  ): Promise<Answer & { json: unknown }> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const a = await request(
      this.agent,
      this.port,
      method,
      urlPath,
      headers,
      body === undefined ? undefined : JSON.stringify(body),
      timeoutMs,
    );
    const session = a.setCookie.find((c) => c.startsWith('ct_session='));
    if (session) this.cookie = session.split(';')[0]!;
    let json: unknown;
    try {
      json = a.body ? JSON.parse(a.body) : undefined;
    } catch {
      json = undefined;
    }
    return { ...a, json };
  }

  /** GET that must answer 200 with JSON. */
  async getJson<T>(urlPath: string, timeoutMs = 10_000): Promise<T> {
    const a = await this.call('GET', urlPath, undefined, timeoutMs);
    if (a.status !== 200) throw new Error(`GET ${urlPath} answered ${a.status}: ${a.body}`);
    return a.json as T;
  }

  /** Claims a fresh appliance with its setup code and signs in as the new admin. */
  async claim(setupCode: string): Promise<void> {
    const s = await this.call('POST', '/api/v1/setup', {
      setupCode,
      username: ADMIN.username,
      password: ADMIN.password,
    });
    if (s.status !== 201) throw new Error(`setup failed: ${s.status} ${s.body}`);
    await this.login();
  }

  /** Signs in as the admin claim() created (again, after a restart). */
  async login(): Promise<void> {
    this.cookie = '';
    this.csrf = '';
    const l = await this.call('POST', '/api/v1/session', ADMIN);
    if (l.status !== 201) throw new Error(`login failed: ${l.status} ${l.body}`);
    this.csrf = (l.json as { csrfToken: string }).csrfToken;
    if (!this.cookie) throw new Error('login set no session cookie');
  }

  /** The same session on a connection of its own (the UI probe must not queue behind polls). */
  fork(): Client {
    const c = new Client(this.port);
    c.cookie = this.cookie;
    c.csrf = this.csrf;
    return c;
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LatencySamples {
  /** Milliseconds from sending a request to the end of its body. */
  ms: number[];
  statuses: Record<string, number>;
  errors: number;
  firstError?: string;
  /** Requests sent later than their slot because the previous one was still running. */
  late: number;
  bytes: number;
}

/**
 * GETs `urlPath` every `everyMs` (on a fixed schedule; a request still running when its next slot
 * comes delays that one, counted as late) until `stop` resolves.
 */
export async function probeLatency(
  client: Client,
  urlPath: string,
  everyMs: number,
  stop: Promise<unknown>,
): Promise<LatencySamples> {
  const out: LatencySamples = { ms: [], statuses: {}, errors: 0, late: 0, bytes: 0 };
  let stopped = false;
  void stop.finally(() => (stopped = true));
  let slot = performance.now();
  while (!stopped) {
    try {
      const a = await client.call('GET', urlPath, undefined, 10_000);
      out.ms.push(a.ms);
      out.statuses[a.status] = (out.statuses[a.status] ?? 0) + 1;
      out.bytes = a.body.length;
    } catch (err) {
      out.errors++;
      out.firstError ??= err instanceof Error ? err.message : String(err);
    }
    slot += everyMs;
    const wait = slot - performance.now();
    if (wait > 0) await sleep(wait);
    else {
      out.late++;
      slot = performance.now();
    }
  }
  return out;
}
