/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * Discovery against agents that misbehave, on loopback only: an agent that answers with another
 * community (its message must not leak the community), and an endless slow table (the per-device
 * time budget and a cancel must stop it, quickly).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  createTestApp,
  setupAdmin,
  jsonInit,
  type TestApp,
  type CookieJar,
} from '../helpers/app.js';
import { startHostileAgent } from '../helpers/hostile-agent.js';
import { freePort } from '../helpers/service-process.js';

let t: TestApp;
let admin: { jar: CookieJar; csrf: string };
let port: number;
const agents: Array<{ close(): Promise<void> }> = [];
const COMMUNITY = 'Sup3r-Secret-Comm';

beforeAll(async () => {
  port = await freePort();
  agents.push(await startHostileAgent('mismatch', '127.0.0.51', port));
  agents.push(await startHostileAgent('slow', '127.0.0.52', port, 400));
  agents.push(await startHostileAgent('flood', '127.0.0.53', port));
  t = await createTestApp({
    discovery: {
      snmpPort: port,
      snmpTimeoutMs: 600,
      snmpRetries: 0,
      perDeviceBudgetMs: 2_500,
      maxTableRows: 300,
      maxDeviceValues: 1_000,
    },
  });
  admin = await setupAdmin(t);
  await t.request(
    '/api/v1/credentials',
    jsonInit('POST', admin, { version: '2c', name: 'site', community: COMMUNITY }),
  );
});
afterAll(async () => {
  await t?.close();
  for (const a of agents) await a.close();
});

async function waitDone(
  id: string,
  limitMs: number,
): Promise<{ status: string; ms: number; scan: any }> {
  const t0 = Date.now();
  for (;;) {
    const scan = (
      await (await t.request(`/api/v1/discovery/scans/${id}`, { jar: admin.jar })).json()
    ).scan;
    if (scan.status !== 'running') return { status: scan.status, ms: Date.now() - t0, scan };
    if (Date.now() - t0 > limitMs) throw new Error(`scan still running after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('hostile agents', () => {
  it('an agent answering with another community is recorded without revealing the community', async () => {
    expect(
      (
        await t.request(
          '/api/v1/settings/discovery',
          jsonInit('PUT', admin, { subnets: ['127.0.0.51/32'] }),
        )
      ).status,
    ).toBe(200);
    const r = await t.request('/api/v1/discovery/scans', jsonInit('POST', admin));
    const done = await waitDone((await r.json()).scan.id, 20_000);
    expect(done.status).toBe('done');
    const devices = (await (await t.request('/api/v1/devices', { jar: admin.jar })).json()).items;
    expect(devices).toHaveLength(1);
    expect(devices[0].snmp.ok).toBe(false);
    expect(devices[0].snmp.error.code).toBe('SNMP_BAD_RESPONSE');
    for (const p of [
      '/api/v1/devices',
      `/api/v1/devices/${devices[0].id}`,
      `/api/v1/discovery/scans`,
      `/devices/${devices[0].id}`,
      '/discovery',
    ]) {
      expect(await (await t.request(p, { jar: admin.jar })).text(), p).not.toContain(COMMUNITY);
    }
  });

  it('an endless slow table is cut by the per-device time budget, not waited for', async () => {
    expect(
      (
        await t.request(
          '/api/v1/settings/discovery',
          jsonInit('PUT', admin, { subnets: ['127.0.0.52/32'] }),
        )
      ).status,
    ).toBe(200);
    const r = await t.request('/api/v1/discovery/scans', jsonInit('POST', admin));
    const done = await waitDone((await r.json()).scan.id, 30_000);
    expect(done.status).toBe('done');
    const d = (await (await t.request('/api/v1/devices?q=127.0.0.52', { jar: admin.jar })).json())
      .items[0];
    expect(d.snmp.error.code).toBe('SNMP_TOO_SLOW');
  });

  it('an endless fast table is cut at the row cap and the device value budget, and says so', async () => {
    expect(
      (
        await t.request(
          '/api/v1/settings/discovery',
          jsonInit('PUT', admin, { subnets: ['127.0.0.53/32'] }),
        )
      ).status,
    ).toBe(200);
    const r = await t.request('/api/v1/discovery/scans', jsonInit('POST', admin));
    const done = await waitDone((await r.json()).scan.id, 30_000);
    expect(done.status).toBe('done');
    const d = (await (await t.request('/api/v1/devices?q=127.0.0.53', { jar: admin.jar })).json())
      .items[0];
    expect(d.snmp, JSON.stringify(d.snmp)).toMatchObject({ ok: true });
    const notes: string[] =
      (await (await t.request(`/api/v1/devices/${d.id}/neighbours`, { jar: admin.jar })).json())
        .notes ?? done.scan.notes;
    const all = [...notes, ...done.scan.notes].join('\n');
    expect(all).toMatch(/ifTable: more than 300 values, the rest was not read/);
    expect(all).toMatch(/not read, the device already sent 1000 values/);
  });

  it('a missing nmap fails the scan with a clear error and leaves the inventory as it was', async () => {
    const broken = await createTestApp({ discovery: { nmapPath: '/nonexistent/nmap' } });
    try {
      const s = await setupAdmin(broken);
      await broken.request(
        '/api/v1/settings/discovery',
        jsonInit('PUT', s, { subnets: ['127.0.0.1/32'] }),
      );
      const id = (
        await (await broken.request('/api/v1/discovery/scans', jsonInit('POST', s))).json()
      ).scan.id;
      for (let i = 0; i < 50 && broken.deps.scans.running(); i++)
        await new Promise((x) => setTimeout(x, 100));
      const scan = (
        await (await broken.request(`/api/v1/discovery/scans/${id}`, { jar: s.jar })).json()
      ).scan;
      expect(scan).toMatchObject({ status: 'failed', error: { code: 'TOOL_MISSING' } });
      expect(scan.error.message).toMatch(/not installed/);
      expect(await broken.store.devices.count()).toBe(0);
    } finally {
      await broken.close();
    }
  });

  it('a cancel stops a scan stuck on a slow agent without waiting for it', async () => {
    // A budget of ten minutes: if cancel waited for the agent, this test would time out.
    const slow = await createTestApp({
      discovery: { snmpPort: port, snmpTimeoutMs: 600, snmpRetries: 0, perDeviceBudgetMs: 600_000 },
    });
    try {
      const s = await setupAdmin(slow);
      await slow.request(
        '/api/v1/credentials',
        jsonInit('POST', s, { version: '2c', name: 'site', community: COMMUNITY }),
      );
      await slow.request(
        '/api/v1/settings/discovery',
        jsonInit('PUT', s, { subnets: ['127.0.0.52/32'] }),
      );
      const id = (await (await slow.request('/api/v1/discovery/scans', jsonInit('POST', s))).json())
        .scan.id;
      for (let i = 0; i < 100 && slow.deps.scans.running()?.phase !== 'snmp'; i++)
        await new Promise((x) => setTimeout(x, 50));
      await new Promise((x) => setTimeout(x, 500)); // into the endless walk
      const c = await slow.request(`/api/v1/discovery/scans/${id}`, jsonInit('DELETE', s));
      expect(c.status).toBe(200);
      expect((await c.json()).scan).toMatchObject({
        status: 'cancelled',
        error: { code: 'CANCELLED' },
      });
      expect(await slow.store.devices.count()).toBe(0); // the inventory was not touched
    } finally {
      await slow.close();
    }
  }, 15_000);
});
