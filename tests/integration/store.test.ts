import { describe, it, expect, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { Level } from 'level';
import { openStore } from '../../src/store/store.js';
import { levelDir } from '../../src/store/db.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { tempDir } from '../helpers/temp-dir.js';
import type { DeviceDetails, UserRecord } from '../../src/store/types.js';
import type { InterfaceInfo } from '../../src/discovery/types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function user(id: string, username: string, role: UserRecord['role'] = 'viewer'): UserRecord {
  const t = '2026-01-01T00:00:00.000Z';
  return {
    id,
    username,
    displayName: '',
    role,
    passwordHash: 'h',
    disabled: false,
    createdAt: t,
    updatedAt: t,
    passwordChangedAt: t,
  };
}

describe('store', () => {
  it('creates a fresh store at the current schema with a box id', async () => {
    const d = await dir();
    const s = await openStore(d);
    cleanups.push(() => s.close());
    expect(await s.settings.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(await s.settings.boxId()).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(s.migration?.from).toBe(0);
  });

  it('reads every device’s interfaces and details in one pass, each under its own device', async () => {
    const d = await dir();
    const s = await openStore(d);
    cleanups.push(() => s.close());
    const iface = (index: number, name: string) => ({ index, name }) as unknown as InterfaceInfo;
    const details = (ip: string): DeviceDetails => ({
      neighbours: [],
      arp: [{ ip, mac: '00:00:5e:00:53:01' }] as DeviceDetails['arp'],
      fdb: [],
      ipAddrs: [],
      collectNotes: [],
    });
    // "d1" is a prefix of "d10": the device part of a key ends at its separator.
    await s.write([
      ...s.devices.interfaceOps('d1', [iface(1, 'a'), iface(2, 'b')], []),
      ...s.devices.interfaceOps('d10', [iface(1, 'c')], []),
      s.devices.detailsOp('d10', details('192.0.2.10')),
    ]);
    const all = await s.devices.allInterfaces();
    expect([...all.keys()].sort()).toEqual(['d1', 'd10']);
    expect(all.get('d1')).toEqual(await s.devices.interfacesOf('d1'));
    expect(all.get('d10')!.map((i) => i.name)).toEqual(['c']);
    const det = await s.devices.allDetails();
    expect([...det.keys()]).toEqual(['d10']);
    expect(det.get('d10')).toEqual(await s.devices.detailsOf('d10'));
  });

  it('writes multi-key changes atomically: a batch with an invalid op writes nothing', async () => {
    const d = await dir();
    const s = await openStore(d);
    cleanups.push(() => s.close());
    const u = user('a1', 'alice');
    await expect(
      s.write([
        ...s.users.putOps(u),
        { type: 'put', sublevel: s.users.byName, key: null as unknown as string, value: 'x' },
      ]),
    ).rejects.toThrow();
    expect(await s.users.get('a1')).toBeUndefined();
    expect(await s.users.getByName('alice')).toBeUndefined();
  });

  it('gives a second opener a clear "in use" error, not a stack trace', async () => {
    const d = await dir();
    const s = await openStore(d);
    cleanups.push(() => s.close());
    const err = await openStore(d).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_IN_USE' });
    expect((err as Error).message).toMatch(/already in use by another Caretaker process/);
  });

  it('migrates a data directory written by schema 1: user names become case-insensitive', async () => {
    const d = await dir();
    // Build a store exactly as schema 1 wrote it: users keyed by id, no name index.
    const raw = new Level<string, unknown>(levelDir(d), { valueEncoding: 'json' });
    await raw.open();
    const users = raw.sublevel<string, UserRecord>('users', { valueEncoding: 'json' });
    const meta = raw.sublevel<string, unknown>('meta', { valueEncoding: 'json' });
    await users.put('id1', user('id1', 'Alice', 'admin'));
    await users.put('id2', user('id2', 'bob'));
    await users.put('id3', user('id3', 'ALICE'));
    await meta.put('schemaVersion', 1);
    await raw.close();

    const s = await openStore(d);
    cleanups.push(() => s.close());
    expect(s.migration).toMatchObject({ from: 1, to: SCHEMA_VERSION });
    expect(s.migration!.applied).toHaveLength(1);
    expect(await s.settings.schemaVersion()).toBe(2);
    expect((await s.users.getByName('ALICE'))?.id).toBe('id1');
    expect((await s.users.getByName('bob'))?.id).toBe('id2');
    // The colliding name is kept under a suffixed name instead of being lost.
    const all = await s.users.list();
    expect(all.map((u) => u.username).sort()).toEqual(['alice', 'alice-id3', 'bob']);
    expect(await s.users.count()).toBe(3);
  });

  it('refuses a data directory written by a newer version', async () => {
    const d = await dir();
    const raw = new Level<string, unknown>(levelDir(d), { valueEncoding: 'json' });
    await raw.open();
    await raw
      .sublevel<string, unknown>('meta', { valueEncoding: 'json' })
      .put('schemaVersion', SCHEMA_VERSION + 5);
    await raw.close();
    await expect(openStore(d)).rejects.toMatchObject({ code: 'STORE_TOO_NEW' });
    // and the refusal left the store closed and reopenable
    const again = await openStore(d).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'STORE_TOO_NEW' });
  });

  it('survives kill -9 in the middle of writes: opens, and every committed batch is intact', async () => {
    const d = await dir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/store-writer.ts', d], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let committed = 0;
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        let buf = '';
        const timer = setTimeout(
          () => reject(new Error(`writer made no progress: ${stderr}`)),
          20_000,
        );
        child.stdout.on('data', (b: Buffer) => {
          buf += b.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const l of lines) if (/^\d+$/.test(l)) committed = Number(l);
          if (committed >= 300) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
      });
    } finally {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null)
        await new Promise((r) => child.once('exit', r));
    }
    const s = await openStore(d);
    cleanups.push(() => s.close());
    // Every batch reported as committed before the kill is there, with both of its keys.
    for (const i of [1, Math.floor(committed / 2), committed]) {
      const id = `u${String(i).padStart(8, '0')}`;
      const u = await s.users.get(id);
      expect(u?.username).toBe(`user${i}`);
      expect((await s.users.getByName(`user${i}`))?.id).toBe(id);
    }
    // Batches are all-or-nothing: every user has its name index and vice versa.
    const count = await s.users.count();
    expect(count).toBeGreaterThanOrEqual(committed);
    expect((await s.users.list()).length).toBe(count);
  });
});
