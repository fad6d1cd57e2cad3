/**
 * The Backups pages through the real app (app.request, a real store in a temporary directory) and
 * real rsync between real directories under the test's own temporary directory: a target and a job
 * made through the forms, runs started from the page with live progress, the run history, the
 * snapshot browser (escaping, symlinks, paths that try to leave the snapshot), versions, search,
 * the retention preview and a deleted file restored to its original place. Roles and CSRF are
 * checked on every change.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createTestApp,
  setupAdmin,
  login,
  jsonInit,
  type TestApp,
  type CookieJar,
} from '../helpers/app.js';
import { tempDir } from '../helpers/temp-dir.js';
import { snapshotSubdir } from '../../src/backup/backup-service.js';
import { MARKER_FILE } from '../../src/backup/targets.js';
import type { BackupJob, BackupRun } from '../../src/store/backups.js';
import { staleness } from '../../src/http/ui/backups-model.js';
import { parseSource } from '../../src/http/ui/backups-forms.js';

type Session = { jar: CookieJar; csrf: string };

let t: TestApp;
let admin: Session;
let operator: Session;
let viewer: Session;
let tmp: { dir: string; cleanup: () => Promise<void> };
let src: string;
let targetDir: string;
/** The source's folder inside a snapshot (its absolute path without the leading slash). */
let sub: string;

const SCRIPT_NAME = '<script>alert(1)';
const REPORT = 'Quarterly report\nrevenue: 42\n';

beforeAll(async () => {
  t = await createTestApp();
  admin = await setupAdmin(t);
  for (const [username, role] of [
    ['olga', 'operator'],
    ['vera', 'viewer'],
  ] as const) {
    const res = await t.request(
      '/api/v1/users',
      jsonInit('POST', admin, { username, password: `${username} has a long password`, role }),
    );
    expect(res.status).toBe(201);
  }
  operator = await login(t, 'olga', 'olga has a long password');
  viewer = await login(t, 'vera', 'vera has a long password');

  tmp = await tempDir('caretaker-ui-backups-');
  src = path.join(tmp.dir, 'src', 'files');
  targetDir = path.join(tmp.dir, 'target');
  await mkdir(path.join(src, 'docs', 'old'), { recursive: true });
  await writeFile(path.join(src, 'a.txt'), 'first version of a\n');
  await writeFile(path.join(src, 'docs', 'report.odt'), REPORT);
  await writeFile(path.join(src, 'docs', 'old', 'notes.txt'), 'old notes\n');
  await writeFile(path.join(src, SCRIPT_NAME), 'not a script\n');
  await symlink('/etc/passwd', path.join(src, 'link-out'));
  // Big enough, with the bandwidth limit below, for the first run to be watched while it runs.
  await writeFile(path.join(src, 'big.bin'), Buffer.alloc(6 * 1024 * 1024, 7));
  sub = snapshotSubdir(src);
}, 60_000);

afterAll(async () => {
  await t?.deps.backups.stop();
  await t?.close();
  await tmp?.cleanup();
});

function get(p: string, s: Session = admin, headers: Record<string, string> = {}) {
  return t.request(p, { jar: s.jar, headers });
}
async function html(p: string, s: Session = admin): Promise<string> {
  const res = await get(p, s);
  expect(res.status, `GET ${p}: ${res.status === 200 ? '' : await res.clone().text()}`).toBe(200);
  return res.text();
}
function post(
  p: string,
  fields: Record<string, string>,
  s: Session = admin,
  headers: Record<string, string> = {},
) {
  const body = new URLSearchParams({ _csrf: s.csrf, ...fields });
  return t.request(p, {
    method: 'POST',
    jar: s.jar,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}
const htmx = (target?: string) => ({
  'hx-request': 'true',
  ...(target ? { 'hx-target': target } : {}),
});

/** The field's message as rendered next to it. */
function fieldMessage(page: string, field: string): string | undefined {
  const m = new RegExp(`id="f-${field}-(?:err|msg)"[^>]*>([\\s\\S]*?)</(?:p|ul)>`).exec(page);
  return m?.[1]
    ?.replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

async function waitForRun(id: string, timeoutMs = 30_000): Promise<BackupRun> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await t.deps.backups.getRun(id);
    if (r.status !== 'running') return r;
    if (Date.now() > end) throw new Error(`run ${id} still running after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

function jobForm(over: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'File server',
    targetId: '',
    sources: src,
    include: '',
    exclude: '*.tmp',
    schedule: '30 1 * * *',
    scheduleCustom: '',
    keepLast: '3',
    keepAllDays: '2',
    dailyDays: '14',
    weeklyWeeks: '8',
    monthlyMonths: '12',
    maxCount: '',
    verifySample: '5',
    bwlimitKiB: '4096',
    oneFileSystem: 'on',
    numericIds: 'on',
    enabled: 'on',
    ...over,
  };
}

let targetId: string;
let jobId: string;
let firstSnapshot: string;

describe('backups pages', () => {
  it('the overview says what to set up first', async () => {
    const page = await html('/backups');
    expect(page).toContain('No backup jobs yet.');
    expect(page).toContain('Add a target first');
    expect(page).toContain('href="/backups/targets/new"');
    const asViewer = await html('/backups', viewer);
    expect(asViewer).toContain('An admin sets them up.');
    expect(asViewer).not.toContain('/backups/targets/new');
  });

  it('an admin adds a local target through the form; errors stand next to the fields', async () => {
    const form = await html('/backups/targets/new');
    expect(form).toContain(MARKER_FILE);
    expect(form).toContain('quietly filling');

    const bad = await post('/backups/targets', {
      name: '',
      kind: 'local',
      path: 'relative/dir',
      uuid: '',
      minFreeMiB: 'lots',
      minFreeInodes: '100',
    });
    expect(bad.status).toBe(422);
    const page = await bad.text();
    expect(fieldMessage(page, 'name')).toMatch(/name/i);
    expect(fieldMessage(page, 'path')).toMatch(/absolute path/);
    expect(fieldMessage(page, 'minFreeMiB')).toMatch(/whole number/);
    expect(page).toContain('value="relative/dir"');

    const ok = await post('/backups/targets', {
      name: 'Local disk',
      kind: 'local',
      path: targetDir,
      uuid: '',
      minFreeMiB: '1',
      minFreeInodes: '100',
    });
    expect(ok.status, await ok.clone().text()).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/backups\?done=/);
    const [target] = await t.deps.backups.listTargets();
    targetId = target!.id;
    expect((await stat(path.join(targetDir, MARKER_FILE))).isFile()).toBe(true);

    const overview = await html('/backups');
    expect(overview).toContain('Local disk');
    expect(overview).toContain('>ready<');
    expect(overview).toMatch(/free of/);
  });

  it('an admin adds a job; bad lines and numbers are reported next to their fields', async () => {
    const form = await html('/backups/jobs/new');
    expect(form).toContain(`value="${targetId}" selected`);
    expect(form).toContain('Every day at 01:30');

    const bad = await post(
      '/backups/jobs',
      jobForm({ targetId, sources: `${src}\nrelative/path`, verifySample: 'some', name: '' }),
    );
    expect(bad.status).toBe(422);
    const page = await bad.text();
    expect(fieldMessage(page, 'sources')).toMatch(/Line 2 \(relative\/path\): .*absolute path/);
    expect(fieldMessage(page, 'verifySample')).toMatch(/0 to 1000/);
    expect(fieldMessage(page, 'name')).toMatch(/name/);
    expect(page).toContain('relative/path</textarea>');

    const badCron = await post(
      '/backups/jobs',
      jobForm({ targetId, schedule: 'custom', scheduleCustom: 'every day' }),
    );
    expect(badCron.status).toBe(422);
    expect(fieldMessage(await badCron.text(), 'scheduleCustom')).toMatch(/five fields/);

    const ok = await post('/backups/jobs', jobForm({ targetId }));
    expect(ok.status, await ok.clone().text()).toBe(303);
    const [job] = await t.deps.backups.listJobs();
    jobId = job!.id;
    expect(ok.headers.get('location')).toMatch(new RegExp(`^/backups/jobs/${jobId}\\?done=`));
    expect(job).toMatchObject({
      name: 'File server',
      sources: [{ kind: 'local', path: src }],
      exclude: ['*.tmp'],
      schedule: '30 1 * * *',
      bwlimitKiB: 4096,
      verifySample: 5,
      enabled: true,
    });
    const jobPage = await html(`/backups/jobs/${jobId}`);
    expect(jobPage).toContain('No runs yet.');
    expect(jobPage).toContain('daily at 01:30');
    expect(jobPage).toContain('Keeps the newest 3 snapshots');
  });

  it('viewers read but change nothing; operators run but do not edit; changes need the CSRF token', async () => {
    const overview = await html('/backups', viewer);
    expect(overview).toContain('File server');
    expect(overview).not.toContain('Run now');
    for (const [p, fields] of [
      [`/backups/jobs/${jobId}/run`, {}],
      ['/backups/targets', { name: 'x', kind: 'local', path: '/srv/x' }],
      ['/backups/jobs', jobForm({ targetId })],
      [`/backups/jobs/${jobId}`, jobForm({ targetId })],
      [`/backups/jobs/${jobId}/delete`, {}],
      [`/backups/targets/${targetId}/delete`, {}],
      [`/backups/jobs/${jobId}/retention-preview`, jobForm({ targetId })],
    ] as const) {
      expect((await post(p, fields, viewer)).status, `viewer POST ${p}`).toBe(403);
    }
    for (const p of ['/backups/jobs', `/backups/jobs/${jobId}`, '/backups/targets']) {
      expect((await post(p, jobForm({ targetId }), operator)).status, `operator POST ${p}`).toBe(
        403,
      );
    }
    expect((await get(`/backups/jobs/${jobId}/edit`, operator)).status).toBe(403);
    expect((await get('/backups/targets/new', viewer)).status).toBe(403);
    expect(await html('/backups', operator)).toContain('Run now');

    const noCsrf = await t.request(`/backups/jobs/${jobId}/run`, {
      method: 'POST',
      jar: operator.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(noCsrf.status).toBe(403);
    expect(await t.store.backups.runsOf(jobId, 5)).toEqual([]);
  });

  it('an operator runs the job from its card: the card follows the run live, a second start is refused', async () => {
    const [first, second] = await Promise.all([
      post(`/backups/jobs/${jobId}/run`, {}, operator, htmx(`job-${jobId}`)),
      post(`/backups/jobs/${jobId}/run`, {}, operator, htmx(`job-${jobId}`)),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([202, 409]);
    const refused = first.status === 409 ? first : second;
    const refusedText = await refused.text();
    expect(refusedText).toContain(`id="job-${jobId}"`);
    expect(refusedText).toContain('BACKUP_RUNNING');
    expect(refusedText).not.toContain('<html');

    const [run] = await t.store.backups.runsOf(jobId, 1);
    expect(run!.status).toBe('running');
    // While it runs (bandwidth-limited), the card polls its own fragment every 2 s.
    const card = await get(`/backups/jobs/${jobId}/card`, operator, {
      ...htmx(),
      'x-caretaker-poll': '1',
    });
    const cardHtml = await card.text();
    expect(cardHtml).toContain('hx-trigger="every 2s"');
    expect(cardHtml).toContain(`hx-get="/backups/jobs/${jobId}/card"`);
    expect(cardHtml).toMatch(/<progress max="100" value="\d+"/);
    expect(cardHtml).toMatch(/<button type="submit" class="primary" disabled="">Running…/);
    const live = await get(`/backups/jobs/${jobId}/live`, viewer, htmx());
    expect(live.status).toBe(200);

    const done = await waitForRun(run!.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.snapshot).toBeTruthy();
    firstSnapshot = done.snapshot!;

    const after = await (await get(`/backups/jobs/${jobId}/card`, viewer, htmx())).text();
    expect(after).not.toContain('hx-trigger');
    expect(after).toContain('succeeded');
    expect(after).toContain('just now');
    // Once finished, the job page's live block brings the history along (out of band).
    const liveDone = await (await get(`/backups/jobs/${jobId}/live`, viewer, htmx())).text();
    expect(liveDone).toMatch(/<section class="card" id="run-history"[^>]* hx-swap-oob="true"/);
  });

  it('the job page lists the run with its stats; the overview shows the last good backup', async () => {
    const page = await html(`/backups/jobs/${jobId}`, viewer);
    expect(page).toContain('class="badge s-succeeded run-status"');
    expect(page).toMatch(/Files<\/dt><dd>\d+/);
    expect(page).toContain('Added on disk');
    expect(page).toMatch(/passed<\/span> 5 files compared with their sources/);
    expect(page).toContain('by olga');
    const overview = await html('/backups', viewer);
    expect(overview).toMatch(
      /Last good backup<\/dt><dd><span class="freshness"><time[^>]*>just now/,
    );
    expect(overview).not.toContain('s-stale');
  });

  it('the snapshot list and browser: folders first, names escaped, symlinks shown and never followed', async () => {
    const list = await html(`/backups/jobs/${jobId}/snapshots`, viewer);
    expect(list).toContain(`href="/backups/jobs/${jobId}/snapshots/${firstSnapshot}"`);
    expect(list).toContain('verified');

    const top = await html(`/backups/jobs/${jobId}/snapshots/${firstSnapshot}`, viewer);
    expect(top).toContain(sub.split('/')[0]);

    const folder = `/backups/jobs/${jobId}/snapshots/${firstSnapshot}?path=${encodeURIComponent(sub)}`;
    const asOperator = await html(folder, operator);
    const names = [...asOperator.matchAll(/<tr class="entry e-(\w+)">/g)].map((m) => m[1]);
    expect(names[0]).toBe('dir');
    expect(names.filter((n) => n === 'dir')).toHaveLength(1);
    // A file named like a tag is text, never markup.
    expect(asOperator).toContain('&lt;script&gt;alert(1)');
    expect(asOperator).not.toContain('<script>alert(1)');
    // The symlink shows its target and is no link to follow.
    expect(asOperator).toContain('→ <code>/etc/passwd</code> (link, not followed)');
    expect(asOperator).not.toMatch(/snapshots\/[^"/]+\?path=[^"]*link-out"/);
    // Operators download (through the API) and restore; viewers only look.
    const download = `/api/v1/backup/snapshots/${encodeURIComponent(`${jobId}~${firstSnapshot}`)}/download?path=${encodeURIComponent(`${sub}/a.txt`)}`;
    expect(asOperator).toContain(`href="${download.replace(/&/g, '&amp;')}"`);
    expect(asOperator).toContain('hx-boost="false"');
    const got = await get(download, operator);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('first version of a\n');
    const asViewer = await html(folder, viewer);
    expect(asViewer).not.toContain('Download');
    expect(asViewer).not.toContain('>Restore<');
    expect(asViewer).toContain('Versions');

    // Breadcrumbs lead back up.
    const parent = sub.split('/').slice(0, -1).join('/');
    expect(asOperator).toContain(
      `href="/backups/jobs/${jobId}/snapshots/${firstSnapshot}?path=${encodeURIComponent(parent)}"`,
    );
  });

  it('refuses paths that leave the snapshot or go through a symlink, with a clear page', async () => {
    const base = `/backups/jobs/${jobId}/snapshots/${firstSnapshot}`;
    const up = await get(`${base}?path=${encodeURIComponent('../../etc')}`, viewer);
    expect(up.status).toBe(400);
    const page = await up.text();
    expect(page).toContain('This path cannot be shown:');
    expect(page).toContain('The path must not contain &quot;..&quot;.');
    expect(page).toContain('PATH_OUTSIDE');
    expect(page).not.toContain('passwd');

    const through = await get(`${base}?path=${encodeURIComponent(`${sub}/link-out/x`)}`, viewer);
    expect(through.status).toBe(400);
    expect(await through.text()).toContain('PATH_SYMLINK');

    const missing = await get(`${base}?path=${encodeURIComponent(`${sub}/nope`)}`, viewer);
    expect(missing.status).toBe(404);

    const badName = await get(`/backups/jobs/${jobId}/snapshots/..%2F..%2Fetc`, viewer);
    expect(badName.status).toBe(400);
  });

  it('a second run after a file was deleted; versions and search find it in the older snapshot', async () => {
    await rm(path.join(src, 'a.txt'));
    await rm(path.join(src, 'big.bin'));
    // A plain form post (no htmx) goes back where it came from.
    const res = await post(`/backups/jobs/${jobId}/run`, {}, operator, {
      referer: `http://localhost/backups/jobs/${jobId}`,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(new RegExp(`^/backups/jobs/${jobId}\\?done=`));
    const [run] = await t.store.backups.runsOf(jobId, 1);
    expect((await waitForRun(run!.id)).status).toBe('succeeded');

    const versions = await html(
      `/backups/jobs/${jobId}/versions?path=${encodeURIComponent(`${sub}/a.txt`)}`,
      operator,
    );
    expect(versions).toContain('not there');
    expect(versions).toContain('appeared');
    const report = await html(
      `/backups/jobs/${jobId}/versions?path=${encodeURIComponent(`${sub}/docs/report.odt`)}`,
      viewer,
    );
    expect(report).toContain('unchanged (same as previous)');

    const found = await html(`/backups/jobs/${jobId}/search?q=A.TXT`, viewer);
    expect(found).toContain(`${sub}/a.txt`);
    expect(found).toContain('1 match');
    const none = await html(`/backups/jobs/${jobId}/search?q=zzz-nothing`, viewer);
    expect(none).toContain('Nothing named like “zzz-nothing”');
    const slash = await get(`/backups/jobs/${jobId}/search?q=a%2Fb`, viewer);
    expect(slash.status).toBe(400);
    expect(fieldMessage(await slash.text(), 'q')).toMatch(/single name/);
  });

  it('an operator restores the deleted file to its original place and follows the restore', async () => {
    const restorePath = `/backups/jobs/${jobId}/snapshots/${firstSnapshot}/restore?path=${encodeURIComponent(`${sub}/a.txt`)}`;
    expect((await get(restorePath, viewer)).status).toBe(403);
    expect((await post(restorePath, { destination: 'original' }, viewer)).status).toBe(403);
    const form = await html(restorePath, operator);
    expect(form).toContain(
      'Files that are newer on the source are kept unless you tick Overwrite.',
    );
    expect(form).toContain(`<code>${src}</code>`);
    expect(form).toMatch(/value="original" checked/);

    const bad = await post(
      restorePath,
      { destination: 'directory', directory: 'not/absolute' },
      operator,
    );
    expect(bad.status).toBe(422);
    expect(fieldMessage(await bad.text(), 'directory')).toMatch(/absolute path/);

    const res = await post(restorePath, { destination: 'original' }, operator);
    expect(res.status, await res.clone().text()).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/backups\/runs\//);
    const runId = decodeURIComponent(location.slice('/backups/runs/'.length).split('?')[0]!);
    const running = await html(location, operator);
    expect(running).toContain('Restore of');
    const done = await waitForRun(runId);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(await readFile(path.join(src, 'a.txt'), 'utf8')).toBe('first version of a\n');

    const page = await html(location.split('?')[0]!, viewer);
    expect(page).toContain('is back in');
    expect(page).not.toContain('hx-trigger');
    // The job's history lists the restore too.
    expect(await html(`/backups/jobs/${jobId}`, viewer)).toContain('Restore</span>');

    // Into another folder, with overwrite: the whole docs folder.
    const elsewhere = path.join(tmp.dir, 'restored');
    const docs = `/backups/jobs/${jobId}/snapshots/${firstSnapshot}/restore?path=${encodeURIComponent(`${sub}/docs`)}`;
    const r2 = await post(
      docs,
      { destination: 'directory', directory: elsewhere, overwrite: 'on' },
      operator,
    );
    expect(r2.status, await r2.clone().text()).toBe(303);
    const id2 = decodeURIComponent(
      r2.headers.get('location')!.slice('/backups/runs/'.length).split('?')[0]!,
    );
    expect((await waitForRun(id2)).status).toBe('succeeded');
    expect(await readFile(path.join(elsewhere, 'docs', 'report.odt'), 'utf8')).toBe(REPORT);

    const traversal = await get(
      `/backups/jobs/${jobId}/snapshots/${firstSnapshot}/restore?path=${encodeURIComponent('../../etc/passwd')}`,
      operator,
    );
    expect(traversal.status).toBe(400);
  });

  it('an operator runs a restore test from the job page; viewers cannot; it is audited', async () => {
    const action = `/backups/jobs/${jobId}/restore-test`;
    const button = 'Run restore test now';
    expect(await html(`/backups/jobs/${jobId}`, viewer)).not.toContain(button);
    const page = await html(`/backups/jobs/${jobId}`, operator);
    expect(page).toContain(button);
    expect(page).toMatch(
      new RegExp(
        `<form method="post" action="${action}" class="inline"><input type="hidden" name="_csrf"`,
      ),
    );
    const before = (await t.store.backups.runsOf(jobId, 50)).length;
    expect((await post(action, {}, viewer)).status).toBe(403);
    const noCsrf = await t.request(action, {
      method: 'POST',
      jar: operator.jar,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(noCsrf.status).toBe(403);
    expect(await t.store.backups.runsOf(jobId, 50)).toHaveLength(before);

    const res = await post(action, {}, operator);
    expect(res.status, await res.clone().text()).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^/backups/jobs/${jobId}\\?done=`));
    expect(decodeURIComponent(location)).toMatch(
      /Restore test of File server passed: \d+ files? of snapshot /,
    );
    const [run] = await t.store.backups.runsOf(jobId, 1);
    expect(run).toMatchObject({ kind: 'restore-test', status: 'succeeded', by: 'olga' });
    expect(run!.verification!.checked).toBeGreaterThan(0);
    const [entry] = await t.store.audit.page(1);
    expect(entry).toMatchObject({
      action: 'backup.restore-test',
      target: `backup-job:${jobId}`,
      actor: { name: 'olga' },
    });
    const after = await html(location, operator);
    expect(after).toContain('passed: ');
    expect(after).toMatch(/restored and compared by checksum/);
  });

  it('the retention preview shows what the form’s numbers would keep and remove', async () => {
    const fragment = await post(
      `/backups/jobs/${jobId}/retention-preview`,
      jobForm({
        targetId,
        keepLast: '1',
        keepAllDays: '0',
        dailyDays: '0',
        weeklyWeeks: '0',
        monthlyMonths: '0',
      }),
      admin,
      htmx('retention-preview'),
    );
    expect(fragment.status).toBe(200);
    const text = await fragment.text();
    expect(text).toContain('id="retention-preview"');
    expect(text).not.toContain('<html');
    expect(text).toContain('1 snapshot kept');
    expect(text).toContain('1 removed');
    expect(text).toContain('not needed by any tier');

    const bad = await post(
      `/backups/jobs/${jobId}/retention-preview`,
      jobForm({ targetId, keepLast: '0', dailyDays: 'x' }),
      admin,
      htmx('retention-preview'),
    );
    const badText = await bad.text();
    expect(badText).toContain('Newest: Use a whole number from 1 to 1000');
    expect(badText).toContain('Daily, for days: Enter a whole number.');

    // Without htmx the form comes back whole, with the preview inside.
    const page = await post(`/backups/jobs/${jobId}/retention-preview`, jobForm({ targetId }));
    expect(page.status).toBe(200);
    const pageText = await page.text();
    expect(pageText).toContain('<form method="post"');
    expect(pageText).toContain('2 snapshots kept');
    // Nothing was saved or removed.
    expect((await t.deps.backups.snapshots(jobId)).length).toBe(2);
  });

  it('a run against a missing target fails loudly: code and message on the job, a warning on the overview', async () => {
    const goneDir = path.join(tmp.dir, 'unplugged');
    expect(
      (
        await post('/backups/targets', {
          name: 'Unplugged',
          kind: 'local',
          path: goneDir,
          minFreeMiB: '1',
          minFreeInodes: '100',
        })
      ).status,
    ).toBe(303);
    const gone = (await t.deps.backups.listTargets()).find((x) => x.name === 'Unplugged')!;
    expect(
      (await post('/backups/jobs', jobForm({ targetId: gone.id, name: 'Doomed', schedule: '' })))
        .status,
    ).toBe(303);
    const doomed = (await t.deps.backups.listJobs()).find((j) => j.name === 'Doomed')!;
    await rm(goneDir, { recursive: true });
    expect((await post(`/backups/jobs/${doomed.id}/run`, {}, operator)).status).toBe(303);
    const [run] = await t.store.backups.runsOf(doomed.id, 1);
    const failed = await waitForRun(run!.id);
    expect(failed.status).toBe('failed');
    expect(failed.error!.code).toBe('TARGET_MISSING');

    const page = await html(`/backups/jobs/${doomed.id}`, viewer);
    expect(page).toContain('class="badge s-failed run-status"');
    expect(page).toContain('<strong>Failed:</strong> The target directory');
    expect(page).toContain('<code>TARGET_MISSING</code>');
    const overview = await html('/backups', viewer);
    expect(overview).toContain('1 job whose last run failed');
    expect(overview).toMatch(/not usable<\/span> <code>TARGET_MISSING<\/code>/);
    const snaps = await get(`/backups/jobs/${doomed.id}/snapshots`, viewer);
    expect(snaps.status).toBe(409);
    expect(await snaps.text()).toContain('The snapshots cannot be listed now.');

    await post(`/backups/jobs/${doomed.id}/delete`, {});
    await post(`/backups/targets/${gone.id}/delete`, {});
  });

  it('an admin edits and deletes; a target in use cannot be deleted', async () => {
    const edit = await html(`/backups/jobs/${jobId}/edit`);
    expect(edit).toContain('value="File server"');
    expect(edit).toMatch(/<option value="30 1 \* \* \*" selected/);
    const saved = await post(
      `/backups/jobs/${jobId}`,
      jobForm({
        targetId,
        name: 'Shares',
        schedule: '',
        bwlimitKiB: '',
        sources: `${src}\nbackup@nas.local:/volume1/share`,
        staleAfterHours: '48',
        restoreTestEveryDays: '0',
        applianceData: 'on',
      }),
    );
    expect(saved.status, await saved.clone().text()).toBe(303);
    const job = await t.deps.backups.getJob(jobId);
    expect(job).toMatchObject({
      name: 'Shares',
      schedule: '',
      sources: [
        { kind: 'local', path: src },
        { kind: 'ssh', host: 'nas.local', port: 22, user: 'backup', path: '/volume1/share' },
      ],
      staleAfterHours: 48,
      restoreTestEveryDays: 0,
      applianceData: true,
    });
    expect(job.bwlimitKiB).toBeUndefined();
    // What is not shown as such comes back as it was stored.
    const again = await html(`/backups/jobs/${jobId}/edit`);
    expect(again).toContain('backup@nas.local:/volume1/share</textarea>');
    expect(again).toMatch(/name="applianceData" value="on" checked/);
    expect(again).toContain('value="48"');
    expect(await html(`/backups/jobs/${jobId}`)).toContain('only by hand');

    const inUse = await post(`/backups/targets/${targetId}/delete`, {});
    expect(inUse.status).toBe(409);
    expect(await inUse.text()).toContain('TARGET_IN_USE');

    expect(await html(`/backups/jobs/${jobId}/delete`)).toContain('Delete the job “Shares”?');
    const del = await post(`/backups/jobs/${jobId}/delete`, {});
    expect(del.status).toBe(303);
    expect((await t.deps.backups.listJobs()).length).toBe(0);
    expect((await post(`/backups/targets/${targetId}/delete`, {})).status).toBe(303);
    // The snapshots stay on the disk.
    expect((await stat(path.join(targetDir, 'caretaker', jobId))).isDirectory()).toBe(true);
  });

  it('stale follows the job’s own limit, only for scheduled, enabled jobs', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    const job = {
      enabled: true,
      schedule: '30 1 * * *',
      createdAt: '2026-11-01T00:00:00Z',
      staleAfterHours: 26,
    } as BackupJob;
    const good = (finishedAt: string) => ({ finishedAt }) as BackupRun;
    expect(staleness(job, good('2026-11-25T11:00:00Z'), now)).toBeUndefined();
    expect(staleness(job, good('2026-11-25T09:00:00Z'), now)).toEqual({ limit: '1 d 2 h' });
    expect(staleness({ ...job, staleAfterHours: 72 }, good('2026-11-25T09:00:00Z'), now)).toBe(
      undefined,
    );
    expect(staleness(job, undefined, now)).toBeDefined();
    expect(staleness({ ...job, schedule: '' }, undefined, now)).toBeUndefined();
    expect(staleness({ ...job, enabled: false }, undefined, now)).toBeUndefined();
  });

  it('source lines in the notation the service writes', () => {
    expect(parseSource('/srv/files', '')).toEqual({ kind: 'local', path: '/srv/files' });
    expect(parseSource('backup@nas:/volume1/share', '')).toEqual({
      kind: 'ssh',
      host: 'nas',
      user: 'backup',
      path: '/volume1/share',
    });
    expect(parseSource('backup@nas:2222:/volume1/share', '')).toMatchObject({ port: 2222 });
    expect(parseSource('rsync://u@nas:8873/share/sub/dir', 'pw')).toEqual({
      kind: 'rsyncd',
      host: 'nas',
      port: 8873,
      module: 'share',
      path: 'sub/dir',
      user: 'u',
      password: 'pw',
    });
    expect(parseSource('relative/path', '')).toEqual({ kind: 'local', path: 'relative/path' });
  });
});
