import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import {
  freePort,
  httpsGet,
  runCli,
  startServiceProcess,
  type ServiceProcess,
} from '../helpers/service-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { loadTls } from '../../src/http/tls.js';
import { redirectTarget } from '../../src/http/redirect-server.js';
import { runProgram } from '../../src/lib/spawn.js';

const running: ServiceProcess[] = [];
const temps: Array<Awaited<ReturnType<typeof tempDir>>> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});
afterAll(async () => {
  for (const t of temps) await t.cleanup();
});

async function work(): Promise<string> {
  const t = await tempDir('caretaker-tls-');
  temps.push(t);
  return t.dir;
}

function plainGet(port: number, p: string, host = `127.0.0.1:${port}`) {
  return new Promise<{ status: number; location?: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: p, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers.location ? { location: res.headers.location } : {}),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function start(dir: string, tls: Record<string, unknown>) {
  const config = path.join(dir, 'caretaker.json');
  await writeFile(config, JSON.stringify({ tls: { enabled: true, ...tls } }));
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const svc = await startServiceProcess({
    dataDir,
    https: true,
    env: { CARETAKER_CONFIG: config },
  });
  running.push(svc);
  return svc;
}

describe('HTTPS on the box', () => {
  it('makes a self-signed certificate on first boot, logs its fingerprint and keeps it', async () => {
    const dir = await work();
    const httpPort = await freePort();
    const svc = await start(dir, { httpPort });
    const cert = await readFile(path.join(svc.dataDir, 'tls', 'cert.pem'), 'utf8');
    const fp = new X509Certificate(cert).fingerprint256;
    // The log names the fingerprint an admin compares with what the browser shows.
    expect(svc.output()).toContain(fp);
    // Trusting exactly that certificate works (it names 127.0.0.1) …
    const health = await httpsGet(`${svc.url}/api/v1/health`, { ca: cert });
    expect(health.status).toBe(200);
    expect(health.fingerprint256).toBe(fp);
    // … and the private key is readable by the service's user only.
    const { stat } = await import('node:fs/promises');
    expect((await stat(path.join(svc.dataDir, 'tls', 'key.pem'))).mode & 0o077).toBe(0);

    // Plain HTTP redirects to the same path on the HTTPS port, keeping the method (308).
    const r = await plainGet(httpPort, '/devices?x=1');
    expect(r.status).toBe(308);
    expect(r.location).toBe(`https://127.0.0.1:${svc.port}/devices?x=1`);

    // Cookies set over HTTPS are Secure.
    const login = await httpsGet(`${svc.url}/setup`, { ca: cert });
    expect(login.status).toBe(200);
    const cookies = [login.headers['set-cookie'] ?? []].flat();
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) expect(c).toMatch(/;\s*Secure/i);

    // A restart serves the same certificate (clients that pinned it keep working).
    await running.pop()!.stop();
    const again = await startServiceProcess({
      dataDir: svc.dataDir,
      https: true,
      env: { CARETAKER_CONFIG: path.join(dir, 'caretaker.json') },
    });
    running.push(again);
    expect((await httpsGet(`${again.url}/api/v1/health`, { ca: cert })).fingerprint256).toBe(fp);
  });

  it("serves the admin's own certificate, and refuses a key that does not belong to it", async () => {
    const dir = await work();
    const mk = async (name: string) => {
      const r = await runProgram(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '2',
          '-keyout',
          path.join(dir, `${name}.key`),
          '-out',
          path.join(dir, `${name}.crt`),
          '-subj',
          '/CN=caretaker.branch.example',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { timeoutMs: 30_000 },
      );
      expect(r.code, r.stderr).toBe(0);
    };
    await mk('own');
    await mk('other');
    const svc = await start(dir, {
      certFile: path.join(dir, 'own.crt'),
      keyFile: path.join(dir, 'own.key'),
    });
    const own = await readFile(path.join(dir, 'own.crt'), 'utf8');
    const res = await httpsGet(`${svc.url}/api/v1/health`, { ca: own });
    expect(res.fingerprint256).toBe(new X509Certificate(own).fingerprint256);
    await running.pop()!.stop();

    // The wrong key: the service does not start, and says why.
    await writeFile(
      path.join(dir, 'bad.json'),
      JSON.stringify({
        tls: {
          enabled: true,
          certFile: path.join(dir, 'own.crt'),
          keyFile: path.join(dir, 'other.key'),
        },
      }),
    );
    const r = await runCli(['serve'], {
      CARETAKER_CONFIG: path.join(dir, 'bad.json'),
      CARETAKER_DATA_DIR: path.join(dir, 'data2'),
      CARETAKER_HOST: '127.0.0.1',
      CARETAKER_PORT: String(await freePort()),
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/TLS_KEY_MISMATCH|is not the key of/);
  });

  it('loadTls refuses half a configuration', async () => {
    const dir = await work();
    await expect(loadTls(dir, { certFile: path.join(dir, 'x.crt') })).rejects.toMatchObject({
      code: 'TLS_CONFIG',
    });
  });
});

describe('redirectTarget', () => {
  it('keeps host and path, drops the plain port, and refuses odd hosts', () => {
    expect(redirectTarget('box.lan:8080', '/a?b=1', 8443)).toBe('https://box.lan:8443/a?b=1');
    expect(redirectTarget('box.lan', '/', 443)).toBe('https://box.lan/');
    expect(redirectTarget('[fe80::1]:80', '/x', 443)).toBe('https://[fe80::1]/x');
    expect(redirectTarget('evil.example/path', '/', 443)).toBeUndefined();
    expect(redirectTarget('user@host', '/', 443)).toBeUndefined();
    expect(redirectTarget(undefined, '/', 443)).toBeUndefined();
    expect(redirectTarget('box', 'http://other/', 443)).toBe('https://box/');
  });
});
