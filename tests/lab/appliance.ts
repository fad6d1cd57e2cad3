/**
 * The appliance under test, run the way the box runs it (the built CLI), inside the lab's
 * appliance namespace: nmap and every SNMP poll leave from there, where there is no default
 * route. The test runner reaches its HTTP server over the lab's management link.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Lab } from './lab.js';
import { SERVICE_ENV } from './service-env.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

export interface LabAppliance {
  url: string;
  dataDir: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM by PID (SIGKILL after 5 s); resolves with the exit code. Never throws. */
  stop(): Promise<number | null>;
  /** kill -9, as a crash would. */
  crash(): Promise<void>;
}

export async function startApplianceInLab(
  lab: Lab,
  opts: {
    config?: Record<string, unknown>;
    dataDir?: string;
    port?: number;
    readyTimeoutMs?: number;
    /** More node flags (e.g. --cpu-prof for a benchmark), after those the box runs with. */
    nodeArgs?: string[];
    /** More environment (e.g. a benchmark trying an allocator setting), over the box's own. */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<LabAppliance> {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'caretaker-lab-app-')));
  const ownsDir = !opts.dataDir;
  const port = opts.port ?? 8080;
  const configFile = path.join(dataDir, 'test-config.json');
  await writeFile(configFile, JSON.stringify(opts.config ?? {}));
  const child = lab.spawnInApp(
    [
      '/usr/bin/env',
      process.execPath,
      // The flags of `npm start` and system/caretaker.service (see there why).
      '--max-semi-space-size=2',
      '--heap-growing-percent=30',
      ...(opts.nodeArgs ?? []),
      CLI,
      'serve',
    ],
    {
      CARETAKER_CONFIG: configFile,
      CARETAKER_DATA_DIR: dataDir,
      CARETAKER_HOST: '0.0.0.0',
      CARETAKER_PORT: String(port),
      CARETAKER_LOG_LEVEL: 'info',
      // What the box's unit sets besides (malloc's arenas; see there).
      ...SERVICE_ENV,
      ...opts.env,
    },
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT },
  );
  let out = '';
  const append = (b: Buffer) => {
    out += b.toString();
    if (out.length > 256 * 1024) out = out.slice(-256 * 1024);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://${lab.appliance.mgmtIp}:${port}`;
  const stop = async () => {
    try {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        const code = await exited;
        clearTimeout(t);
        return code;
      }
      return child.exitCode;
    } finally {
      if (ownsDir) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    }
  };
  const crash = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the appliance exited (${child.exitCode}):\n${out}`);
    }
    try {
      if ((await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the appliance did not answer on ${url}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, dataDir, child, output: () => out, stop, crash };
}

/** A tiny API client with a cookie jar and the CSRF token, for driving the appliance like HQ or a browser. */
export class ApiClient {
  private cookie = '';
  private csrf = '';
  constructor(readonly base: string) {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON with matchers
  async call(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf) headers['x-csrf-token'] = this.csrf;
    const res = await fetch(`${this.base}${p}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('ct_session='));
    if (set) this.cookie = set.split(';')[0]!;
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  }

  /** Claims a fresh appliance with its setup code and logs in as admin. */
  async claim(
    setupCode: string,
    username = 'admin',
    password = 'lab admin password',
  ): Promise<void> {
    const s = await this.call('POST', '/api/v1/setup', { setupCode, username, password });
    if (s.status !== 201) throw new Error(`setup failed: ${s.status} ${JSON.stringify(s.json)}`);
    const l = await this.call('POST', '/api/v1/session', { username, password });
    if (l.status !== 201) throw new Error(`login failed: ${l.status}`);
    this.csrf = l.json.csrfToken;
  }
}
