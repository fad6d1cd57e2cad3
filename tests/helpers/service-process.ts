/**
 * The real built service (`node dist/src/cli.js`) as a child process, for tests that need what a
 * user runs: the CLI, signals, the HTTP server. Everything started here has a teardown that never
 * throws, so afterAll/afterEach can call it even when a test failed half-way.
 */
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { tempDir } from './temp-dir.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const OUTPUT_LIMIT = 64 * 1024;

export function assertBuilt(): void {
  if (!existsSync(CLI)) {
    throw new Error(
      `${path.relative(ROOT, CLI)} does not exist: run "npm run build" first (npm test does).`,
    );
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the caretaker CLI to completion (argument array, no shell). */
export function runCli(
  args: string[],
  env: Record<string, string>,
  input?: string,
  timeoutMs = 20_000,
): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...baseEnv(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`caretaker ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A program that exits without reading its input must not turn into an EPIPE crash.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  /** Everything the service wrote to stdout and stderr so far (bounded), for assertions and failures. */
  output(): string;
  /**
   * SIGTERM by PID, SIGKILL after 5 s; resolves with the exit code. Removes the data directory if
   * it was created here. Never throws.
   */
  stop(): Promise<number | null>;
}

/**
 * Starts `caretaker serve` on 127.0.0.1 and waits until GET /api/v1/health answers. Without a
 * data directory it gets a fresh temporary one. Rejects, after cleaning up, if the service exits or
 * does not answer in time.
 */
export async function startServiceProcess(
  opts: {
    dataDir?: string;
    port?: number;
    env?: Record<string, string>;
    logLevel?: string;
    readyTimeoutMs?: number;
    /** The service speaks HTTPS on its port (tls.enabled in its config). */
    https?: boolean;
  } = {},
): Promise<ServiceProcess> {
  assertBuilt();
  const tmp = opts.dataDir ? undefined : await tempDir('caretaker-svc-');
  const dataDir = opts.dataDir ?? tmp!.dir;
  const port = opts.port ?? (await freePort());
  const url = `${opts.https ? 'https' : 'http'}://127.0.0.1:${port}`;
  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > OUTPUT_LIMIT) out = out.slice(-OUTPUT_LIMIT);
  };
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd: ROOT,
    env: {
      ...baseEnv(),
      CARETAKER_DATA_DIR: dataDir,
      CARETAKER_HOST: '127.0.0.1',
      CARETAKER_PORT: String(port),
      CARETAKER_LOG_LEVEL: opts.logLevel ?? 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  const stop = async (): Promise<number | null> => {
    try {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5_000).unref());
        if ((await Promise.race([exited, timer])) === 'timeout') child.kill('SIGKILL');
      }
      return await exited;
    } catch {
      return null;
    } finally {
      await tmp?.cleanup();
    }
  };
  try {
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the service exited (code ${child.exitCode}, ${child.signalCode})`);
      try {
        if (opts.https) {
          // Readiness only: the certificate is checked by the tests themselves.
          if (
            (await httpsGet(`${url}/api/v1/health`, { rejectUnauthorized: false })).status === 200
          )
            break;
        } else {
          const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1_000) });
          if (res.ok) break;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the service did not answer on ${url} in time`);
      await new Promise((r) => setTimeout(r, 25));
    }
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- service output ---\n${out}`, { cause: err });
  }
  return { child, pid: child.pid ?? -1, port, url, dataDir, output: () => out, stop };
}

/** A GET over HTTPS with explicit trust (fetch cannot be given a CA); the peer certificate too. */
export function httpsGet(
  url: string,
  opts: { ca?: string; rejectUnauthorized?: boolean; headers?: Record<string, string> } = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  fingerprint256?: string;
}> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        ...(opts.ca ? { ca: opts.ca } : {}),
        rejectUnauthorized: opts.rejectUnauthorized ?? true,
        headers: opts.headers ?? {},
        timeout: 5_000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const cert = (res.socket as TLSSocket).getPeerCertificate?.();
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ...(cert?.fingerprint256 ? { fingerprint256: cert.fingerprint256 } : {}),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}
