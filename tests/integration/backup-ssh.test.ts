/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * Backups of a remote host over SSH, against a real sshd started by the test on 127.0.0.1 with
 * its own host key: the box creates its key pair and shows the public key, the admin installs it,
 * the first run pins the host key, a second run is incremental, and after the server's host key
 * changes the job fails loudly (HOST_KEY_CHANGED) instead of trusting the new key. A key that is
 * not installed is refused (SSH_AUTH_REFUSED). Restores go back onto the host over SSH (to the
 * original place, keeping newer files, or into a new folder there), with live progress, and a
 * restore to a host whose key changed is refused too. Needs root (sshd, login as root by key).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile, rm, utimes } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {
  createTestApp,
  setupAdmin,
  type TestApp,
  type CookieJar,
  sessionApi,
  type SessionApi,
} from '../helpers/app.js';
import { tempDir } from '../helpers/temp-dir.js';

function has(cmd: string): boolean {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const SSHD = '/usr/sbin/sshd';
const skip =
  process.getuid?.() !== 0
    ? 'needs root (sshd)'
    : !has('ssh-keygen') || !has('ssh') || !has(SSHD) || !has('rsync')
      ? 'missing openssh-server/openssh-client/rsync'
      : false;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.skipIf(skip)(`backups over SSH${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let t: TestApp;
  let session: { jar: CookieJar; csrf: string };
  let api: SessionApi['api'];
  let finished: SessionApi['finishedRun'];
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let sshd: ChildProcess | undefined;
  let port = 0;
  let k = '';
  let remote = '';
  let jobId = '';

  async function startSshd(hostKey: string): Promise<void> {
    await writeFile(
      path.join(k, 'sshd_config'),
      [
        'ListenAddress 127.0.0.1',
        `Port ${port}`,
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${path.join(k, 'authorized_keys')}`,
        `PidFile ${path.join(k, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        '',
      ].join('\n'),
    );
    await mkdir('/run/sshd', { recursive: true });
    sshd = spawn(SSHD, ['-D', '-e', '-f', path.join(k, 'sshd_config')], { stdio: 'ignore' });
    // Ready when it accepts connections.
    const end = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((r) => {
        const c = net.connect(port, '127.0.0.1', () => {
          c.destroy();
          r(true);
        });
        c.on('error', () => r(false));
      });
      if (ok) return;
      if (Date.now() > end) throw new Error('sshd did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stopSshd(): Promise<void> {
    if (!sshd || sshd.exitCode !== null) return;
    const exited = new Promise((r) => sshd!.once('exit', r));
    sshd.kill('SIGTERM');
    await exited;
  }

  beforeAll(async () => {
    tmp = await tempDir();
    k = path.join(tmp.dir, 'sshd');
    remote = path.join(tmp.dir, 'remote-share');
    await mkdir(k, { recursive: true, mode: 0o700 });
    await mkdir(path.join(remote, 'docs'), { recursive: true });
    await writeFile(path.join(remote, 'docs', 'plan.txt'), 'remote plan v1\n');
    await writeFile(path.join(remote, '-leading dash.txt'), 'dash\n');
    for (const name of ['host', 'other-host'])
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(k, name)]);
    port = await freePort();
    await startSshd(path.join(k, 'host'));
    t = await createTestApp();
    session = await setupAdmin(t);
    ({ api, finishedRun: finished } = sessionApi(t, session));
  });
  afterAll(async () => {
    await stopSshd();
    await t?.close();
    await tmp?.cleanup();
  });

  it('pulls a remote folder once its public key is installed, pinning the host key', async () => {
    const key = await api('GET', '/backup/ssh-key');
    expect(key.status).toBe(200);
    expect(key.json.publicKey).toMatch(/^ssh-ed25519 /);
    const target = await api('POST', '/backup/targets', {
      name: 'disk',
      kind: 'local',
      path: path.join(tmp.dir, 'target'),
      minFreeMiB: 1,
      minFreeInodes: 10,
    });
    const job = await api('POST', '/backup/jobs', {
      name: 'NAS share',
      targetId: target.json.target.id,
      sources: [{ kind: 'ssh', host: '127.0.0.1', port, user: 'root', path: remote }],
      schedule: '',
    });
    expect(job.status, JSON.stringify(job.json)).toBe(201);
    jobId = job.json.job.id;

    // Not installed yet: refused, clearly.
    const refused = await finished((await api('POST', `/backup/jobs/${jobId}/run`)).json.run.id);
    expect(refused.status).toBe('failed');
    expect(refused.error.code).toBe('SSH_AUTH_REFUSED');

    await writeFile(path.join(k, 'authorized_keys'), `${key.json.publicKey}\n`);
    const ok = await finished((await api('POST', `/backup/jobs/${jobId}/run`)).json.run.id);
    expect(ok.status, JSON.stringify(ok)).toBe('succeeded');
    const snaps = (await api('GET', `/backup/jobs/${jobId}/snapshots`)).json.items;
    const data = path.join(tmp.dir, 'target', 'caretaker', jobId, snaps[0].name, 'data');
    expect(
      await readFile(path.join(data, '127.0.0.1', remote.slice(1), 'docs/plan.txt'), 'utf8'),
    ).toBe('remote plan v1\n');
    expect(
      await readFile(path.join(data, '127.0.0.1', remote.slice(1), '-leading dash.txt'), 'utf8'),
    ).toBe('dash\n');
    const pinned = await readFile(path.join(t.dataDir, 'ssh', 'known_hosts'), 'utf8');
    expect(pinned).toContain(`[127.0.0.1]:${port}`);
  });

  it('restores a deleted remote file back onto the host over SSH, keeping newer files', async () => {
    const snaps = (await api('GET', `/backup/jobs/${jobId}/snapshots`)).json.items;
    const rel = `127.0.0.1/${remote.slice(1)}`;
    await rm(path.join(remote, 'docs', 'plan.txt'));
    await rm(path.join(remote, '-leading dash.txt'));
    const r = await api('POST', '/backup/restores', {
      jobId,
      snapshot: snaps[0].name,
      path: `${rel}/docs/plan.txt`,
      destination: { kind: 'original' },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    expect(r.json.run.restore.destination).toBe(`root@127.0.0.1:${port}:${remote}/docs`);
    const done = await finished(r.json.run.id);
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect(await readFile(path.join(remote, 'docs', 'plan.txt'), 'utf8')).toBe('remote plan v1\n');

    // A name starting with a dash goes back as a name, not as an option.
    const dash = await api('POST', '/backup/restores', {
      jobId,
      snapshot: snaps[0].name,
      path: `${rel}/-leading dash.txt`,
      destination: { kind: 'original' },
    });
    expect((await finished(dash.json.run.id)).status).toBe('succeeded');
    expect(await readFile(path.join(remote, '-leading dash.txt'), 'utf8')).toBe('dash\n');

    // A file edited on the host after the backup is kept by a restore of its folder…
    await writeFile(path.join(remote, 'docs', 'plan.txt'), 'edited on the NAS\n');
    const later = new Date(Date.now() + 3_600_000);
    await utimes(path.join(remote, 'docs', 'plan.txt'), later, later);
    const keep = await api('POST', '/backup/restores', {
      jobId,
      snapshot: snaps[0].name,
      path: `${rel}/docs`,
      destination: { kind: 'original' },
    });
    expect((await finished(keep.json.run.id)).status).toBe('succeeded');
    expect(await readFile(path.join(remote, 'docs', 'plan.txt'), 'utf8')).toBe(
      'edited on the NAS\n',
    );

    // …and a new folder on the host gets the snapshot's version, parents created.
    const aside = path.join(tmp.dir, 'restored on nas', 'from backup');
    const side = await api('POST', '/backup/restores', {
      jobId,
      snapshot: snaps[0].name,
      path: `${rel}/docs`,
      destination: { kind: 'source-directory', path: aside },
    });
    expect(side.status, JSON.stringify(side.json)).toBe(202);
    expect((await finished(side.json.run.id)).status).toBe('succeeded');
    expect(await readFile(path.join(aside, 'docs', 'plan.txt'), 'utf8')).toBe('remote plan v1\n');

    // The restore form offers both, naming the host.
    const form = await t.request(
      `/backups/jobs/${jobId}/snapshots/${snaps[0].name}/restore?path=${encodeURIComponent(`${rel}/docs`)}`,
      { jar: session.jar },
    );
    const page = await form.text();
    expect(form.status).toBe(200);
    expect(page).toContain('over SSH');
    expect(page).toContain('Into another folder on root@127.0.0.1');
    expect(page).toMatch(/value="original"[^>]*checked/);

    // Bad destinations are refused before anything runs.
    for (const destination of [
      { kind: 'source-directory', path: 'relative/dir' },
      { kind: 'source-directory', path: '/srv/../etc' },
      { kind: 'source-directory', path: '/srv/a\nb' },
    ]) {
      const bad = await api('POST', '/backup/restores', {
        jobId,
        snapshot: snaps[0].name,
        path: `${rel}/docs`,
        destination,
      });
      expect(bad.status, JSON.stringify(destination)).toBe(422);
    }
    const audit = (await api('GET', '/audit?limit=50')).json.items.filter(
      (a: any) => a.action === 'backup.restore-started',
    );
    expect(audit.length).toBeGreaterThanOrEqual(4);
  });

  it('a changed host key fails the job loudly instead of being trusted', async () => {
    await stopSshd();
    await startSshd(path.join(k, 'other-host'));
    const run = await finished((await api('POST', `/backup/jobs/${jobId}/run`)).json.run.id);
    expect(run.status).toBe('failed');
    expect(run.error.code).toBe('HOST_KEY_CHANGED');
    // The pinned key was not replaced.
    const pinned = await readFile(path.join(t.dataDir, 'ssh', 'known_hosts'), 'utf8');
    const hostPub = (await readFile(path.join(k, 'host.pub'), 'utf8')).split(' ')[1]!;
    expect(pinned).toContain(hostPub);

    // A restore onto that host is refused the same way: nothing is written to an unknown host.
    const snaps = (await api('GET', `/backup/jobs/${jobId}/snapshots`)).json.items;
    await rm(path.join(remote, 'docs', 'plan.txt'));
    const restore = await api('POST', '/backup/restores', {
      jobId,
      snapshot: snaps[0].name,
      path: `127.0.0.1/${remote.slice(1)}/docs/plan.txt`,
      destination: { kind: 'original' },
    });
    const refused = await finished(restore.json.run.id);
    expect(refused.status).toBe('failed');
    expect(refused.error.code).toBe('HOST_KEY_CHANGED');
    await expect(readFile(path.join(remote, 'docs', 'plan.txt'))).rejects.toThrow();
    await rm(path.join(k, 'sshd.pid'), { force: true });
  });
});
