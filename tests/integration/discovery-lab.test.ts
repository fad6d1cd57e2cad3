/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * Discovery of the virtual branch LAN, end to end: the built appliance runs inside the lab's
 * appliance namespace, is claimed and configured over its API like a new box, scans the lab with
 * the real nmap and real snmpd / simulated agents, and the inventory is checked against the
 * devices the lab defines.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { startLab, labSkipReason, type Lab } from '../lab/lab.js';
import { startApplianceInLab, ApiClient, type LabAppliance } from '../lab/appliance.js';

const skip = labSkipReason(['nmap']);

describe.skipIf(skip !== undefined)(
  `discovery of the lab${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: Lab;
    let app: LabAppliance;
    let api: ApiClient;

    async function scan(): Promise<any> {
      const r = await api.call('POST', '/api/v1/discovery/scans');
      expect(r.status, JSON.stringify(r.json)).toBe(202);
      const id = r.json.scan.id as string;
      for (let i = 0; i < 600; i++) {
        const s = (await api.call('GET', `/api/v1/discovery/scans/${id}`)).json.scan;
        if (s.status !== 'running') return s;
        await new Promise((x) => setTimeout(x, 200));
      }
      throw new Error('scan did not finish in 2 minutes');
    }

    async function devices(): Promise<any[]> {
      return (await api.call('GET', '/api/v1/devices?limit=500')).json.items;
    }

    beforeAll(async () => {
      lab = await startLab();
      try {
        app = await startApplianceInLab(lab, {
          config: { discovery: { snmpTimeoutMs: 700, snmpRetries: 1 } },
        });
        api = new ApiClient(app.url);
        await api.claim((await readFile(path.join(app.dataDir, 'setup-code'), 'utf8')).trim());
      } catch (err) {
        await app?.stop();
        await lab.stop();
        throw err;
      }
    }, 120_000);

    /** Data directories of appliances restarted on a crashed one's directory (not theirs to remove). */
    const adopted: string[] = [];
    afterAll(async () => {
      await app?.stop();
      await lab?.stop();
      for (const d of adopted) await rm(d, { recursive: true, force: true });
    });

    it('scans nothing before an admin has configured networks', async () => {
      const r = await api.call('POST', '/api/v1/discovery/scans');
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe('DISCOVERY_NOT_CONFIGURED');
      expect(await devices()).toEqual([]);
    });

    it('refuses a range over /16 and an unknown credential, clearly', async () => {
      const big = await api.call('PUT', '/api/v1/settings/discovery', { subnets: ['10.0.0.0/8'] });
      expect(big.status).toBe(422);
      expect(big.json.error.fields['subnets.0']).toMatch(/larger than a \/16/);
      const cred = await api.call('PUT', '/api/v1/credentials/nope', {
        version: '2c',
        name: 'x',
        community: 'y',
      });
      expect(cred.status).toBe(404);
    });

    it('finds every lab device and identifies it', async () => {
      // A wrong community first: discovery must move on to the right one.
      for (const c of [
        { version: '2c', name: 'wrong', community: 'not-the-community' },
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
      ]) {
        const r = await api.call('POST', '/api/v1/credentials', c);
        expect(r.status, JSON.stringify(r.json)).toBe(201);
      }
      const listed = JSON.stringify((await api.call('GET', '/api/v1/credentials')).json);
      expect(listed).not.toContain('lab-fw-priv-7740');
      expect(listed).not.toContain('branch-ro');

      expect(
        (await api.call('PUT', '/api/v1/settings/discovery', { subnets: [lab.subnet] })).status,
      ).toBe(200);
      const s = await scan();
      expect(s.status, JSON.stringify(s)).toBe('done');
      expect(s.progress.hostsUp).toBe(lab.devices.length + 1); // + the appliance's own LAN address

      const byIp = new Map((await devices()).map((d) => [d.ip, d]));
      expect(byIp.size).toBe(lab.devices.length + 1);
      for (const ld of lab.devices) {
        const d = byIp.get(ld.ip);
        expect(d, ld.name).toBeDefined();
        expect(d.mac, ld.name).toBe(ld.mac);
        if (ld.kind === 'none') {
          expect(d.snmp.ok, ld.name).toBe(false);
          expect(d.snmp.error.code).toBe('SNMP_NO_ANSWER');
        } else {
          expect(d.snmp.ok, `${ld.name}: ${JSON.stringify(d.snmp)}`).toBe(true);
          expect(d.sysName, ld.name).toBe(ld.sysName);
          expect(d.name, ld.name).toBe(ld.sysName);
        }
        if (ld.engineId) expect(d.engineId, ld.name).toBe(ld.engineId);
      }
      const by = (name: string) => byIp.get(lab.device(name).ip);
      // The box finds itself on the LAN and says so.
      expect(byIp.get(lab.appliance.lanIp)).toMatchObject({
        name: 'Caretaker (this box)',
        type: 'server',
        snmp: { error: { code: 'SELF' } },
      });
      expect(by('srv-files')).toMatchObject({
        type: 'server',
        vendor: 'Dell',
        os: 'Linux',
        osVersion: '6.1.0-18-amd64',
        interfaceCount: 2,
      });
      expect(by('nas-backup')).toMatchObject({ type: 'nas', vendor: 'Synology' });
      expect(by('fw-edge')).toMatchObject({
        type: 'firewall',
        vendor: 'Fortinet',
        os: 'FortiOS',
        osVersion: '7.2.8',
        snmp: { version: '3' },
      });
      expect(by('cam-lobby')).toMatchObject({ type: 'camera', vendor: 'Axis' });
      expect(by('sw-core')).toMatchObject({ type: 'switch', vendor: 'Cisco' });
      expect(by('sw-core').interfaceCount).toBeGreaterThanOrEqual(48);
      expect(by('rt-wan')).toMatchObject({ type: 'router' });
      expect(by('prn-office')).toMatchObject({ type: 'printer' });
      expect(by('ups-rack')).toMatchObject({ type: 'ups', vendor: 'APC' });
      for (const d of byIp.values()) expect(d.reasons.length, d.name).toBeGreaterThan(0);

      // The switch's LLDP neighbours and forwarding table name the other lab devices.
      const sw = by('sw-core');
      const n = (await api.call('GET', `/api/v1/devices/${sw.id}/neighbours`)).json;
      expect(lab.devices.filter((x) => x.switchPort !== undefined).length).toBeGreaterThanOrEqual(
        6,
      );
      const neighbourNames = n.neighbours.map((x: any) => x.sysName);
      for (const ld of lab.devices.filter((x) => x.switchPort !== undefined && x.kind !== 'none'))
        expect(neighbourNames, ld.name).toContain(ld.sysName);
      const fdbMacs = new Set(n.fdb.map((x: any) => x.mac));
      for (const ld of lab.devices.filter((x) => x.switchPort !== undefined))
        expect(fdbMacs.has(ld.mac), `${ld.name} in the FDB`).toBe(true);
      const ifs = (await api.call('GET', `/api/v1/devices/${sw.id}/interfaces`)).json.items;
      expect(ifs.length).toBe(sw.interfaceCount);

      const events = JSON.stringify((await api.call('GET', '/api/v1/audit?limit=50')).json);
      expect(events).toContain('discovery.scan-started');
    }, 180_000);

    it('a second scan updates the same devices instead of adding new ones', async () => {
      const before = await devices();
      const s = await scan();
      expect(s.status).toBe('done');
      expect(s.progress.devicesNew).toBe(0);
      const after = await devices();
      expect(after.map((d) => d.id).sort()).toEqual(before.map((d) => d.id).sort());
    }, 120_000);

    it('a device unplugged for two scans is missing; plugged back, it returns', async () => {
      const cam = lab.device('cam-lobby');
      await lab.setLink('cam-lobby', false);
      try {
        expect((await scan()).progress.devicesMissing).toBe(0);
        const s = await scan();
        expect(s.progress.devicesMissing).toBe(1);
        const d = (await devices()).find((x) => x.ip === cam.ip);
        expect(d.status).toBe('missing');
      } finally {
        await lab.setLink('cam-lobby', true);
      }
      await scan();
      expect((await devices()).find((x) => x.ip === cam.ip).status).toBe('up');
    }, 180_000);

    it('the optional service scan finds open services (the camera’s web server)', async () => {
      expect(
        (
          await api.call('PUT', '/api/v1/settings/discovery', {
            subnets: [lab.subnet],
            serviceScan: true,
          })
        ).status,
      ).toBe(200);
      try {
        const s = await scan();
        expect(s.status, JSON.stringify(s.error)).toBe('done');
        const cam = (await devices()).find((d) => d.ip === lab.device('cam-lobby').ip);
        expect(cam.services).toEqual(
          expect.arrayContaining([expect.objectContaining({ protocol: 'tcp', port: 80 })]),
        );
        const snmpOnly = (await devices()).find((d) => d.ip === lab.device('sw-core').ip);
        expect(Array.isArray(snmpOnly.services)).toBe(true);
      } finally {
        await api.call('PUT', '/api/v1/settings/discovery', {
          subnets: [lab.subnet],
          serviceScan: false,
        });
      }
    }, 240_000);

    it('a cancelled scan leaves the inventory as it was', async () => {
      const before = JSON.stringify((await devices()).map((d) => [d.id, d.lastScanId]));
      const r = await api.call('POST', '/api/v1/discovery/scans');
      const id = r.json.scan.id;
      const c = await api.call('DELETE', `/api/v1/discovery/scans/${id}`);
      expect(c.status).toBe(200);
      expect(c.json.scan.status).toBe('cancelled');
      expect(JSON.stringify((await devices()).map((d) => [d.id, d.lastScanId]))).toBe(before);
      const again = await api.call('DELETE', `/api/v1/discovery/scans/${id}`);
      expect(again.status).toBe(409);
    }, 60_000);

    it('a scan interrupted by kill -9 is marked failed after restart, and the inventory is intact', async () => {
      const before = (await devices()).length;
      const r = await api.call('POST', '/api/v1/discovery/scans');
      const id = r.json.scan.id;
      await app.crash();
      adopted.push(app.dataDir);
      app = await startApplianceInLab(lab, {
        dataDir: app.dataDir,
        config: { discovery: { snmpTimeoutMs: 700, snmpRetries: 1 } },
      });
      api = new ApiClient(app.url);
      const l = await api.call('POST', '/api/v1/session', {
        username: 'admin',
        password: 'lab admin password',
      });
      expect(l.status).toBe(201);
      const s = (await api.call('GET', `/api/v1/discovery/scans/${id}`)).json.scan;
      expect(s).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
      expect((await devices()).length).toBe(before);
    }, 60_000);
  },
);
