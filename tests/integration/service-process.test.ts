import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { readFile, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../helpers/temp-dir.js';
import {
  assertBuilt,
  freePort,
  runCli,
  startServiceProcess,
  type ServiceProcess,
} from '../helpers/service-process.js';
import { openStore } from '../../src/store/store.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
beforeAll(() => assertBuilt());

async function dataDir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
async function service(env: { CARETAKER_DATA_DIR: string }): Promise<ServiceProcess> {
  const s = await startServiceProcess({ dataDir: env.CARETAKER_DATA_DIR });
  cleanups.push(() => s.stop());
  return s;
}
async function claim(
  url: string,
  dir: string,
  username = 'admin',
  password = 'correct horse battery',
): Promise<void> {
  const setupCode = (await readFile(path.join(dir, 'setup-code'), 'utf8')).trim();
  const r = await fetch(`${url}/api/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ setupCode, username, password }),
  });
  expect(r.status).toBe(201);
}

describe('the caretaker service process', () => {
  it('first boot: logs the setup code, serves, refuses a second instance, and stops cleanly on SIGTERM', async () => {
    const dir = await dataDir();
    const s = await service({ CARETAKER_DATA_DIR: dir });
    const code = (await readFile(path.join(dir, 'setup-code'), 'utf8')).trim();
    expect(s.output()).toContain(`enter the setup code ${code}`);
    expect(s.output()).toContain(`${s.url}/setup`);
    expect(await (await fetch(`${s.url}/api/v1/health`)).json()).toMatchObject({ status: 'ok' });

    const second = await runCli(['serve'], {
      CARETAKER_DATA_DIR: dir,
      CARETAKER_HOST: '127.0.0.1',
      CARETAKER_PORT: String(await freePort()),
    });
    expect(second.code).toBe(69);
    expect(second.stderr).toMatch(/already in use by another Caretaker process/);
    expect(second.stderr).not.toMatch(/\n\s+at /); // no stack trace

    expect(await s.stop()).toBe(0);
    expect(s.output()).toMatch(/"msg":"stopped"/);
  });

  it('refuses to start on an invalid config, listing every problem (exit 78)', async () => {
    const dir = await dataDir();
    const cfg = path.join(dir, 'caretaker.json');
    await writeFile(
      cfg,
      JSON.stringify({ port: 'x', auth: { lockoutMinutes: 0 }, unknownThing: 1 }),
    );
    const r = await runCli(['serve'], { CARETAKER_DATA_DIR: dir, CARETAKER_CONFIG: cfg });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/port/);
    expect(r.stderr).toMatch(/auth\.lockoutMinutes/);
    expect(r.stderr).toMatch(/unknownThing/);
    await expect(access(path.join(dir, 'db'))).rejects.toThrow(); // nothing was created
  });

  it('the console gets back in: reset-password and setup-code work with the service stopped, are audited, and refuse while it runs', async () => {
    const dir = await dataDir();
    const env = { CARETAKER_DATA_DIR: dir };
    const s = await service(env);
    await claim(s.url, dir);
    const busy = await runCli(['reset-password', 'admin'], env);
    expect(busy.code).toBe(69);
    expect(busy.stderr).toMatch(/Stop it first/);
    expect(await s.stop()).toBe(0);

    const reset = await runCli(['reset-password', 'admin'], env);
    expect(reset.code).toBe(0);
    const newPassword = /New password for admin: (\S+)/.exec(reset.stdout)![1]!;
    const viaStdin = await runCli(
      ['reset-password', 'admin', '--password-stdin'],
      env,
      'typed on the console\n',
    );
    expect(viaStdin.code).toBe(0);
    expect(viaStdin.stdout).not.toContain('typed on the console');
    const unknown = await runCli(['reset-password', 'nobody'], env);
    expect(unknown.code).toBe(64);
    const weak = await runCli(['reset-password', 'admin', '--password-stdin'], env, 'short\n');
    expect(weak.code).not.toBe(0);
    expect(weak.stderr).toMatch(/at least 10/);

    const issued = await runCli(['setup-code'], env);
    expect(issued.code).toBe(0);
    const code = /Setup code: (\S+)/.exec(issued.stdout)![1]!;
    expect((await readFile(path.join(dir, 'setup-code'), 'utf8')).trim()).toBe(code);
    const users = await runCli(['users'], env);
    expect(users.stdout).toMatch(/^admin\s+admin\s+active$/m);

    const s2 = await service(env);
    expect(s2.output()).toContain(code); // the console's code is reused, not replaced
    const login = await fetch(`${s2.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'typed on the console' }),
    });
    expect(login.status).toBe(201);
    const old = await fetch(`${s2.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: newPassword }),
    });
    expect(old.status).toBe(401);
    await claim(s2.url, dir, 'rescue', 'rescue admin password');
    expect(await s2.stop()).toBe(0);

    const store = await openStore(dir);
    try {
      const audit = await store.audit.page(100);
      const consoleEntries = audit.filter((e) => e.actor.type === 'console').map((e) => e.action);
      expect(consoleEntries).toEqual(
        expect.arrayContaining(['user.password-changed', 'setup.code-issued']),
      );
      expect(JSON.stringify(audit)).not.toContain('typed on the console');
    } finally {
      await store.close();
    }
  });

  it('recovers on its own after kill -9: the store opens and the data is there', async () => {
    const dir = await dataDir();
    const s = await service({ CARETAKER_DATA_DIR: dir });
    await claim(s.url, dir);
    s.child.kill('SIGKILL');
    await new Promise((r) => s.child.once('exit', r));
    const s2 = await service({ CARETAKER_DATA_DIR: dir });
    const r = await fetch(`${s2.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'correct horse battery' }),
    });
    expect(r.status).toBe(201);
    expect(s2.output()).not.toContain('setup code');
  });
});
