/**
 * Done-when of the HQ Prometheus endpoint: a real Prometheus server (Debian package `prometheus`)
 * scrapes the built appliance, run as a process on 127.0.0.1, every second with a read token from
 * a credentials file, sees the target up, and answers a query for caretaker_info. Both processes
 * are stopped by PID and their directories removed, also when a step fails.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { which } from '../helpers/prometheus-tools.js';
import { ADMIN } from '../helpers/app.js';

const PROMETHEUS = which('prometheus');
const cleanups: Array<() => Promise<unknown>> = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Starts a program (argument array) and returns a stop() that SIGTERMs, then SIGKILLs, its PID. */
function startProgram(program: string, args: string[]) {
  const child: ChildProcess = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-32 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const stop = async () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid, 'SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') process.kill(child.pid, 'SIGKILL');
    await exited;
  };
  return { child, stop, output: () => out };
}

async function until<T>(what: string, get: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await get();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${String(last ?? '')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Claims the fresh box, signs in and creates a `read` token through the API. */
async function readTokenFor(svc: ServiceProcess): Promise<string> {
  const setupCode = (await readFile(path.join(svc.dataDir, 'setup-code'), 'utf8')).trim();
  const setup = await fetch(`${svc.url}/api/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ setupCode, ...ADMIN }),
  });
  expect(setup.status).toBe(201);
  const login = await fetch(`${svc.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(login.status).toBe(201);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const tok = await fetch(`${svc.url}/api/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'hq-prometheus', scope: 'read' }),
  });
  expect(tok.status).toBe(201);
  return ((await tok.json()) as { token: string }).token;
}

describe.skipIf(!PROMETHEUS)('a real Prometheus server scrapes the appliance', () => {
  it('sees the box up and answers a query for caretaker_info', { timeout: 120_000 }, async () => {
    const svc = await startServiceProcess({ logLevel: 'warn' });
    cleanups.push(() => svc.stop());
    const token = await readTokenFor(svc);

    const work = await tempDir('caretaker-prom-');
    cleanups.push(work.cleanup);
    const tokenFile = path.join(work.dir, 'box.token');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: caretaker',
      '    metrics_path: /metrics',
      '    authorization:',
      `      credentials_file: ${JSON.stringify(tokenFile)}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${svc.port}']`,
      '        labels:',
      '          site: test-branch',
      '',
    ].join('\n');
    const configFile = path.join(work.dir, 'prometheus.yml');
    await writeFile(configFile, config);
    const promPort = await freePort();
    const prom = startProgram(PROMETHEUS!, [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(work.dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ]);
    cleanups.push(prom.stop);
    const api = `http://127.0.0.1:${promPort}/api/v1`;

    try {
      const target = await until(
        'the target to be up',
        async () => {
          const r = (await (await fetch(`${api}/targets`)).json()) as {
            data: { activeTargets: Array<{ health: string; lastError: string; labels: object }> };
          };
          const t = r.data.activeTargets[0];
          return t?.health === 'up' ? t : undefined;
        },
        60_000,
      );
      expect(target.labels).toMatchObject({ job: 'caretaker', site: 'test-branch' });

      const info = await until(
        'caretaker_info in a query',
        async () => {
          const r = (await (
            await fetch(`${api}/query?query=${encodeURIComponent('caretaker_info')}`)
          ).json()) as {
            status: string;
            data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
          };
          return r.data.result[0];
        },
        30_000,
      );
      expect(info.value[1]).toBe('1');
      // HQ's target label `site` wins; the box's own site name is kept as exported_site.
      expect(info.metric).toMatchObject({
        __name__: 'caretaker_info',
        job: 'caretaker',
        instance: `127.0.0.1:${svc.port}`,
        site: 'test-branch',
        exported_site: 'Branch office',
      });
      expect(info.metric.version).toMatch(/^\d+\.\d+\.\d+/);
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\n--- prometheus ---\n${prom.output()}\n--- caretaker ---\n${svc.output()}`,
        { cause: err },
      );
    }
  });
});
