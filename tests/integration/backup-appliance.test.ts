/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * The appliance backs up itself: a job with `applianceData` exports the whole store (from one
 * LevelDB snapshot while the service runs), the secret key and the config into its snapshot;
 * `importAppliance` (`caretaker import-data`) restores that onto a new, empty box, where the users
 * can log in and the stored SNMP secrets still open. A damaged export is refused before anything
 * is written.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile, writeFile, readdir } from 'node:fs/promises';
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
import { importAppliance, EXPORT_FILE } from '../../src/backup/appliance-export.js';
import { openStore } from '../../src/store/store.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { CredentialService } from '../../src/snmp/credential-service.js';
import { systemClock } from '../../src/core/time.js';

describe('the appliance backs up itself and can be restored onto a new box', () => {
  let t: TestApp;
  let session: { jar: CookieJar; csrf: string };
  let api: SessionApi['api'];
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let exportDir = '';

  beforeAll(async () => {
    tmp = await tempDir();
    t = await createTestApp();
    session = await setupAdmin(t);
    ({ api } = sessionApi(t, session));
  });
  afterAll(async () => {
    await t?.close();
    await tmp?.cleanup();
  });

  it('exports store, secret key and config into a snapshot', async () => {
    expect(
      (
        await api('POST', '/credentials', {
          version: '2c',
          name: 'site',
          community: 'branch-secret-77',
        })
      ).status,
    ).toBe(201);
    const target = await api('POST', '/backup/targets', {
      name: 'disk',
      kind: 'local',
      path: path.join(tmp.dir, 'target'),
      minFreeMiB: 1,
      minFreeInodes: 10,
    });
    const job = await api('POST', '/backup/jobs', {
      name: 'This appliance',
      targetId: target.json.target.id,
      sources: [],
      applianceData: true,
      schedule: '',
    });
    expect(job.status, JSON.stringify(job.json)).toBe(201);
    const started = await api('POST', `/backup/jobs/${job.json.job.id}/run`);
    let run: any;
    for (let i = 0; i < 300; i++) {
      run = (await api('GET', `/backup/runs/${encodeURIComponent(started.json.run.id)}`)).json.run;
      if (run.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const snaps = (await api('GET', `/backup/jobs/${job.json.job.id}/snapshots`)).json.items;
    exportDir = path.join(
      tmp.dir,
      'target',
      'caretaker',
      job.json.job.id,
      snaps[0].name,
      'data',
      'caretaker-appliance',
    );
    expect((await readdir(exportDir)).sort()).toEqual(
      expect.arrayContaining(['export.json', EXPORT_FILE, 'secret.key']),
    );
    // The export never carries the community in clear text.
    expect((await readFile(path.join(exportDir, EXPORT_FILE))).includes('branch-secret-77')).toBe(
      false,
    );
  });

  it('restores onto an empty data directory: users and secrets are back', async () => {
    const box = path.join(tmp.dir, 'new-box');
    const r = await importAppliance(exportDir, box);
    expect(r.entries).toBeGreaterThan(10);
    await expect(importAppliance(exportDir, box)).rejects.toMatchObject({
      code: 'DATA_DIR_IN_USE',
    });
    const store = await openStore(box);
    try {
      expect((await store.users.list()).map((u) => u.username)).toContain('admin');
      const creds = new CredentialService({
        store,
        clock: systemClock,
        secrets: await SecretBox.open(box),
      });
      const [c] = await creds.unsealedAll();
      expect(c!.cred).toMatchObject({ community: 'branch-secret-77' });
    } finally {
      await store.close();
    }
  });

  it('a damaged export is refused and writes nothing', async () => {
    const damaged = path.join(tmp.dir, 'damaged');
    const { cp } = await import('node:fs/promises');
    await cp(exportDir, damaged, { recursive: true });
    const bytes = await readFile(path.join(damaged, EXPORT_FILE));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 20) ^ 0xff, bytes.length - 20);
    await writeFile(path.join(damaged, EXPORT_FILE), bytes);
    const box = path.join(tmp.dir, 'other-box');
    await expect(importAppliance(damaged, box)).rejects.toMatchObject({ code: 'EXPORT_DAMAGED' });
    await expect(readdir(path.join(box, 'db'))).rejects.toThrow();
  });
});
