/**
 * Backups that go wrong half-way, on the real built appliance (`node dist/src/cli.js serve` as a
 * child process) with real rsync between real directories:
 *  - `kill -9` of the appliance during a run (its rsync processes killed too, as systemd would
 *    kill the whole unit), then a restart on the same data directory: the run shows interrupted,
 *    no complete snapshot exists for it, and the next run succeeds and leaves no `.partial`;
 *  - a target that disappears mid-run (marker removed and directory renamed away, as when a disk
 *    is pulled): the run ends failed with a recorded error, nothing claims to be complete, the
 *    service stays up, and once the directory is back a run succeeds.
 * Runs are slowed down with the job's bandwidth limit so that there is time to interfere. Every
 * wait polls a condition with a deadline; nothing asserts on timings.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../helpers/temp-dir.js';
import {
  assertBuilt,
  startServiceProcess,
  type ServiceProcess,
} from '../helpers/service-process.js';

const PASSWORD = 'correct horse battery';
/** KiB/s: about 10 MiB to copy takes 5 s. */
const SLOW_KIB = 2000;
const MARKER = '.caretaker-target';

interface Run {
  id: string;
  status: string;
  snapshot?: string;
  error?: { code: string; message: string };
  stats?: { files?: number; bytesTransferred?: number };
}
interface Progress {
  runId: string;
  phase: string;
  bytes: number;
  percent: number;
}
interface Snapshot {
  id: string;
  name: string;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});
beforeAll(() => assertBuilt());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The appliance's API with an admin token (a token outlives a restart, as it is stored). */
class Api {
  token = '';
  constructor(public base: string) {}

  async call<T = Record<string, unknown>>(
    method: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; json: T }> {
    const res = await fetch(`${this.base}/api/v1${p}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Claims a fresh box with the setup code from its data directory, then makes an admin token. */
  async claim(dataDir: string): Promise<void> {
    const setupCode = (await readFile(path.join(dataDir, 'setup-code'), 'utf8')).trim();
    const setup = await this.call('POST', '/setup', {
      setupCode,
      username: 'admin',
      password: PASSWORD,
    });
    expect(setup.status, JSON.stringify(setup.json)).toBe(201);
    const login = await fetch(`${this.base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    expect(login.status).toBe(201);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .join('; ');
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const tok = await fetch(`${this.base}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ name: 'backup crash test', scope: 'admin' }),
    });
    expect(tok.status).toBe(201);
    this.token = ((await tok.json()) as { token: string }).token;
  }

  async run(id: string): Promise<{ run: Run; progress: Progress | null }> {
    const r = await this.call<{ run: Run; progress: Progress | null }>(
      'GET',
      `/backup/runs/${encodeURIComponent(id)}`,
    );
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json;
  }

  async start(jobId: string): Promise<Run> {
    const r = await this.call<{ run: Run }>('POST', `/backup/jobs/${jobId}/run`);
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    return r.json.run;
  }

  async finished(id: string, timeoutMs = 120_000): Promise<Run> {
    return waitFor(
      `run ${id} to finish`,
      async () => {
        const { run } = await this.run(id);
        return run.status === 'running' ? undefined : run;
      },
      timeoutMs,
    );
  }

  async snapshots(jobId: string): Promise<{ status: number; items?: Snapshot[] }> {
    const r = await this.call<{ items?: Snapshot[] }>('GET', `/backup/jobs/${jobId}/snapshots`);
    return { status: r.status, ...(r.json.items ? { items: r.json.items } : {}) };
  }
}

/** A source tree of about 10 MiB: 40 files of 256 KiB in two folders, plus a few small ones. */
async function writeSource(dir: string): Promise<void> {
  for (const sub of ['a', 'b/c']) await mkdir(path.join(dir, sub), { recursive: true });
  for (let i = 0; i < 40; i++)
    await writeFile(path.join(dir, i % 2 ? 'a' : 'b/c', `file-${i}.bin`), randomBytes(256 * 1024));
  await writeFile(path.join(dir, 'readme.txt'), 'the first version\n');
  await writeFile(path.join(dir, 'name with spaces.txt'), 'spaces\n');
}

/**
 * Rewrites every large file with new content, so that an incremental run has 10 MiB to copy. The
 * sizes stay the same, so each file also gets a modification time two seconds later than any it
 * had: rewritten within the second of the first run, rsync's quick check (size and time) would
 * otherwise take them for unchanged, and the run would copy nothing (the verification then says
 * so, as it should).
 */
async function rewriteSource(dir: string): Promise<void> {
  const later = Math.floor(Date.now() / 1000) + 2;
  for (let i = 0; i < 40; i++) {
    const file = path.join(dir, i % 2 ? 'a' : 'b/c', `file-${i}.bin`);
    await writeFile(file, randomBytes(256 * 1024));
    await utimes(file, later, later);
  }
  await writeFile(path.join(dir, 'readme.txt'), 'the second version\n');
}

/** Every regular file below `dir` with its content, by relative path. */
async function contents(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, abs), await readFile(abs));
  }
  return out;
}

/** PIDs of every process below `pid` (children, their children...), from /proc. */
async function descendants(pid: number): Promise<Array<{ pid: number; comm: string }>> {
  const parentOf = new Map<number, { ppid: number; comm: string }>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    parentOf.set(Number(name), { ppid, comm });
  }
  const out: Array<{ pid: number; comm: string }> = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, info] of parentOf)
      if (info.ppid === p) {
        out.push({ pid: child, comm: info.comm });
        queue.push(child);
      }
  }
  return out;
}

/** Gone: no such process, or a zombie nobody reaped yet (it runs no more code). */
async function gone(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return true;
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: already gone.
  }
}

interface Box {
  dir: string;
  dataDir: string;
  source: string;
  target: string;
  svc: ServiceProcess;
  api: Api;
  targetId: string;
  jobId: string;
  jobBody: Record<string, unknown>;
}

/** A fresh appliance, claimed, with a local target and a job over a 10 MiB source. */
async function setUp(prefix: string, opts: { secondSource?: boolean } = {}): Promise<Box> {
  const tmp = await tempDir(prefix);
  cleanups.push(tmp.cleanup);
  const dataDir = path.join(tmp.dir, 'data');
  const source = path.join(tmp.dir, 'share');
  const target = path.join(tmp.dir, 'usb');
  await writeSource(source);
  const second = path.join(tmp.dir, 'letters');
  if (opts.secondSource) {
    await mkdir(second);
    await writeFile(path.join(second, 'letter.txt'), 'dear branch office\n');
  }
  const svc = await startServiceProcess({ dataDir });
  cleanups.push(() => svc.stop());
  const api = new Api(svc.url);
  await api.claim(dataDir);
  const t = await createTarget(api, target);
  expect(t.status, JSON.stringify(t.json)).toBe(201);
  const jobBody = {
    name: 'Shared folder',
    targetId: t.json.target.id,
    sources: [
      { kind: 'local', path: source },
      ...(opts.secondSource ? [{ kind: 'local', path: second }] : []),
    ],
    schedule: '',
  };
  const j = await api.call<{ job: { id: string; verifySample: number } }>(
    'POST',
    '/backup/jobs',
    jobBody,
  );
  expect(j.status, JSON.stringify(j.json)).toBe(201);
  expect(j.json.job.verifySample).toBe(20);
  return {
    dir: tmp.dir,
    dataDir,
    source,
    target,
    svc,
    api,
    targetId: t.json.target.id,
    jobId: j.json.job.id,
    jobBody,
  };
}

function createTarget(api: Api, target: string) {
  return api.call<{ target: { id: string }; error?: { code: string } }>('POST', '/backup/targets', {
    name: 'USB disk',
    kind: 'local',
    path: target,
    minFreeMiB: 1,
    minFreeInodes: 10,
  });
}

async function setBandwidth(box: Box, kib: number | undefined): Promise<void> {
  const r = await box.api.call('PUT', `/backup/jobs/${box.jobId}`, {
    ...box.jobBody,
    ...(kib ? { bwlimitKiB: kib } : {}),
  });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
}

/** A run that finished well, with its snapshot holding exactly the source's files. */
async function runToSuccess(box: Box, targetDir = box.target): Promise<Run> {
  const run = await box.api.finished((await box.api.start(box.jobId)).id);
  expect(run.status, JSON.stringify(run)).toBe('succeeded');
  expect(run.snapshot).toBeTruthy();
  const data = path.join(
    targetDir,
    'caretaker',
    box.jobId,
    run.snapshot!,
    'data',
    box.source.replace(/^\/+/, ''),
  );
  const [want, got] = await Promise.all([contents(box.source), contents(data)]);
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [rel, buf] of want) expect(got.get(rel)?.equals(buf), rel).toBe(true);
  return run;
}

/** Starts a slow run and waits until rsync is copying (progress reported, bytes moving). */
async function startSlowRun(box: Box): Promise<Run> {
  await setBandwidth(box, SLOW_KIB);
  const run = await box.api.start(box.jobId);
  await waitFor(`run ${run.id} to report copying progress`, async () => {
    const r = await box.api.run(run.id);
    expect(r.run.status, JSON.stringify(r.run)).toBe('running');
    return r.progress && r.progress.phase === 'copying' && r.progress.bytes > 0 ? r : undefined;
  });
  return run;
}

function jobDirEntries(targetDir: string, jobId: string): Promise<string[]> {
  return readdir(path.join(targetDir, 'caretaker', jobId)).then((e) => e.sort());
}

describe('backup runs that are interrupted', { timeout: 240_000 }, () => {
  it('kill -9 during a run: after a restart the run is interrupted, no snapshot claims it, and the next run succeeds without leftovers', async () => {
    const box = await setUp('caretaker-backup-kill-');
    const first = await runToSuccess(box);

    await rewriteSource(box.source);
    const killed = await startSlowRun(box);
    const entries = await jobDirEntries(box.target, box.jobId);
    expect(entries.filter((e) => e.endsWith('.partial'))).toHaveLength(1);

    // kill -9 the appliance, then its rsync processes (systemd kills the whole unit's cgroup).
    const below = await descendants(box.svc.pid);
    expect(below.map((p) => p.comm)).toContain('rsync');
    killPid(box.svc.pid);
    for (const p of below) killPid(p.pid);
    await waitFor('the appliance and its rsync processes to be gone', async () =>
      (await Promise.all([box.svc.pid, ...below.map((p) => p.pid)].map(gone))).every(Boolean)
        ? true
        : undefined,
    );
    await box.svc.stop();

    // On disk: the earlier snapshot, and the killed run's directory still marked in progress.
    const afterKill = await jobDirEntries(box.target, box.jobId);
    expect(afterKill).toContain(first.snapshot);
    expect(afterKill.filter((e) => e !== first.snapshot).every((e) => e.endsWith('.partial'))).toBe(
      true,
    );

    // Restart on the same data directory and port.
    const again = await startServiceProcess({ dataDir: box.dataDir, port: box.svc.port });
    cleanups.push(() => again.stop());
    const { run: after } = await box.api.run(killed.id);
    expect(after.status).toBe('interrupted');
    expect(after.error?.code).toBe('INTERRUPTED');
    expect(after.snapshot).toBeUndefined();
    const listed = await box.api.snapshots(box.jobId);
    expect(listed.status).toBe(200);
    expect(listed.items?.map((s) => s.name)).toEqual([first.snapshot]);

    await setBandwidth(box, undefined);
    const next = await runToSuccess(box);
    expect(next.snapshot).not.toBe(first.snapshot);
    const final = await jobDirEntries(box.target, box.jobId);
    expect(final.filter((e) => e.endsWith('.partial'))).toEqual([]);
    expect(final.filter((e) => !e.startsWith('.'))).toEqual(
      [first.snapshot!, next.snapshot!].sort(),
    );
    expect((await box.api.snapshots(box.jobId)).items?.map((s) => s.name)).toEqual([
      next.snapshot,
      first.snapshot,
    ]);
    expect(again.output()).toMatch(/marked backup runs interrupted/);
  });

  it('a target that disappears mid-run: the run fails with a recorded error, nothing claims completeness, the service stays up, and a run succeeds once it is back', async () => {
    const box = await setUp('caretaker-backup-pulled-');
    const first = await runToSuccess(box);

    await rewriteSource(box.source);
    const pulled = await startSlowRun(box);
    // The disk is pulled: its marker goes and the directory is no longer where it was.
    const marker = await readFile(path.join(box.target, MARKER));
    const away = `${box.target}.pulled`;
    await rm(path.join(box.target, MARKER));
    await rename(box.target, away);

    const run = await box.api.finished(pulled.id);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBeTruthy();
    expect(run.error?.message).toBeTruthy();
    expect(run.snapshot).toBeUndefined();

    // Nothing was written where the disk used to be (a missing disk must not fill the box)...
    expect(existsSync(box.target)).toBe(false);
    // ...and on the disk itself only the earlier snapshot is complete.
    const entries = await jobDirEntries(away, box.jobId);
    expect(entries).toContain(first.snapshot);
    expect(entries.filter((e) => e !== first.snapshot).every((e) => e.endsWith('.partial'))).toBe(
      true,
    );
    // The service is up, says what is wrong, and offers no snapshot from the missing target.
    expect((await fetch(`${box.svc.url}/api/v1/health`)).status).toBe(200);
    expect(box.svc.child.exitCode).toBeNull();
    const listed = await box.api.snapshots(box.jobId);
    expect(listed.status).not.toBe(200);
    const jobs = await box.api.call<{
      items: Array<{ id: string; lastRun: Run | null; lastGood: Run | null }>;
    }>('GET', '/backup/jobs');
    const overview = jobs.json.items.find((j) => j.id === box.jobId)!;
    expect(overview.lastRun?.id).toBe(pulled.id);
    expect(overview.lastGood?.id).toBe(first.id);

    // The disk comes back: the next run succeeds and cleans up after the failed one.
    await rename(away, box.target);
    await writeFile(path.join(box.target, MARKER), marker);
    await setBandwidth(box, undefined);
    const next = await runToSuccess(box);
    const final = await jobDirEntries(box.target, box.jobId);
    expect(final.filter((e) => e.endsWith('.partial'))).toEqual([]);
    expect((await box.api.snapshots(box.jobId)).items?.map((s) => s.name)).toEqual([
      next.snapshot,
      first.snapshot,
    ]);
  });

  // With two sources the target is checked again before the second one and before completing:
  // a target gone during the first copy must not be re-created on the box's own filesystem.
  it('a target that disappears between two sources: the run fails and nothing is written where the target was', async () => {
    const box = await setUp('caretaker-backup-pulled2-', { secondSource: true });
    const running = await startSlowRun(box);
    await rm(path.join(box.target, MARKER));
    await rename(box.target, `${box.target}.pulled`);
    const run = await box.api.finished(running.id);
    expect({
      targetRecreated: existsSync(box.target),
      status: run.status,
      snapshot: run.snapshot,
    }).toEqual({ targetRecreated: false, status: 'failed', snapshot: undefined });
  });
});
