/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * A full data disk, for real: the built service runs with its data directory on a small tmpfs
 * and pings one device (this machine's loopback address) every 5 s. Filling the disk makes it
 * stop writing metrics and say so once; the service stays up and answers; freeing the space
 * makes it resume by itself. Needs root (mount); skipped with the reason otherwise.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/store.js';
import type { DeviceRecord } from '../../src/store/types.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { ApiClient } from '../lab/appliance.js';

const root = process.getuid?.() === 0;
const hasNmap = spawnSync('nmap', ['--version']).status === 0;
const skip = !root ? 'needs root to mount a tmpfs' : !hasNmap ? 'nmap is not installed' : undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 45_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

describe.skipIf(skip !== undefined)(`a full data disk${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let mnt: string;
  let confDir: string;
  let svc: ServiceProcess | undefined;
  let api: ApiClient;
  const filler = () => path.join(mnt, 'filler');

  beforeAll(async () => {
    mnt = await mkdtemp(path.join(os.tmpdir(), 'caretaker-tmpfs-'));
    confDir = await mkdtemp(path.join(os.tmpdir(), 'caretaker-conf-'));
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=0700', 'tmpfs', mnt]);
    if (m.status !== 0) throw new Error(`mount failed: ${m.stderr.toString()}`);
    const store = await openStore(mnt);
    const now = new Date().toISOString();
    const device: DeviceRecord = {
      id: 'dev-loopback',
      name: 'loopback',
      nameSource: 'manual',
      ip: '127.0.0.1',
      addresses: ['127.0.0.1'],
      type: 'server',
      typeSource: 'manual',
      reasons: [],
      snmp: { ok: false },
      services: [],
      interfaceCount: 0,
      notes: '',
      status: 'up',
      missedScans: 0,
      firstSeen: now,
      lastSeen: now,
      lastScanId: '',
    };
    await store.write(store.devices.putOps(device));
    await store.close();
    const config = path.join(confDir, 'config.json');
    await writeFile(config, JSON.stringify({ monitor: { reachIntervalS: 5, minFreeDiskMiB: 16 } }));
    svc = await startServiceProcess({ dataDir: mnt, env: { CARETAKER_CONFIG: config } });
    api = new ApiClient(svc.url);
    await api.claim((await readFile(path.join(mnt, 'setup-code'), 'utf8')).trim());
  }, 60_000);

  afterAll(async () => {
    await svc?.stop();
    spawnSync('umount', [mnt]);
    await rm(mnt, { recursive: true, force: true });
    await rm(confDir, { recursive: true, force: true });
  });

  const reachPoints = async () =>
    (
      await api.call(
        'GET',
        `/api/v1/series/${encodeURIComponent('dev-loopback~reach.up~')}?from=${Date.now() - 3_600_000}`,
      )
    ).json.points as any[];

  it('stops writing metrics when the disk fills, stays up, says so once, and resumes', async () => {
    await until('a first reachability sample', async () => {
      const items = (await api.call('GET', '/api/v1/devices/dev-loopback/metrics')).json.items;
      return items?.some((s: any) => s.metric === 'reach.up') ? true : undefined;
    });
    // Leave 8 MiB free: below the 16 MiB reserve, enough for the store's own small writes.
    const fs = await statfs(mnt);
    await writeFile(filler(), Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - 8 * 1024 * 1024)));
    const suspended = await until('metrics to be suspended', async () => {
      const m = (await api.call('GET', '/api/v1/monitoring')).json.metrics;
      return m.suspended ? m : undefined;
    });
    expect(suspended.suspended).toMatch(/MiB free/);
    const stuckAt = (await reachPoints()).length;
    await sleep(11_000); // two more cycles
    expect((await reachPoints()).length).toBe(stuckAt);
    expect((await api.call('GET', '/api/v1/health')).status).toBe(200);
    expect((await api.call('GET', '/api/v1/devices')).status).toBe(200);

    await rm(filler());
    await until('metrics to resume', async () => {
      const m = (await api.call('GET', '/api/v1/monitoring')).json.metrics;
      return m.suspended === null ? true : undefined;
    });
    await until('new samples', async () =>
      (await reachPoints()).length > stuckAt ? true : undefined,
    );
    const events = (await api.call('GET', '/api/v1/events?kind=metrics.suspended,metrics.resumed'))
      .json.items;
    expect(events.map((e: any) => e.kind)).toEqual(['metrics.resumed', 'metrics.suspended']);
    expect(svc!.output()).not.toMatch(/uncaught|unhandled/i);
  }, 120_000);
});
