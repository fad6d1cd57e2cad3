/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are checked with matchers */
/**
 * Failure response on the virtual branch LAN, end to end: the built appliance discovers the lab,
 * derives each device's parent from the core switch's LLDP and forwarding tables, and watches the
 * devices. The core switch and a file server behind it lose their cables together: one incident
 * for the switch reaches a real webhook receiver and a real SMTP server (both run by the test on
 * the management link), while the file server's incident is suppressed by the switch and pages
 * nobody. A person then acknowledges, comments and resolves the switch's incident through the API.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { startLab, labSkipReason, type Lab } from '../lab/lab.js';
import { startApplianceInLab, ApiClient, type LabAppliance } from '../lab/appliance.js';
import { verifySignature } from '../../src/incidents/channels/webhook.js';

const skip = labSkipReason(['nmap']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOOK_SECRET = 'lab-webhook-secret-0123456789';

describe.skipIf(skip !== undefined)(
  `incidents on the lab${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let lab: Lab;
    let app: LabAppliance;
    let api: ApiClient;
    let hookServer: http.Server;
    let smtp: SMTPServer;
    const hooks: Array<{ event: string; incident: any; valid: boolean }> = [];
    const mails: string[] = [];
    const ids = new Map<string, string>();

    async function until<T>(
      what: string,
      fn: () => Promise<T | undefined>,
      ms = 90_000,
    ): Promise<T> {
      const end = Date.now() + ms;
      for (;;) {
        const v = await fn();
        if (v !== undefined && v !== false) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(500);
      }
    }

    beforeAll(async () => {
      lab = await startLab();
      try {
        const host = lab.appliance.hostMgmtIp;
        hookServer = http.createServer((req, res) => {
          let body = '';
          req.on('data', (c: Buffer) => (body += c.toString()));
          req.on('end', () => {
            const parsed = JSON.parse(body);
            hooks.push({
              event: parsed.event,
              incident: parsed.incident,
              valid: verifySignature(
                HOOK_SECRET,
                String(req.headers['x-caretaker-timestamp']),
                body,
                String(req.headers['x-caretaker-signature']),
              ),
            });
            res.writeHead(204).end();
          });
        });
        await new Promise<void>((r) => hookServer.listen(0, host, r));
        smtp = new SMTPServer({
          authOptional: true,
          disabledCommands: ['STARTTLS'],
          onData(stream, _s, cb) {
            let text = '';
            stream.on('data', (c: Buffer) => (text += c.toString()));
            stream.on('end', () => {
              mails.push(text);
              cb();
            });
          },
        });
        await new Promise<void>((r) => smtp.listen(0, host, r));

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
            },
            incidents: { notifyDelayS: 3 },
            traps: { enabled: false },
          },
        });
        api = new ApiClient(app.url);
        await api.claim((await readFile(path.join(app.dataDir, 'setup-code'), 'utf8')).trim());
        expect(
          (
            await api.call('POST', '/api/v1/credentials', {
              version: '2c',
              name: 'default',
              community: 'public',
            })
          ).status,
        ).toBe(201);
        await api.call('PUT', '/api/v1/settings/discovery', { subnets: [lab.subnet] });
        const scanId = (await api.call('POST', '/api/v1/discovery/scans')).json.scan.id;
        await until(
          'the scan',
          async () => {
            const s = (await api.call('GET', `/api/v1/discovery/scans/${scanId}`)).json.scan;
            return s.status === 'running' || s.status === 'queued' ? undefined : s;
          },
          150_000,
        );
        for (const d of (await api.call('GET', '/api/v1/devices?limit=500')).json.items)
          for (const ld of lab.devices) if (ld.ip === d.ip) ids.set(ld.name, d.id);

        const hookPort = (hookServer.address() as { port: number }).port;
        const smtpPort = (smtp.server.address() as { port: number }).port;
        for (const ch of [
          {
            name: 'ops webhook',
            settings: {
              kind: 'webhook',
              url: `http://${host}:${hookPort}/caretaker`,
              secret: HOOK_SECRET,
            },
            filters: { minSeverity: 'warning' },
          },
          {
            name: 'ops mail',
            settings: {
              kind: 'email',
              host,
              port: smtpPort,
              security: 'none',
              from: 'caretaker@branch.example',
              to: ['it@branch.example'],
            },
            filters: { minSeverity: 'major' },
          },
        ]) {
          const r = await api.call('POST', '/api/v1/channels', ch);
          expect(r.status, JSON.stringify(r.json)).toBe(201);
        }
      } catch (err) {
        await app?.stop();
        await lab.stop();
        throw err;
      }
    }, 300_000);

    afterAll(async () => {
      await app?.stop();
      await lab?.stop();
      await new Promise<void>((r) => (hookServer ? hookServer.close(() => r()) : r()));
      await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
    });

    it('derives the core switch as the parent of the devices behind it', async () => {
      const r = await api.call('GET', `/api/v1/devices/${ids.get('srv-files')}/parent`);
      expect(r.json).toMatchObject({ parentId: ids.get('sw-core') });
      expect(['lldp', 'fdb']).toContain(r.json.via);
    });

    it('a switch and a server behind it fail: one page for the switch, the server suppressed', async () => {
      const sw = ids.get('sw-core')!;
      const srv = ids.get('srv-files')!;
      await lab.setLink('srv-files', false);
      await lab.setLink('sw-core', false);
      try {
        const open = await until('both incidents', async () => {
          const items = (await api.call('GET', '/api/v1/incidents')).json.items as any[];
          const a = items.find((i) => i.deviceId === sw);
          const b = items.find((i) => i.deviceId === srv);
          return a && b ? { sw: a, srv: b } : undefined;
        });
        expect(open.srv.suppressedBy ?? null).toBe(sw);
        await until('the webhook for the switch', async () =>
          hooks.some((h) => h.event === 'incident.opened' && h.incident?.deviceId === sw),
        );
        await until('the mail for the switch', async () => mails.length > 0 || undefined);
        // Give a wrongly unsuppressed server incident time to page, then check it never did.
        await sleep(8_000);
        expect(hooks.every((h) => h.valid)).toBe(true);
        expect(hooks.filter((h) => h.incident?.deviceId === srv)).toEqual([]);
        expect(mails.join('\n')).toMatch(/sw-core/);

        const id = open.sw.id as string;
        expect((await api.call('POST', `/api/v1/incidents/${id}/acknowledge`)).status).toBe(200);
        expect(
          (await api.call('POST', `/api/v1/incidents/${id}/notes`, { text: 'Power cable checked' }))
            .status,
        ).toBe(201);
        const done = await api.call('POST', `/api/v1/incidents/${id}/resolve`, {
          note: 'Switch back on its UPS',
        });
        expect(done.json.incident).toMatchObject({ state: 'resolved' });
        const detail = (await api.call('GET', `/api/v1/incidents/${id}`)).json;
        expect(detail.timeline.map((l: any) => l.kind)).toEqual(
          expect.arrayContaining(['opened', 'acknowledged', 'note', 'resolved', 'notified']),
        );
        expect(detail.deliveries.some((d: any) => d.status === 'sent')).toBe(true);
      } finally {
        await lab.setLink('sw-core', true);
        await lab.setLink('srv-files', true);
      }
      // Back up: the server's incident resolves by itself.
      await until('the server incident to resolve', async () => {
        const items = (await api.call('GET', '/api/v1/incidents')).json.items as any[];
        return items.some((i) => i.deviceId === srv) ? undefined : true;
      });
    }, 240_000);
  },
);
