/**
 * Traps end to end inside the appliance's services: Net-SNMP's snmptrap sends real traps to the
 * trap service on 127.0.0.1 (the stored credential's community), which stores them with their
 * events; the incident service folds linkDown/linkUp into one incident that resolves, restarts
 * into a one-shot incident, and a trap from an address outside the inventory is kept and shown.
 * A wrong community is refused and counted. The API lists traps and the receiver's counters.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { createTestApp, setupAdmin, type TestApp } from '../helpers/app.js';
import { branchInventory, inventoryOps } from '../helpers/branch-inventory.js';
import { tempDir } from '../helpers/temp-dir.js';

function hasTool(name: string): boolean {
  try {
    execFileSync('which', [name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let env: NodeJS.ProcessEnv = {};
function snmptrap(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'snmptrap',
      ['-m', '', '-M', '/nonexistent', ...args],
      { timeout: 10_000, env },
      (err, _o, stderr) => (err ? reject(new Error(`snmptrap: ${stderr || err}`)) : resolve()),
    );
  });
}

async function until<T>(what: string, get: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const skip = hasTool('snmptrap') ? false : 'missing snmptrap (Debian package snmp)';

describe.skipIf(skip)('SNMP traps become stored traps, events and incidents', () => {
  let t: TestApp;
  let port = 0;
  let cleanupHome: () => Promise<void>;
  let session: { jar: import('../helpers/app.js').CookieJar; csrf: string };

  beforeAll(async () => {
    const home = await tempDir();
    cleanupHome = home.cleanup;
    env = { ...process.env, SNMP_PERSISTENT_DIR: home.dir, HOME: home.dir };
    port = await freeUdpPort();
    t = await createTestApp({
      traps: { enabled: true, port, address: '127.0.0.1' },
      incidents: { notifyDelayS: 0 },
    });
    session = await setupAdmin(t);
    await t.deps.credentials.create(
      { name: 'site community', version: '2c', community: 'branch-traps' },
      { actor: { type: 'system', name: 'test' } } as never,
    );
    await t.deps.traps.start();
    expect(t.deps.traps.info().listening?.port).toBe(port);
  });
  afterAll(async () => {
    await t?.close();
    await cleanupHome?.();
  });

  const target = () => `127.0.0.1:${port}`;
  const v2c = (community: string, oid: string, ...vbs: string[]) =>
    snmptrap(['-v', '2c', '-c', community, target(), '', oid, ...vbs]);

  it('a trap from an unknown sender is stored and shown, not dropped', async () => {
    await v2c(
      'branch-traps',
      '1.3.6.1.4.1.9.9.41.2.0.1',
      '1.3.6.1.4.1.9.9.41.1.2.3.1.5.1',
      's',
      'CONFIG_I: <b>changed</b>',
    );
    const trap = await until('stored trap', async () => {
      await t.deps.traps.flush();
      return (await t.store.traps.query({ limit: 10 })).items[0];
    });
    expect(trap).toMatchObject({ address: '127.0.0.1', kind: 'vendor', version: 'v2c' });
    expect(trap.deviceId).toBeUndefined();
    const res = await t.request('/api/v1/traps?unknown=1', { jar: session.jar });
    const body = (await res.json()) as {
      items: unknown[];
      receiver: { stats: { accepted: number } };
    };
    expect(body.items).toHaveLength(1);
    expect(body.receiver.stats.accepted).toBeGreaterThanOrEqual(1);
    // The community never reaches what is stored.
    expect(JSON.stringify(body)).not.toContain('branch-traps');
  });

  it('linkDown and linkUp from a known device open and resolve one incident', async () => {
    const inv = branchInventory();
    const sw = inv.devices.find((d) => d.type === 'switch')!;
    sw.ip = '127.0.0.1';
    sw.addresses = ['127.0.0.1'];
    await t.store.write(inventoryOps(t.store, inv));
    t.deps.traps.invalidate();

    const link = (oid: string) =>
      v2c(
        'branch-traps',
        oid,
        '1.3.6.1.2.1.2.2.1.1.7',
        'i',
        '7',
        '1.3.6.1.2.1.2.2.1.7.7',
        'i',
        '1',
        '1.3.6.1.2.1.2.2.1.8.7',
        'i',
        oid.endsWith('.3') ? '2' : '1',
        '1.3.6.1.2.1.31.1.1.1.1.7',
        's',
        'Gi0/7',
      );
    await link('1.3.6.1.6.3.1.1.5.3');
    await link('1.3.6.1.6.3.1.1.5.3');
    const inc = await until('link incident', async () => {
      await t.deps.traps.flush();
      await t.deps.incidents.pump();
      return (
        await t.deps.incidents.list({ state: 'unresolved', limit: 10, offset: 0 })
      ).items.find((i) => i.key.startsWith('trap-link:'));
    });
    expect(inc).toMatchObject({ deviceId: sw.id, title: 'Link down on Gi0/7 (trap)', count: 2 });

    await link('1.3.6.1.6.3.1.1.5.4');
    const resolved = await until('resolved', async () => {
      await t.deps.traps.flush();
      await t.deps.incidents.pump();
      const r = (await t.deps.incidents.get(inc.id)).incident;
      return r.state === 'resolved' ? r : undefined;
    });
    expect(resolved.resolvedBy).toBe('auto');

    // A restart is a one-shot problem of the sender, folded while it repeats.
    await v2c('branch-traps', '1.3.6.1.6.3.1.1.5.1');
    const restart = await until('restart incident', async () => {
      await t.deps.traps.flush();
      await t.deps.incidents.pump();
      return (
        await t.deps.incidents.list({ state: 'unresolved', limit: 10, offset: 0 })
      ).items.find((i) => i.key === `trap-restart:${sw.id}`);
    });
    expect(restart.state).toBe('open');
  });

  it('a credential added after the receiver started is accepted at once, and a removed one refused', async () => {
    const system = { actor: { type: 'system', name: 'test' } } as never;
    const added = await t.deps.credentials.create(
      { name: 'added later', version: '2c', community: 'added-later' },
      system,
    );
    const before = t.deps.traps.info().stats!;
    await v2c('added-later', '1.3.6.1.6.3.1.1.5.1');
    await until('trap with the new community accepted', async () =>
      t.deps.traps.info().stats!.accepted > before.accepted ||
      t.deps.traps.info().stats!.authFailures > before.authFailures
        ? true
        : undefined,
    );
    expect(t.deps.traps.info().stats!.authFailures).toBe(before.authFailures);

    await t.deps.credentials.remove(added.id, system);
    const mid = t.deps.traps.info().stats!;
    await v2c('added-later', '1.3.6.1.6.3.1.1.5.1');
    await until('trap with the removed community handled', async () =>
      t.deps.traps.info().stats!.accepted > mid.accepted ||
      t.deps.traps.info().stats!.authFailures > mid.authFailures
        ? true
        : undefined,
    );
    expect(t.deps.traps.info().stats!.accepted).toBe(mid.accepted);
  });

  it('a wrong community is refused and counted, and becomes an event', async () => {
    const before = t.deps.traps.info().stats!.authFailures;
    await v2c('guessed', '1.3.6.1.6.3.1.1.5.1');
    await until('auth failure counted', async () =>
      t.deps.traps.info().stats!.authFailures > before ? true : undefined,
    );
    const ev = await until('auth failure event', async () => {
      await t.deps.traps.flush();
      const r = await t.store.events.query({ kinds: ['trap.auth-failure'], limit: 5 });
      return r.items[0];
    });
    expect(ev.message).toMatch(/127\.0\.0\.1.*unknown community/);
    expect(JSON.stringify(ev)).not.toContain('guessed');
  });
});
