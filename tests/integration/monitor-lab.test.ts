/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * Monitoring on the virtual branch LAN, end to end: the built appliance runs in the lab's
 * appliance namespace, discovers the lab, then its jobs ping and poll the real snmpd and the
 * simulated agents. A cable pulled in the lab makes a device go down after the configured number
 * of failed checks and come back; an interface set down inside a device's namespace is seen by
 * snmpd and raises the interface-down alert once the port is marked important.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startLab, labSkipReason, type Lab } from '../lab/lab.js';
import { startApplianceInLab, ApiClient, type LabAppliance } from '../lab/appliance.js';

const skip = labSkipReason(['nmap']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip !== undefined)(
  `monitoring of the lab${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: Lab;
    let app: LabAppliance;
    let api: ApiClient;
    const ids = new Map<string, string>();

    async function until<T>(
      what: string,
      fn: () => Promise<T | undefined>,
      ms = 60_000,
    ): Promise<T> {
      const end = Date.now() + ms;
      for (;;) {
        const v = await fn();
        if (v !== undefined && v !== false) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(500);
      }
    }

    /** Starts a job by hand and waits for that run to finish. */
    async function runJob(name: string): Promise<any> {
      for (let i = 0; i < 100; i++) {
        const r = await api.call('POST', `/api/v1/jobs/${name}/run`);
        if (r.status === 202 || r.status === 200) {
          const id = r.json.run.id;
          return until(`${name} run`, async () => {
            const runs = (await api.call('GET', `/api/v1/jobs/${name}/runs?limit=20`)).json.items;
            const run = runs.find((x: any) => x.id === id);
            return run && run.status !== 'running' ? run : undefined;
          });
        }
        // The scheduled run is in progress: wait for it.
        await sleep(300);
      }
      throw new Error(`${name} never started`);
    }

    async function series(deviceId: string): Promise<any[]> {
      return (await api.call('GET', `/api/v1/devices/${deviceId}/metrics`)).json.items;
    }

    beforeAll(async () => {
      lab = await startLab();
      try {
        // A second port on the file server that the test can take down from inside the device.
        await lab.execIn('srv-files', [
          'ip',
          'link',
          'add',
          'lan2',
          'type',
          'veth',
          'peer',
          'name',
          'lan2p',
        ]);
        await lab.execIn('srv-files', ['ip', 'link', 'set', 'lan2p', 'up']);
        await lab.execIn('srv-files', ['ip', 'link', 'set', 'lan2', 'up']);
        app = await startApplianceInLab(lab, {
          config: {
            discovery: { snmpTimeoutMs: 700, snmpRetries: 1 },
            monitor: {
              reachIntervalS: 5,
              downAfterFailures: 2,
              upAfterSuccesses: 1,
              reachTimeoutMs: 400,
              pollIntervalS: 3600,
              serviceIntervalS: 3600,
              pollTimeoutMs: 700,
            },
          },
        });
        api = new ApiClient(app.url);
        await api.claim((await readFile(path.join(app.dataDir, 'setup-code'), 'utf8')).trim());
        for (const c of [
          { version: '2c', name: 'default', community: 'public' },
          { version: '2c', name: 'storage', community: 'branch-ro' },
          {
            version: '3',
            name: 'firewall v3',
            user: 'fwmon',
            level: 'authPriv',
            authProtocol: 'sha',
            authKey: 'lab-fw-auth-2931',
            privProtocol: 'aes',
            privKey: 'lab-fw-priv-7740',
          },
        ])
          expect((await api.call('POST', '/api/v1/credentials', c)).status).toBe(201);
        await api.call('PUT', '/api/v1/settings/discovery', { subnets: [lab.subnet] });
        const started = await api.call('POST', '/api/v1/discovery/scans');
        const scanId = started.json.scan.id;
        await until(
          'the scan',
          async () => {
            const s = (await api.call('GET', `/api/v1/discovery/scans/${scanId}`)).json.scan;
            return s.status === 'running' || s.status === 'queued' ? undefined : s;
          },
          120_000,
        );
        for (const d of (await api.call('GET', '/api/v1/devices?limit=500')).json.items)
          for (const ld of lab.devices) if (ld.ip === d.ip) ids.set(ld.name, d.id);
      } catch (err) {
        await app?.stop();
        await lab.stop();
        throw err;
      }
    }, 240_000);

    afterAll(async () => {
      await app?.stop();
      await lab?.stop();
    });

    it('polls real snmpd and simulated devices into rates, health values and series', async () => {
      const first = await runJob('snmp-poll');
      expect(first.status, JSON.stringify(first)).toBe('ok');
      // snmpd refreshes its CPU tick counters every 5 s: CPU load needs two polls further apart.
      await sleep(6_000);
      const second = await runJob('snmp-poll');
      expect(second.summary).toMatch(/^\d+ of \d+ devices polled/);

      const sw = await series(ids.get('sw-core')!);
      const uplink = sw.find((s) => s.metric === 'if.in_bps' && /uplink/.test(s.label ?? ''));
      expect(uplink, JSON.stringify(sw.slice(0, 5))).toBeDefined();
      expect(uplink.last.value).toBeGreaterThan(0);
      expect(sw.some((s) => s.metric === 'sensor.temp_c')).toBe(true);

      const srv = await series(ids.get('srv-files')!);
      const metrics = new Set(srv.map((s) => s.metric));
      for (const m of ['cpu.load_pct', 'mem.used_pct', 'storage.used_pct', 'uptime.s', 'if.in_bps'])
        expect(metrics.has(m), `${m} in ${[...metrics].join(', ')}`).toBe(true);

      const prn = await series(ids.get('prn-office')!);
      expect(prn.find((s) => s.metric === 'printer.supply_pct')?.label).toMatch(/toner/i);
      const ups = await series(ids.get('ups-rack')!);
      expect(ups.find((s) => s.metric === 'ups.battery_pct')?.last.value).toBe(100);

      // The v3-only firewall is polled with its authPriv credential.
      const fw = await series(ids.get('fw-edge')!);
      expect(fw.some((s) => s.metric === 'if.in_bps')).toBe(true);

      const q = await api.call('GET', `/api/v1/series/${encodeURIComponent(uplink.id)}?step=60`);
      expect(q.status).toBe(200);
      expect(q.json.tier).toBe('raw');
      expect(q.json.points.length).toBeGreaterThanOrEqual(1);

      const status = await api.call('GET', `/api/v1/devices/${ids.get('srv-files')}/status`);
      expect(status.json.status.snmp).toMatchObject({ ok: true });
      expect(status.json.status.snmp.pollMs).toBeGreaterThanOrEqual(0);
    }, 120_000);

    it('an interface set down inside the device raises interface-down once it is important', async () => {
      const id = ids.get('srv-files')!;
      const ifs = (await api.call('GET', `/api/v1/devices/${id}/interfaces`)).json.items;
      const lan2 = ifs.find((i: any) => i.name === 'lan2');
      expect(lan2, JSON.stringify(ifs.map((i: any) => i.name))).toBeDefined();
      const mark = await api.call('PUT', `/api/v1/devices/${id}/interfaces/${lan2.index}`, {
        important: true,
      });
      expect(mark.status, JSON.stringify(mark.json)).toBe(200);
      await runJob('snmp-poll');
      // The far end goes away (a pulled cable): lan2 stays admin up and loses its link.
      await lab.execIn('srv-files', ['ip', 'link', 'set', 'lan2p', 'down']);
      const alert = await until('the interface-down alert', async () => {
        await runJob('snmp-poll');
        const a = (await api.call('GET', `/api/v1/alerts?deviceId=${id}`)).json.items;
        return a.find((x: any) => x.instance === String(lan2.index));
      });
      expect(alert.severity).toBe('major');
      expect(alert.message).toMatch(/lan2/);
      await lab.execIn('srv-files', ['ip', 'link', 'set', 'lan2p', 'up']);
      await until('the interface-down alert to clear', async () => {
        await runJob('snmp-poll');
        const a = (await api.call('GET', `/api/v1/alerts?deviceId=${id}`)).json.items;
        return a.some((x: any) => x.instance === String(lan2.index)) ? undefined : true;
      });
      // Set down on purpose (ip link set … down = admin down): seen, but not an alert.
      await lab.execIn('srv-files', ['ip', 'link', 'set', 'lan2', 'down']);
      try {
        await until('lan2 to be seen down', async () => {
          await runJob('snmp-poll');
          const s = (await series(id)).find(
            (x) => x.metric === 'if.oper_up' && x.instance === String(lan2.index),
          );
          return s?.last.value === 0 ? true : undefined;
        });
        const a = (await api.call('GET', `/api/v1/alerts?deviceId=${id}`)).json.items;
        expect(a.filter((x: any) => x.instance === String(lan2.index))).toEqual([]);
      } finally {
        await lab.execIn('srv-files', ['ip', 'link', 'set', 'lan2', 'up']);
      }
    }, 120_000);

    it('a device whose cable is pulled goes down after the configured failures, and comes back', async () => {
      const id = ids.get('cam-lobby')!;
      await until('cam-lobby to be up', async () => {
        const s = (await api.call('GET', `/api/v1/devices/${id}/status`)).json.status;
        return s.reach === 'up' ? true : undefined;
      });
      await lab.setLink('cam-lobby', false);
      try {
        // A cycle commits the device's state first and evaluates the rules after: a status read
        // in between shows it down without the alert yet, so wait for both.
        const down = await until('cam-lobby to go down with a critical alert', async () => {
          const s = (await api.call('GET', `/api/v1/devices/${id}/status`)).json;
          return s.status.reach === 'down' && s.alerts.some((a: any) => a.severity === 'critical')
            ? s
            : undefined;
        });
        expect(down.alerts.find((a: any) => a.severity === 'critical').ruleId).toBe('device-down');
      } finally {
        await lab.setLink('cam-lobby', true);
      }
      await until('cam-lobby to come back', async () => {
        const s = (await api.call('GET', `/api/v1/devices/${id}/status`)).json;
        return s.status.reach === 'up' && s.alerts.length === 0 ? true : undefined;
      });
      const events = (await api.call('GET', `/api/v1/events?deviceId=${id}`)).json.items;
      const kinds = events.map((e: any) => e.kind);
      expect(kinds).toContain('alert.raised');
      expect(kinds).toContain('alert.cleared');
      // The other devices stayed up meanwhile.
      const srv = (await api.call('GET', `/api/v1/devices/${ids.get('srv-files')}/status`)).json;
      expect(srv.status.reach).toBe('up');
    }, 120_000);
  },
);
