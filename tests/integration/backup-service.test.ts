/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * Backups through the API with real rsync between real directories: a local target with its
 * marker, a job, a full then an incremental run (unchanged files share inodes with the previous
 * snapshot), browsing, a restore to the original place that keeps newer files, refused traversal,
 * two runs at once, a target that lost its marker (a failed run that becomes an incident), and a
 * run interrupted by a crash that the next run cleans up after.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdir, readFile, rm, stat, writeFile, readdir, utimes, truncate } from 'node:fs/promises';
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

describe('backups with real rsync', () => {
  let t: TestApp;
  let session: { jar: CookieJar; csrf: string };
  let api: SessionApi['api'];
  let finished: SessionApi['finishedRun'];
  let dir: { dir: string; cleanup: () => Promise<void> };
  let src: string;
  let targetPath: string;
  let jobId = '';

  beforeAll(async () => {
    dir = await tempDir();
    src = path.join(dir.dir, 'share');
    targetPath = path.join(dir.dir, 'usb');
    await mkdir(path.join(src, 'docs'), { recursive: true });
    await writeFile(path.join(src, 'docs', 'report.txt'), 'quarterly report v1\n');
    await writeFile(path.join(src, 'big.bin'), Buffer.alloc(512 * 1024, 7));
    await writeFile(path.join(src, 'name with spaces; $(touch pwned).txt'), 'odd\n');
    t = await createTestApp();
    session = await setupAdmin(t);
    ({ api, finishedRun: finished } = sessionApi(t, session));
  });
  afterAll(async () => {
    await t?.close();
    await dir?.cleanup();
  });

  it('creates a target (with its marker) and a job', async () => {
    const target = await api('POST', '/backup/targets', {
      name: 'USB disk',
      kind: 'local',
      path: targetPath,
      minFreeMiB: 1,
      minFreeInodes: 10,
    });
    expect(target.status, JSON.stringify(target.json)).toBe(201);
    expect(await readFile(path.join(targetPath, '.caretaker-target'), 'utf8')).toContain(
      target.json.target.id,
    );
    const bad = await api('POST', '/backup/jobs', {
      name: 'x',
      targetId: target.json.target.id,
      sources: [{ kind: 'local', path: '../etc' }],
    });
    expect(bad.status).toBe(422);
    const job = await api('POST', '/backup/jobs', {
      name: 'File share',
      targetId: target.json.target.id,
      sources: [{ kind: 'local', path: src }],
      schedule: '',
      verifySample: 5,
    });
    expect(job.status, JSON.stringify(job.json)).toBe(201);
    jobId = job.json.job.id;
  });

  it('a schedule is read in the site time zone', async () => {
    const site = await t.deps.site.get();
    const ctx = { actor: { type: 'system' as const, name: 'test' } };
    // Tokyo has no daylight saving: "30 1 * * *" is always 01:30 there, 16:30 UTC.
    await t.deps.site.update({ ...site, timezone: 'Asia/Tokyo' }, ctx);
    try {
      const job = (await api('GET', `/backup/jobs/${jobId}`)).json.job;
      const made = await api('POST', '/backup/jobs', {
        name: 'Nightly in Tokyo',
        targetId: job.targetId,
        sources: [{ kind: 'local', path: src }],
        schedule: '30 1 * * *',
      });
      expect(made.status, JSON.stringify(made.json)).toBe(201);
      const next = new Date(made.json.job.nextRunAt);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
      expect(next.toISOString().slice(11, 16)).toBe('16:30');
      expect(made.json.job.nextRunTz).toBe('Asia/Tokyo');

      // The site moves to Kolkata (UTC+5:30, no daylight saving): the next start moves to 01:30
      // there (20:00 UTC) at the scheduler's next tick, without starting the job.
      await t.deps.site.update({ ...site, timezone: 'Asia/Kolkata' }, ctx);
      await t.deps.backups.tick();
      const moved = (await api('GET', `/backup/jobs/${made.json.job.id}`)).json.job;
      expect(moved.nextRunTz).toBe('Asia/Kolkata');
      expect(new Date(moved.nextRunAt).toISOString().slice(11, 16)).toBe('20:00');
      expect(new Date(moved.nextRunAt).getTime()).toBeGreaterThan(Date.now());
      expect((await api('GET', `/backup/jobs/${made.json.job.id}/runs`)).json.items).toEqual([]);
      expect((await api('DELETE', `/backup/jobs/${made.json.job.id}`)).status).toBe(204);
    } finally {
      await t.deps.site.update(site, ctx);
    }
  });

  it('a full then an incremental run: complete snapshots, unchanged files shared', async () => {
    const first = await api('POST', `/backup/jobs/${jobId}/run`);
    expect(first.status).toBe(202);
    // A second start while the first runs is refused.
    const again = await api('POST', `/backup/jobs/${jobId}/run`);
    expect([409, 202]).toContain(again.status);
    const run1 = await finished(first.json.run.id);
    expect(run1.status, JSON.stringify(run1)).toBe('succeeded');
    expect(run1.verification.checked).toBeGreaterThan(0);
    expect(run1.verification.mismatched).toEqual([]);

    await new Promise((r) => setTimeout(r, 1100));
    await writeFile(path.join(src, 'docs', 'report.txt'), 'quarterly report v2\n');
    const second = await api('POST', `/backup/jobs/${jobId}/run`);
    const run2 = await finished(second.json.run.id);
    expect(run2.status).toBe('succeeded');
    expect(run2.stats.regularFilesTransferred).toBe(1);

    const snaps = (await api('GET', `/backup/jobs/${jobId}/snapshots`)).json.items;
    expect(snaps.length).toBe(2);
    const jobDir = path.join(targetPath, 'caretaker', jobId);
    const [newer, older] = snaps.map((s: any) => path.join(jobDir, s.name, 'data', src.slice(1)));
    expect((await stat(path.join(newer, 'big.bin'))).ino).toBe(
      (await stat(path.join(older, 'big.bin'))).ino,
    );
    expect((await stat(path.join(newer, 'docs/report.txt'))).ino).not.toBe(
      (await stat(path.join(older, 'docs/report.txt'))).ino,
    );
    expect(await readFile(path.join(newer, 'name with spaces; $(touch pwned).txt'), 'utf8')).toBe(
      'odd\n',
    );
    expect(await readdir(process.cwd())).not.toContain('pwned');
    // The incremental snapshot costs about the changed file, not the tree.
    expect(snaps[0].manifest.stats.bytesOnDisk).toBeLessThan(256 * 1024);
  });

  it("verification finds a copy that differs from its source (rsync's quick check missed it)", async () => {
    const share = path.join(dir.dir, 'quick-check');
    await mkdir(path.join(share, 'sub'), { recursive: true });
    const names = ['a.txt', 'sub/b.txt', 'sub/c d.txt', 'e.txt'];
    // Whole-second times: a time set back from stat's milliseconds would lose the nanoseconds
    // rsync compares, and rsync would then copy the file instead of trusting its quick check.
    const stamp = new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000);
    for (const n of names) {
      await writeFile(path.join(share, n), `content of ${n}\n`);
      await utimes(path.join(share, n), stamp, stamp);
    }
    const job = (await api('GET', `/backup/jobs/${jobId}`)).json.job;
    const made = await api('POST', '/backup/jobs', {
      name: 'Quick check',
      targetId: job.targetId,
      sources: [{ kind: 'local', path: share }],
      schedule: '',
      verifySample: 100,
    });
    expect(made.status, JSON.stringify(made.json)).toBe(201);
    const id = made.json.job.id;
    const first = await finished((await api('POST', `/backup/jobs/${id}/run`)).json.run.id);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(first.verification).toEqual({ checked: names.length, mismatched: [] });
    expect(first.stats).toMatchObject({ files: names.length });

    // Same size, same mtime, other bytes: rsync links the old copy, the comparison must not.
    const victim = path.join(share, 'sub', 'c d.txt');
    await writeFile(victim, 'CONTENT OF sub/c d.txt\n');
    await utimes(victim, stamp, stamp);
    const second = await finished((await api('POST', `/backup/jobs/${id}/run`)).json.run.id);
    expect(second.status).toBe('warning');
    expect(second.stats).toMatchObject({ files: names.length, regularFilesTransferred: 0 });
    expect(second.verification).toEqual({
      checked: names.length,
      mismatched: [`${share.slice(1)}/sub/c d.txt`],
    });
    const snaps = (await api('GET', `/backup/jobs/${id}/snapshots`)).json.items;
    expect(snaps[0].manifest.verification).toMatchObject({ ok: false, mismatches: 1 });
    expect((await api('DELETE', `/backup/jobs/${id}`)).status).toBe(204);
  });

  it('browses a snapshot and refuses paths outside it', async () => {
    const snaps = (await api('GET', `/backup/jobs/${jobId}/snapshots`)).json.items;
    const id = snaps[0].id;
    const root = await api(
      'GET',
      `/backup/snapshots/${id}/files?path=${encodeURIComponent(src.slice(1))}`,
    );
    expect(root.status).toBe(200);
    expect(root.json.entries.map((e: any) => e.name)).toEqual(
      expect.arrayContaining(['docs', 'big.bin']),
    );
    const out = await api(
      'GET',
      `/backup/snapshots/${id}/files?path=${encodeURIComponent('../../..')}`,
    );
    expect(out.status).toBe(400);
    const versions = await api(
      'GET',
      `/backup/snapshots/${id}/versions?path=${encodeURIComponent(`${src.slice(1)}/big.bin`)}`,
    );
    expect(versions.json.items).toHaveLength(2);
  });

  it('restores a deleted file to its place and keeps newer files unless asked', async () => {
    const snaps = (await api('GET', `/backup/jobs/${jobId}/snapshots`)).json.items;
    await rm(path.join(src, 'docs', 'report.txt'));
    const r = await api('POST', '/backup/restores', {
      jobId,
      snapshot: snaps[0].name,
      path: `${src.slice(1)}/docs/report.txt`,
      destination: { kind: 'original' },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    expect((await finished(r.json.run.id)).status).toBe('succeeded');
    expect(await readFile(path.join(src, 'docs', 'report.txt'), 'utf8')).toBe(
      'quarterly report v2\n',
    );

    // A newer file at the destination is kept…
    await writeFile(path.join(src, 'docs', 'report.txt'), 'edited after the backup\n');
    const future = new Date(Date.now() + 3_600_000);
    await utimes(path.join(src, 'docs', 'report.txt'), future, future);
    const keep = await api('POST', '/backup/restores', {
      jobId,
      snapshot: snaps[0].name,
      path: `${src.slice(1)}/docs`,
      destination: { kind: 'original' },
    });
    await finished(keep.json.run.id);
    expect(await readFile(path.join(src, 'docs', 'report.txt'), 'utf8')).toBe(
      'edited after the backup\n',
    );
    // …unless overwriting was asked for.
    const over = await api('POST', '/backup/restores', {
      jobId,
      snapshot: snaps[0].name,
      path: `${src.slice(1)}/docs`,
      destination: { kind: 'original' },
      overwrite: true,
    });
    await finished(over.json.run.id);
    expect(await readFile(path.join(src, 'docs', 'report.txt'), 'utf8')).toBe(
      'quarterly report v2\n',
    );

    // The whole source folder goes back into itself, not nested inside itself.
    const whole = await api('POST', '/backup/restores', {
      jobId,
      snapshot: snaps[0].name,
      path: src.slice(1),
      destination: { kind: 'original' },
    });
    expect((await finished(whole.json.run.id)).status).toBe('succeeded');
    expect(await readdir(src)).not.toContain(path.basename(src));

    const bad = await api('POST', '/backup/restores', {
      jobId,
      snapshot: snaps[0].name,
      path: '../../../etc/passwd',
      destination: { kind: 'original' },
    });
    expect(bad.status).toBe(400);
    const audit = (await api('GET', '/audit?limit=50')).json.items.map((a: any) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['backup.restore-started', 'backup.run-started']));
  });

  it('a restore waits for the job: refused while a backup of it runs, and a backup while it restores', async () => {
    const job = (await api('GET', `/backup/jobs/${jobId}`)).json.job;
    const { id: _id, createdAt: _c, createdBy: _b, updatedAt: _u, nextRunAt: _n, ...body } = job;
    await writeFile(path.join(src, 'slow.bin'), Buffer.alloc(3 * 1024 * 1024, 3));
    // 1 MiB/s: the run copies for about three seconds.
    expect((await api('PUT', `/backup/jobs/${jobId}`, { ...body, bwlimitKiB: 1024 })).status).toBe(
      200,
    );
    try {
      const snaps = (await api('GET', `/backup/jobs/${jobId}/snapshots`)).json.items;
      const run = await api('POST', `/backup/jobs/${jobId}/run`);
      expect(run.status).toBe(202);
      const r = await api('POST', '/backup/restores', {
        jobId,
        snapshot: snaps[0].name,
        path: `${src.slice(1)}/docs/report.txt`,
        destination: { kind: 'directory', path: path.join(dir.dir, 'aside') },
      });
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe('BACKUP_RUNNING');
      // A restore test would read a snapshot the run's retention may delete: refused too.
      const test = await api('POST', `/backup/jobs/${jobId}/restore-test`);
      expect(test.status).toBe(409);
      expect(test.json.error.code).toBe('BACKUP_RUNNING');
      expect((await finished(run.json.run.id)).status).toBe('succeeded');

      // Now the other way round: the restore holds the job, a run of it is refused meanwhile.
      const restore = await api('POST', '/backup/restores', {
        jobId,
        snapshot: snaps[0].name,
        path: `${src.slice(1)}/docs/report.txt`,
        destination: { kind: 'directory', path: path.join(dir.dir, 'aside') },
      });
      expect(restore.status).toBe(202);
      const progress = t.deps.backups.progress(jobId);
      expect(progress).toMatchObject({ runId: restore.json.run.id, phase: 'restoring' });
      expect((await api('POST', `/backup/jobs/${jobId}/run`)).status).toBe(409);
      expect((await finished(restore.json.run.id)).status).toBe('succeeded');
      // Once it is seen finished, the job is free again at once.
      const again = await api('POST', `/backup/jobs/${jobId}/run`);
      expect(again.status, JSON.stringify(again.json)).toBe(202);
      await finished(again.json.run.id);
    } finally {
      await rm(path.join(src, 'slow.bin'));
      await api('PUT', `/backup/jobs/${jobId}`, body);
    }
  });

  it('a restore test restores sample files and records the result in the manifest', async () => {
    // A 65 MiB disk image (sparse here) is never picked: the test copies onto the box's own disk.
    // A name that is not UTF-8 is walked past, never picked (and does not break the test).
    const image = path.join(src, 'disk.img');
    const latin1 = Buffer.concat([
      Buffer.from(`${src}/`),
      Buffer.from([0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9]),
    ]);
    await writeFile(image, '');
    await truncate(image, 65 * 1024 * 1024);
    await writeFile(latin1, 'résumé in Latin-1\n');
    try {
      expect(
        (await finished((await api('POST', `/backup/jobs/${jobId}/run`)).json.run.id)).status,
      ).toBe('succeeded');
    } finally {
      await rm(image);
      await rm(latin1);
    }
    // Every other file is picked: the sample holds distinct files, up to 20.
    const small = (await readdir(src, { recursive: true, withFileTypes: true })).filter((e) =>
      e.isFile(),
    ).length;
    expect(small).toBeLessThan(20);
    const r = await api('POST', `/backup/jobs/${jobId}/restore-test`);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.run).toMatchObject({ kind: 'restore-test', status: 'succeeded' });
    expect(r.json.run.verification.checked).toBeGreaterThan(0);
    expect(r.json.run.verification.checked).toBe(small);
    const snaps = (await api('GET', `/backup/jobs/${jobId}/snapshots`)).json.items;
    expect(snaps[0].manifest.verification).toMatchObject({ method: 'restore-test', ok: true });
  });

  it('a due job whose schedule has no next run starts once, not on every tick', async () => {
    const job = await t.deps.backups.getJob(jobId);
    // 30 February never comes: due once (as stored by an older version), then never again.
    await t.store.write([
      t.store.backups.jobOp({
        ...job,
        schedule: '0 0 30 2 *',
        nextRunAt: new Date(Date.now() - 60_000).toISOString(),
        nextRunTz: (await t.deps.site.get()).timezone,
      }),
    ]);
    const before = (await t.store.backups.runsOf(jobId, 100)).length;
    await t.deps.backups.tick();
    const after = await t.deps.backups.getJob(jobId);
    expect(after.nextRunAt).toBeUndefined();
    expect(after.nextRunTz).toBeUndefined();
    const runs = await t.store.backups.runsOf(jobId, 100);
    const once = runs.length;
    expect(once).toBe(before + 1);
    const started = runs.reduce((a, b) => (a.startedAt > b.startedAt ? a : b));
    expect((await finished(started.id)).status).toBe('succeeded');
    await t.deps.backups.tick();
    expect((await t.store.backups.runsOf(jobId, 100)).length).toBe(once);
    await t.store.write([
      t.store.backups.jobOp({ ...(await t.deps.backups.getJob(jobId)), schedule: '' }),
    ]);
  });

  it('a job without a good backup for too long raises one stale event', async () => {
    const job = await t.deps.backups.getJob(jobId);
    // As if the last good backup were two days old and the job ran on a schedule.
    await t.store.write([
      t.store.backups.jobOp({ ...job, schedule: '0 3 * * *', staleAfterHours: 1 }),
    ]);
    const runs = await t.store.backups.runsOf(jobId, 50);
    const old = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await t.store.write(runs.flatMap((r) => t.store.backups.runOps({ ...r, finishedAt: old })));
    await t.deps.backups.tick();
    await t.deps.backups.tick();
    const ev = await t.store.events.query({ kinds: ['backup.stale'], limit: 10 });
    expect(ev.items).toHaveLength(1);
    await t.store.write([
      t.store.backups.jobOp({ ...(await t.deps.backups.getJob(jobId)), schedule: '' }),
    ]);
  });

  it('a run after a crash cleans up the partial snapshot; a missing marker fails loudly', async () => {
    const jobDir = path.join(targetPath, 'caretaker', jobId);
    await mkdir(path.join(jobDir, '2026-01-01T000000Z.partial', 'data'), { recursive: true });
    await writeFile(path.join(jobDir, '2026-01-01T000000Z.partial', 'data', 'half'), 'x');
    const ok = await api('POST', `/backup/jobs/${jobId}/run`);
    expect((await finished(ok.json.run.id)).status).toBe('succeeded');
    expect((await readdir(jobDir)).some((n) => n.endsWith('.partial'))).toBe(false);

    await rm(path.join(targetPath, '.caretaker-target'));
    const fail = await api('POST', `/backup/jobs/${jobId}/run`);
    const run = await finished(fail.json.run.id);
    expect(run.status).toBe('failed');
    expect(run.error.code).toBe('TARGET_MARKER_MISSING');
    await t.deps.incidents.pump();
    const open = await t.deps.incidents.list({ state: 'unresolved', limit: 10, offset: 0 });
    expect(open.items.some((i) => i.key === `backup:${jobId}`)).toBe(true);
  });

  it('a viewer reads but cannot run, restore or change', async () => {
    const made = await api('POST', '/users', {
      username: 'viewer1',
      password: 'viewer password 123',
      role: 'viewer',
    });
    expect(made.status).toBe(201);
    const { login } = await import('../helpers/app.js');
    const v = await login(t, 'viewer1', 'viewer password 123');
    const res = await t.request(`/api/v1/backup/jobs/${jobId}/run`, {
      method: 'POST',
      jar: v.jar,
      headers: { 'x-csrf-token': v.csrf },
    });
    expect(res.status).toBe(403);
    const list = await t.request('/api/v1/backup/jobs', { jar: v.jar });
    expect(list.status).toBe(200);
  });
});
