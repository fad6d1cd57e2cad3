import { describe, it, expect, afterEach } from 'vitest';
import { Writable } from 'node:stream';
import { openStore } from '../../src/store/store.js';
import { ParentService, type ParentStore } from '../../src/incidents/parent-service.js';
import type { SelfNetwork } from '../../src/incidents/self-network.js';
import { createLogger } from '../../src/lib/logger.js';
import { isAppError } from '../../src/core/errors.js';
import type { RequestContext } from '../../src/auth/context.js';
import type { DeviceDetails, DeviceRecord } from '../../src/store/types.js';
import { tempDir } from '../helpers/temp-dir.js';

const BOX_MAC = 'b8:27:eb:00:00:01';
const T = '2026-03-01T00:00:00.000Z';
const ctx: RequestContext = {
  actor: { type: 'user', id: 'u1', name: 'alice', role: 'admin' },
  ip: '10.0.0.200',
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function dev(id: string, type: string, n: number): DeviceRecord {
  return {
    id,
    name: `${id}-name`,
    nameSource: 'auto',
    ip: `10.0.0.${n}`,
    addresses: [`10.0.0.${n}`],
    mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`,
    type,
    typeSource: 'auto',
    reasons: [],
    snmp: { ok: true },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: T,
    lastSeen: T,
    lastScanId: 's1',
  };
}

const details = (fdb: DeviceDetails['fdb']): DeviceDetails => ({
  neighbours: [],
  arp: [],
  fdb,
  ipAddrs: [],
  collectNotes: [],
});

/** A real store in a temp directory with core → {acc → h1, h2}, the box on core port 48. */
async function setup(
  self: () => Promise<SelfNetwork> = async () => ({
    macs: [BOX_MAC],
    subnets: ['10.0.0.0/24'],
  }),
) {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  const store = await openStore(t.dir);
  cleanups.push(() => store.close());
  const pstore: ParentStore = {
    devices: store.devices,
    audit: store.audit,
    deviceParents: store.deviceParents,
    write: (ops) => store.write(ops),
  };
  const core = dev('core', 'switch', 2);
  const acc = dev('acc', 'switch', 3);
  const h1 = dev('h1', 'workstation', 31);
  const h2 = dev('h2', 'workstation', 32);
  await store.write([
    ...[core, acc, h1, h2].flatMap((d) => store.devices.putOps(d)),
    store.devices.detailsOp(
      'core',
      details([
        { mac: BOX_MAC, port: 48 },
        { mac: acc.mac!, port: 24 },
        { mac: h1.mac!, port: 24 },
        { mac: h2.mac!, port: 24 },
      ]),
    ),
    store.devices.detailsOp(
      'acc',
      details([
        { mac: core.mac!, port: 1 },
        { mac: h1.mac!, port: 3 },
        { mac: h2.mac!, port: 4 },
      ]),
    ),
  ]);
  let now = Date.parse(T);
  const clock = { now: () => now };
  let selfCalls = 0;
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const service = new ParentService({
    store: pstore,
    clock,
    logger: createLogger('warn', sink),
    self: () => {
      selfCalls += 1;
      return self();
    },
  });
  return {
    store,
    pstore,
    service,
    advance: (ms: number) => (now += ms),
    selfCalls: () => selfCalls,
    logLines,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return `${err.code}/${err.kind}`;
    throw err;
  }
  throw new Error('expected an error');
}

describe('ParentService over a real store', () => {
  it('derives parents from the stored topology and caches them', async () => {
    const { service, selfCalls, advance } = await setup();
    expect(await service.parentOf('acc')).toEqual({ parentId: 'core', via: 'fdb' });
    expect(await service.ancestors('h1')).toEqual(['acc', 'core']);
    expect(await service.descendants('core')).toEqual(['acc', 'h1', 'h2']);
    expect((await service.derivation()).root).toEqual({ id: 'core', via: 'fdb' });
    expect(selfCalls()).toBe(1);
    advance(60_000);
    await service.parents();
    expect(selfCalls()).toBe(1);
    service.invalidate();
    await service.parents();
    expect(selfCalls()).toBe(2);
    advance(5 * 60_000);
    await service.parents();
    expect(selfCalls()).toBe(3);
  });

  it('rebuilds after invalidate() when the inventory changed', async () => {
    const { store, service } = await setup();
    expect(await service.parentOf('h3')).toBeUndefined();
    const h3 = dev('h3', 'workstation', 33);
    const accDetails = await store.devices.detailsOf('acc');
    await store.write([
      ...store.devices.putOps(h3),
      store.devices.detailsOp('acc', {
        ...accDetails!,
        fdb: [...accDetails!.fdb, { mac: h3.mac!, port: 5 }],
      }),
    ]);
    expect(await service.parentOf('h3')).toBeUndefined();
    service.invalidate();
    expect(await service.parentOf('h3')).toEqual({ parentId: 'acc', via: 'fdb' });
  });

  it('still derives from the topology when the box network cannot be read', async () => {
    const { service } = await setup(() => Promise.reject(new Error('no /proc')));
    const d = await service.derivation();
    expect(d.root).toBeUndefined();
    expect(await service.parentOf('h1')).toEqual({ via: 'none' });
  });

  it('sets, replaces and clears an override, audited, and applies it at once', async () => {
    const { store, pstore, service } = await setup();
    expect(await service.setOverride('h1', 'core', ctx)).toEqual({
      parentId: 'core',
      via: 'manual',
    });
    expect(await service.ancestors('h1')).toEqual(['core']);
    expect(await pstore.deviceParents.get('h1')).toEqual({
      deviceId: 'h1',
      parentId: 'core',
      setBy: 'alice',
      setAt: T,
    });

    expect(await service.setOverride('h1', null, ctx)).toEqual({ via: 'manual' });
    expect(await service.ancestors('h1')).toEqual([]);

    expect(await service.setOverride('h1', undefined, ctx)).toEqual({
      parentId: 'acc',
      via: 'fdb',
    });
    expect(await pstore.deviceParents.get('h1')).toBeUndefined();
    expect(await service.overrides()).toEqual([]);

    const audit = (await store.audit.page(10)).reverse();
    expect(audit.map((a) => [a.action, a.target, a.details?.from, a.details?.to])).toEqual([
      ['device.parent.set', 'device:h1', 'automatic', 'core'],
      ['device.parent.set', 'device:h1', 'core', null],
      ['device.parent.cleared', 'device:h1', null, 'automatic'],
    ]);
    expect(audit[0]).toMatchObject({
      actor: ctx.actor,
      ip: '10.0.0.200',
      details: { device: 'h1-name', toName: 'core-name', fromName: 'automatic' },
    });

    // Setting what is already there writes nothing.
    await service.setOverride('h1', undefined, ctx);
    expect(await store.audit.page(10)).toHaveLength(3);
  });

  it('refuses unknown devices, itself and loops with clear input errors, writing nothing', async () => {
    const { store, pstore, service } = await setup();
    expect(await codeOf(service.setOverride('nope', 'core', ctx))).toBe('NOT_FOUND/input');
    expect(await codeOf(service.setOverride('h1', 'nope', ctx))).toBe('PARENT_NOT_FOUND/input');
    expect(await codeOf(service.setOverride('h1', 'h1', ctx))).toBe('PARENT_IS_SELF/input');
    // core is above h1 (h1 → acc → core): making h1 the parent of core would be a loop.
    const err = await service.setOverride('core', 'h1', ctx).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('PARENT_CYCLE');
    expect(isAppError(err) && err.status).toBe(400);
    expect((err as Error).message).toBe(
      'h1-name cannot be the parent of core-name: it is reached through it ' +
        '(h1-name → acc-name → core-name), so that would make a loop.',
    );
    // A loop made only of overrides is refused too.
    await service.setOverride('h2', 'h1', ctx);
    expect(await codeOf(service.setOverride('h1', 'h2', ctx))).toBe('PARENT_CYCLE/input');
    expect(await pstore.deviceParents.map()).toEqual(new Map([['h2', 'h1']]));
    expect(await store.audit.page(10)).toHaveLength(1);
  });

  it('lets an override be cleared even if that closes a loop: the newer override is ignored and logged', async () => {
    const { service, advance, logLines } = await setup();
    await service.setOverride('h1', 'core', ctx);
    advance(1_000);
    // Allowed now: h1 hangs off core by hand, so acc is not above it.
    await service.setOverride('acc', 'h1', ctx);
    advance(1_000);
    // Back to automatic, h1 is under acc again, and acc (by hand) under h1.
    await service.setOverride('h1', undefined, ctx);
    const d = await service.derivation();
    expect(d.ignored).toEqual([
      expect.objectContaining({ deviceId: 'acc', parentId: 'h1', reason: 'cycle' }),
    ]);
    expect(d.parents.get('acc')).toEqual({ parentId: 'core', via: 'fdb' });
    expect(d.parents.get('h1')).toEqual({ parentId: 'acc', via: 'fdb' });
    const warned = logLines.map((l) => JSON.parse(l) as { msg: string; deviceId?: string });
    expect(warned).toEqual([
      expect.objectContaining({
        deviceId: 'acc',
        msg: expect.stringContaining('parent override ignored'),
      }),
    ]);
    // Reported once, not at every rebuild.
    service.invalidate();
    await service.parents();
    expect(logLines).toHaveLength(1);
  });

  it('drops the overrides of a deleted device and those pointing at it in the delete batch', async () => {
    const { store, pstore, service } = await setup();
    await service.setOverride('h1', 'core', ctx);
    await service.setOverride('h2', 'h1', ctx);
    await service.setOverride('acc', null, ctx);

    const ops = await pstore.deviceParents.deviceDeleteOps('h1');
    expect(ops.map((o) => [o.type, o.key]).sort()).toEqual([
      ['del', 'h1'],
      ['del', 'h2'],
    ]);
    const h1 = await store.devices.get('h1');
    await store.write([...(await store.devices.deleteOps(h1!)), ...ops]);
    service.invalidate();

    expect(await service.overrides()).toEqual([
      { deviceId: 'acc', parentId: null, setBy: 'alice', setAt: T },
    ]);
    expect(await service.parentOf('h1')).toBeUndefined();
    expect(await service.parentOf('h2')).toEqual({ parentId: 'acc', via: 'fdb' });
    expect(await pstore.deviceParents.deviceDeleteOps('unknown')).toEqual([]);
  });
});
