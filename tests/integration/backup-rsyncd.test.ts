/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * Backups from an rsync daemon module (`rsync://`), against a real `rsync --daemon` started by the
 * test on 127.0.0.1: the password is stored sealed (never shown back, never in the audit log),
 * reaches rsync through the environment only, an update without a password keeps it, and a wrong
 * password fails the run with RSYNC_AUTH_FAILED.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createTestApp, setupAdmin, type TestApp, type CookieJar } from '../helpers/app.js';
import { tempDir } from '../helpers/temp-dir.js';

const PASSWORD = 'daemon-pass-5519';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('backups from an rsync daemon module', () => {
  let t: TestApp;
  let session: { jar: CookieJar; csrf: string };
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let daemon: ChildProcess;
  let port = 0;
  let jobId = '';
  let targetId = '';

  async function api(method: string, p: string, body?: unknown) {
    const res = await t.request(`/api/v1${p}`, {
      method,
      jar: session.jar,
      headers: {
        'x-csrf-token': session.csrf,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined, text };
  }

  async function run(): Promise<any> {
    const started = await api('POST', `/backup/jobs/${jobId}/run`);
    for (let i = 0; i < 600; i++) {
      const r = (await api('GET', `/backup/runs/${encodeURIComponent(started.json.run.id)}`)).json
        .run;
      if (r.status !== 'running') return r;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error('run did not finish');
  }

  beforeAll(async () => {
    tmp = await tempDir();
    const share = path.join(tmp.dir, 'share');
    await mkdir(share, { recursive: true });
    await writeFile(path.join(share, 'ledger.csv'), 'a,b\n1,2\n');
    const conf = path.join(tmp.dir, 'rsyncd.conf');
    const secrets = path.join(tmp.dir, 'rsyncd.secrets');
    await writeFile(secrets, `backup:${PASSWORD}\n`);
    await chmod(secrets, 0o600);
    await writeFile(
      conf,
      [
        `pid file = ${path.join(tmp.dir, 'rsyncd.pid')}`,
        'use chroot = no',
        '[files]',
        `  path = ${share}`,
        '  read only = yes',
        '  auth users = backup',
        `  secrets file = ${secrets}`,
        '',
      ].join('\n'),
    );
    port = await freePort();
    daemon = spawn(
      'rsync',
      ['--daemon', '--no-detach', '--address=127.0.0.1', `--port=${port}`, `--config=${conf}`],
      { stdio: 'ignore' },
    );
    for (let i = 0; ; i++) {
      const ok = await new Promise<boolean>((r) => {
        const c = net.connect(port, '127.0.0.1', () => {
          c.destroy();
          r(true);
        });
        c.on('error', () => r(false));
      });
      if (ok) break;
      if (i > 100) throw new Error('rsync daemon did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    t = await createTestApp();
    session = await setupAdmin(t);
  });
  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    await t?.close();
    await tmp?.cleanup();
  });

  it('pulls a module with a sealed password that is never shown back', async () => {
    targetId = (
      await api('POST', '/backup/targets', {
        name: 'disk',
        kind: 'local',
        path: path.join(tmp.dir, 'target'),
        minFreeMiB: 1,
        minFreeInodes: 10,
      })
    ).json.target.id;
    const job = await api('POST', '/backup/jobs', {
      name: 'Accounting NAS',
      targetId,
      sources: [
        {
          kind: 'rsyncd',
          host: '127.0.0.1',
          port,
          module: 'files',
          user: 'backup',
          password: PASSWORD,
        },
      ],
      schedule: '',
    });
    expect(job.status, job.text).toBe(201);
    expect(job.text).not.toContain(PASSWORD);
    expect(job.json.job.sources[0]).toMatchObject({ kind: 'rsyncd', passwordSet: true });
    expect(job.json.job.sources[0].sealedPassword).toBeUndefined();
    jobId = job.json.job.id;
    const r = await run();
    expect(r.status, JSON.stringify(r)).toBe('succeeded');
    const snaps = (await api('GET', `/backup/jobs/${jobId}/snapshots`)).json.items;
    const data = path.join(tmp.dir, 'target', 'caretaker', jobId, snaps[0].name, 'data');
    expect(await readFile(path.join(data, '127.0.0.1', 'files', 'ledger.csv'), 'utf8')).toBe(
      'a,b\n1,2\n',
    );
    const audit = await api('GET', '/audit?limit=50');
    expect(audit.text).not.toContain(PASSWORD);
  });

  it('an update without the password keeps it; a wrong one fails clearly', async () => {
    const kept = await api('PUT', `/backup/jobs/${jobId}`, {
      name: 'Accounting NAS',
      targetId,
      sources: [{ kind: 'rsyncd', host: '127.0.0.1', port, module: 'files', user: 'backup' }],
      schedule: '',
    });
    expect(kept.status, kept.text).toBe(200);
    expect((await run()).status).toBe('succeeded');
    // The scheduled upkeep (stale check, restore test) writes the job back without losing it.
    expect((await api('POST', `/backup/jobs/${jobId}/restore-test`)).status).toBe(200);
    await t.deps.backups.tick();
    expect((await run()).status).toBe('succeeded');
    await api('PUT', `/backup/jobs/${jobId}`, {
      name: 'Accounting NAS',
      targetId,
      sources: [
        {
          kind: 'rsyncd',
          host: '127.0.0.1',
          port,
          module: 'files',
          user: 'backup',
          password: 'wrong',
        },
      ],
      schedule: '',
    });
    const failed = await run();
    expect(failed.status).toBe('failed');
    expect(failed.error.code).toBe('RSYNC_AUTH_FAILED');
  });
});
