/**
 * The devices, discovery and SNMP credential pages through the real app (app.request, no network):
 * what each role sees and may do, forms with CSRF, field errors, secrets never rendered, the
 * inventory list's filters, sort and paging, a device's page, edit and delete, the topology, and a
 * real (loopback-only) scan followed from the scan page.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  createTestApp,
  setupAdmin,
  login,
  jsonInit,
  type TestApp,
  type CookieJar,
} from '../helpers/app.js';
import { freePort } from '../helpers/service-process.js';
import type { DeviceRecord, DeviceDetails } from '../../src/store/types.js';
import type { InterfaceInfo } from '../../src/discovery/types.js';

type Session = { jar: CookieJar; csrf: string };

let t: TestApp;
let admin: Session;
let operator: Session;
let viewer: Session;

const NOW = new Date().toISOString();
const COMMUNITY = 'Very-Secret-Community-7f3a';
const AUTH_KEY = 'auth-key-never-shown-91c2';
const PRIV_KEY = 'priv-key-never-shown-5e8d';
const NEW_COMMUNITY = 'Another-Secret-Community-c0de';

beforeAll(async () => {
  // Nothing listens on this UDP port: the loopback scan finds the host and gets no SNMP answer.
  t = await createTestApp({
    discovery: { snmpPort: await freePort(), snmpTimeoutMs: 200, snmpRetries: 0 },
  });
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
});
afterAll(async () => {
  await t?.close();
});

function get(path: string, s: Session = admin) {
  return t.request(path, { jar: s.jar });
}
async function html(path: string, s: Session = admin): Promise<string> {
  const res = await get(path, s);
  expect(res.status, `GET ${path}`).toBe(200);
  return res.text();
}
function post(path: string, fields: Record<string, string>, s: Session = admin, csrf = true) {
  return t.request(path, {
    method: 'POST',
    jar: s.jar,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...(csrf ? { _csrf: s.csrf } : {}), ...fields }),
  });
}

// ---- an inventory written straight into the store -------------------------------------------

const mac = (n: number) =>
  `02:00:00:00:${String(Math.floor(n / 256).toString(16)).padStart(2, '0')}:${(n % 256).toString(16).padStart(2, '0')}`;

function device(id: string, over: Partial<DeviceRecord>): DeviceRecord {
  return {
    id,
    name: id,
    nameSource: 'auto',
    ip: '192.168.50.250',
    addresses: [],
    type: 'unknown',
    typeSource: 'auto',
    reasons: [],
    snmp: { ok: false },
    services: [],
    interfaceCount: 0,
    notes: '',
    status: 'up',
    missedScans: 0,
    firstSeen: NOW,
    lastSeen: NOW,
    lastScanId: 'seeded',
    ...over,
  };
}

function ports(n: number, prefix: string, macBase: number): InterfaceInfo[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i + 1,
    name: `${prefix}${i + 1}`,
    descr: `${prefix}${i + 1}`,
    alias: i + 1 === n ? 'uplink' : '',
    type: 6,
    speedBps: 1_000_000_000,
    mac: mac(macBase + i),
    adminUp: i !== 5,
    operStatus: i % 3 === 2 ? 'down' : 'up',
  }));
}

const WORKSTATIONS = 50;
const ids = {
  router: 'dev-router',
  core: 'dev-core',
  floor: 'dev-floor',
  printers: ['dev-prn-1', 'dev-prn-2', 'dev-prn-3'],
  ups: 'dev-ups',
  ws: Array.from({ length: WORKSTATIONS }, (_, i) => `dev-ws-${String(i + 1).padStart(3, '0')}`),
};

async function seedInventory(credentialId: string) {
  const records: DeviceRecord[] = [
    device(ids.router, {
      name: 'gw-branch',
      sysName: 'gw-branch',
      ip: '192.168.50.1',
      addresses: ['192.168.50.1'],
      mac: mac(1),
      type: 'router',
      vendor: 'MikroTik',
      model: 'RB5009',
      snmp: { ok: true, version: '2c', credentialId, credentialSource: 'auto' },
      reasons: ['sysObjectID 1.3.6.1.4.1.14988 is MikroTik', 'IP forwarding is on'],
    }),
    device(ids.core, {
      name: 'sw-core',
      sysName: 'sw-core',
      ip: '192.168.50.2',
      addresses: ['192.168.50.2'],
      mac: mac(2),
      type: 'switch',
      vendor: 'Cisco',
      model: 'C9200L-24T',
      serial: 'FOC1234X0AB',
      os: 'IOS-XE',
      osVersion: '17.9.4',
      firmware: '17.9.4',
      sysDescr: 'Cisco IOS Software, C9200L',
      sysObjectID: '1.3.6.1.4.1.9.1.2593',
      engineId: '800000090300aabbccddeeff',
      location: 'Server room',
      contact: 'it@example.invalid',
      uptimeS: 1_000_000,
      uptimeAt: NOW,
      interfaceCount: 24,
      snmp: { ok: true, version: '2c', credentialId, credentialSource: 'auto' },
      reasons: ['BRIDGE-MIB answered with a forwarding table', 'sysServices has layer 2'],
    }),
    device(ids.floor, {
      name: 'sw-floor1',
      sysName: 'sw-floor1',
      ip: '192.168.50.3',
      addresses: ['192.168.50.3'],
      mac: mac(3),
      type: 'switch',
      vendor: 'HPE',
      model: 'Aruba 2530',
      snmp: { ok: true, version: '2c', credentialId, credentialSource: 'auto' },
    }),
    ...ids.printers.map((id, i) =>
      device(id, {
        name: `printer-${i + 1}`,
        ip: `192.168.50.${20 + i}`,
        addresses: [`192.168.50.${20 + i}`],
        mac: mac(20 + i),
        macVendor: 'Brother Industries',
        type: 'printer',
        vendor: 'Brother',
        model: 'HL-L5100DN',
      }),
    ),
    device(ids.ups, {
      name: 'ups-rack',
      ip: '192.168.50.30',
      addresses: ['192.168.50.30'],
      type: 'ups',
      vendor: 'APC',
      status: 'missing',
      missedScans: 2,
    }),
    ...ids.ws.map((id, i) =>
      device(id, {
        name: `ws-${String(i + 1).padStart(3, '0')}`,
        ip: `192.168.50.${100 + i}`,
        addresses: [`192.168.50.${100 + i}`],
        mac: mac(100 + i),
        macVendor: 'Dell Inc.',
        type: 'workstation',
        vendor: i % 2 ? 'Dell' : 'Lenovo',
      }),
    ),
  ];
  const coreIfs = ports(24, 'Gi1/0/', 0x200);
  const floorIfs = ports(48, 'port', 0x300);
  const coreDetails: DeviceDetails = {
    neighbours: [
      {
        localPort: 24,
        chassisId: mac(3),
        portId: '48',
        portDescr: 'port48',
        sysName: 'sw-floor1',
        capabilities: ['bridge'],
      },
      {
        localPort: 23,
        chassisId: 'bb:bb:bb:00:00:01',
        portId: 'eth0',
        sysName: 'isp-modem',
        mgmtIp: '10.255.0.1',
        capabilities: ['router'],
      },
      {
        localPort: 1,
        chassisId: mac(1),
        portId: 'ether1',
        sysName: 'gw-branch',
        capabilities: ['router'],
      },
    ],
    arp: [
      { ip: '192.168.50.20', mac: mac(20), ifIndex: 2 },
      { ip: '192.168.50.77', mac: '02:99:99:99:99:99', ifIndex: 2 },
    ],
    fdb: [
      ...ids.printers.map((_, i) => ({ mac: mac(20 + i), port: 2 + i, ifIndex: 2 + i, vlan: 10 })),
      // Every workstation is also learned on the uplink to the floor switch.
      ...ids.ws.map((_, i) => ({ mac: mac(100 + i), port: 24, ifIndex: 24, vlan: 10 })),
      { mac: '02:99:99:99:99:99', port: 5, ifIndex: 5, vlan: 10 },
    ],
    ipAddrs: [{ ip: '192.168.50.2', ifIndex: 24, mask: '255.255.255.0' }],
    collectNotes: ['The forwarding table was cut at 50000 rows.'],
  };
  const floorDetails: DeviceDetails = {
    neighbours: [
      {
        localPort: 48,
        chassisId: mac(2),
        portId: 'Gi1/0/24',
        sysName: 'sw-core',
        capabilities: ['bridge', 'router'],
      },
    ],
    arp: [],
    fdb: ids.ws.map((_, i) => ({ mac: mac(100 + i), port: 1 + (i % 46), ifIndex: 1 + (i % 46) })),
    ipAddrs: [],
    collectNotes: [],
  };
  await t.store.write([
    ...records.flatMap((d) => t.store.devices.putOps(d)),
    ...t.store.devices.interfaceOps(ids.core, coreIfs, []),
    ...t.store.devices.interfaceOps(ids.floor, floorIfs, []),
    t.store.devices.detailsOp(ids.core, coreDetails),
    t.store.devices.detailsOp(ids.floor, floorDetails),
    t.store.devices.historyOp(
      {
        deviceId: ids.core,
        scanId: 'seeded',
        kind: 'changed',
        changes: [{ field: 'osVersion', from: '17.6.1', to: '17.9.4' }],
      },
      Date.now() - 60_000,
    ),
  ]);
}

// ---- tests ------------------------------------------------------------------------------------

describe('before discovery is configured', () => {
  it('Devices explains what is missing and who can set it', async () => {
    const a = await html('/devices');
    expect(a).toContain('Not configured yet');
    expect(a).toContain('href="/settings/discovery"');
    expect(a).not.toContain('action="/discovery/scans"');
    const v = await html('/devices', viewer);
    expect(v).toContain('Only an admin can set the networks to scan');
    expect(v).toContain('ask admin');
    expect(v).not.toContain('action="/discovery/scans"');
  });

  it('a scan cannot start, and the scan page says why', async () => {
    const res = await post('/discovery/scans', {}, operator);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('DISCOVERY_NOT_CONFIGURED');
    expect(await html('/discovery', viewer)).toContain('No networks to scan are configured');
  });
});

describe('Settings → Discovery', () => {
  it('every role sees it; only admins get a form that can be saved', async () => {
    for (const s of [viewer, operator]) {
      const page = await html('/settings/discovery', s);
      expect(page).toContain('<fieldset disabled="">');
      expect(page).toContain('Only admins can change these settings.');
      expect(page).toContain('href="/settings/discovery"');
      expect(page).not.toContain('href="/settings/credentials"');
      expect((await post('/settings/discovery', { subnets: '127.0.0.1/32' }, s)).status).toBe(403);
    }
    const a = await html('/settings/discovery');
    expect(a).not.toContain('<fieldset disabled');
    expect(a).toContain('Nothing is scanned until at least one network is listed here.');
    expect(a).toContain('href="/settings/credentials"');
    expect(a).toContain('at most a /16');
  });

  it('shows errors next to the field, naming the line', async () => {
    const res = await post('/settings/discovery', {
      subnets: '192.168.50.0/24\n\n10.0.0.0/8\nnot-a-network',
      exclude: '192.168.50.1/32',
      schedule: 'custom',
      scheduleCustom: 'every tuesday',
    });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toMatch(
      /id="f-subnets-err"[\s\S]*Line 3: &quot;10\.0\.0\.0\/8&quot; is larger than a \/16/,
    );
    expect(page).toMatch(/Line 4: /);
    expect(page).toMatch(/id="f-scheduleCustom-err">Not a valid schedule/);
    // What was typed comes back, so nothing has to be typed again.
    expect(page).toContain('10.0.0.0/8\nnot-a-network</textarea>');
    expect((await t.deps.discovery.get()).subnets).toEqual([]);
  });

  it('saves valid input, with a preset or a custom schedule', async () => {
    const res = await post('/settings/discovery', {
      subnets: '127.0.0.1/32\r\n192.168.50.0/24\r\n',
      exclude: '192.168.50.250/32',
      schedule: '0 3 * * 1',
      serviceScan: 'on',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/settings/discovery?saved=1');
    expect(await t.deps.discovery.get()).toEqual({
      subnets: ['127.0.0.1/32', '192.168.50.0/24'],
      exclude: ['192.168.50.250/32'],
      schedule: '0 3 * * 1',
      serviceScan: true,
    });
    const page = await html('/settings/discovery?saved=1');
    expect(page).toContain('Discovery settings saved.');
    expect(page).toMatch(/<option value="0 3 \* \* 1" selected="">/);
    expect(page).toContain('checked=""');

    expect(
      (
        await post('/settings/discovery', {
          subnets: '127.0.0.1/32\n192.168.50.0/24',
          schedule: 'custom',
          scheduleCustom: '30 2 * * 6',
        })
      ).status,
    ).toBe(303);
    const saved = await t.deps.discovery.get();
    expect(saved.schedule).toBe('30 2 * * 6');
    expect(saved.serviceScan).toBe(false);
    const again = await html('/settings/discovery');
    expect(again).toMatch(/<option value="custom" selected="">/);
    expect(again).toContain('value="30 2 * * 6"');
  });
});

describe('Settings → SNMP credentials', () => {
  it('is for admins only', async () => {
    for (const s of [viewer, operator]) {
      expect((await get('/settings/credentials', s)).status).toBe(403);
      expect(
        (await post('/settings/credentials', { version: '2c', name: 'x', community: 'y' }, s))
          .status,
      ).toBe(403);
    }
  });

  it('adds, edits, reorders and deletes, and never renders a community or key', async () => {
    expect(
      (
        await post('/settings/credentials', {
          version: '2c',
          name: 'site ro',
          community: COMMUNITY,
        })
      ).status,
    ).toBe(303);
    // Without JS every field is posted; those that do not apply to the version are ignored.
    expect(
      (
        await post('/settings/credentials', {
          version: '3',
          name: 'switches v3',
          community: 'ignored-for-v3',
          user: 'caretaker',
          level: 'authPriv',
          authProtocol: 'sha256',
          authKey: AUTH_KEY,
          privProtocol: 'aes',
          privKey: PRIV_KEY,
        })
      ).status,
    ).toBe(303);
    const bad = await post('/settings/credentials', {
      version: '3',
      name: 'half',
      user: 'x',
      level: 'authPriv',
      authProtocol: 'sha',
      authKey: AUTH_KEY,
      privProtocol: 'aes',
      privKey: '',
    });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toMatch(/id="f-privKey-err">authPriv needs a privacy protocol and key/);
    expect(badHtml).not.toContain(AUTH_KEY);
    const short = await post('/settings/credentials', { version: '2c', name: 'x', community: '' });
    expect(short.status).toBe(422);
    expect(await short.text()).toMatch(/id="f-community-err">Enter the community/);

    const list = await t.deps.credentials.list();
    expect(list.map((c) => c.name)).toEqual(['site ro', 'switches v3']);
    const [ro, v3] = list as [(typeof list)[0], (typeof list)[0]];
    const page = await html('/settings/credentials');
    expect(page).toContain('SHA-256');
    expect(page).toContain('user <code>caretaker</code> · authPriv');
    expect(page).toContain('community (hidden)');

    // Move the v3 credential up: it is tried first.
    expect((await post(`/settings/credentials/${v3.id}/move`, { dir: 'up' })).status).toBe(303);
    expect((await t.deps.credentials.list()).map((c) => c.id)).toEqual([v3.id, ro.id]);
    expect((await post(`/settings/credentials/${v3.id}/move`, { dir: 'down' })).status).toBe(303);
    expect((await t.deps.credentials.list()).map((c) => c.id)).toEqual([ro.id, v3.id]);

    const edit = await html(`/settings/credentials/${ro.id}`);
    expect(edit).toContain('Enter them again to save');
    expect(edit).toContain(`action="/settings/credentials/${ro.id}"`);
    expect(
      (
        await post(`/settings/credentials/${ro.id}`, {
          version: '2c',
          name: 'site ro (new)',
          community: NEW_COMMUNITY,
        })
      ).status,
    ).toBe(303);
    const unsealed = await t.deps.credentials.unsealedAll();
    expect(unsealed.find((c) => c.id === ro.id)?.cred).toEqual({
      version: '2c',
      community: NEW_COMMUNITY,
    });

    const tmp = await post('/settings/credentials', {
      version: '1',
      name: 'old v1',
      community: 'zz-tmp-zz',
    });
    expect(tmp.status).toBe(303);
    const old = (await t.deps.credentials.list()).find((c) => c.name === 'old v1')!;
    const del = await html(`/settings/credentials`);
    expect(del).toContain(`action="/settings/credentials/${old.id}/delete"`);
    expect(del).toContain('hx-confirm=');
    expect((await post(`/settings/credentials/${old.id}/delete`, {})).status).toBe(303);
    expect((await t.deps.credentials.list()).some((c) => c.id === old.id)).toBe(false);

    // A change without the CSRF token is refused.
    expect((await post(`/settings/credentials/${v3.id}/delete`, {}, admin, false)).status).toBe(
      403,
    );
  });
});

describe('the inventory', () => {
  beforeAll(async () => {
    await seedInventory((await t.deps.credentials.list())[0]!.id);
  });

  it('lists devices for every role; only operators and admins get the scan button', async () => {
    for (const s of [admin, operator, viewer]) {
      const page = await html('/devices', s);
      expect(page).toContain('Showing 1–50 of 57');
      expect(page).toContain('57 devices: 56 up, 1 missing');
      expect(page).toContain('href="/devices/dev-core"');
      expect(page).toContain('class="tbadge t-switch"');
      if (s === viewer) expect(page).not.toContain('action="/discovery/scans"');
      else expect(page).toContain('action="/discovery/scans"');
    }
    expect((await post('/discovery/scans', {}, viewer)).status).toBe(403);
  });

  it('filters, searches, sorts and pages', async () => {
    const printers = await html('/devices?type=printer');
    expect(printers).toContain('Showing 1–3 of 3 matching');
    expect(printers).toContain('printer-2');
    expect(printers).not.toContain('sw-core');
    expect(printers).toMatch(/<option value="printer" selected="">Printer \(3\)<\/option>/);

    const missing = await html('/devices?status=missing&type=&vendor=&q=');
    expect(missing).toContain('ups-rack');
    expect(missing).toContain('Showing 1–1 of 1 matching');

    const lenovo = await html('/devices?vendor=Lenovo');
    expect(lenovo).toContain('Showing 1–25 of 25 matching');
    expect(lenovo).not.toContain('>ws-002<');

    const search = await html('/devices?q=FOC1234');
    expect(search).toContain('sw-core');
    expect(search).toContain('Showing 1–1 of 1 matching');

    const none = await html('/devices?q=no-such-thing');
    expect(none).toContain('No device matches these filters.');
    expect(none).toContain('Clear filters');

    const byNameDesc = await html('/devices?sort=name&order=desc');
    const names = [...byNameDesc.matchAll(/<strong>([^<]+)<\/strong><\/a>/g)].map((m) => m[1]);
    expect(names[0]).toBe('ws-050');
    expect(byNameDesc).toContain('aria-sort="descending"');
    // The header link of the sorted column flips the order.
    expect(byNameDesc).toContain('href="/devices?sort=name"');

    const page2 = await html('/devices?offset=50');
    expect(page2).toContain('Showing 51–57 of 57');
    expect(page2).toContain('Page 2 of 2');
    expect(page2).toContain('rel="prev"');
    const first = await html('/devices');
    expect(first).toContain('href="/devices?offset=50"');

    // The filter form also works as a plain GET form, and htmx swaps only the results.
    expect(first).toContain('method="get" action="/devices"');
    expect(first).toContain('hx-select="#device-results"');
    expect(first).toContain('hx-push-url="true"');

    expect((await get('/devices?type=toaster')).status).toBe(422);
  });

  it('a device page shows identity, reasons, interfaces, neighbours, tables and history', async () => {
    const page = await html('/devices/dev-core', viewer);
    for (const text of [
      'sw-core',
      'C9200L-24T',
      'FOC1234X0AB',
      'IOS-XE 17.9.4',
      '1.3.6.1.4.1.9.1.2593',
      '800000090300aabbccddeeff',
      'Server room',
      '11 d 13 h', // 1,000,000 s of uptime
      'BRIDGE-MIB answered with a forwarding table',
      'Gi1/0/24',
      '1 Gbit/s',
      'class="ifstate down"',
      'disabled (down)',
      'site ro (new) (SNMPv2c)',
      'The forwarding table was cut at 50000 rows.',
      'osVersion',
      '17.6.1',
    ])
      expect(page, text).toContain(text);
    // LLDP: local port → remote, linked to the inventory when known.
    expect(page).toMatch(/Gi1\/0\/24<\/td><td>sw-floor1[\s\S]*?href="\/devices\/dev-floor"/);
    expect(page).toMatch(/isp-modem[\s\S]*?not in the inventory/);
    // FDB and ARP: MACs of known devices are named.
    expect(page).toMatch(
      new RegExp(
        `${mac(21)}</code></td><td>Gi1/0/3</td><td>10</td><td><a href="/devices/dev-prn-2">printer-2</a>`,
      ),
    );
    expect(page).toContain('Show all 54 entries');
    expect(page).toMatch(/192\.168\.50\.77[\s\S]*?not in the inventory/);
    // A viewer gets no edit or delete form.
    expect(page).not.toContain('action="/devices/dev-core"');
    expect(page).not.toContain('/delete"');

    const op = await html('/devices/dev-core', operator);
    expect(op).toContain('action="/devices/dev-core"');
    expect(op).not.toContain('action="/devices/dev-core/delete"');
    const ad = await html('/devices/dev-core');
    expect(ad).toContain('action="/devices/dev-core/delete"');
    expect(ad).toContain('hx-confirm="Delete sw-core (192.168.50.2) from the inventory?"');

    expect((await get('/devices/no-such-device')).status).toBe(404);
  });

  it('operators edit a device through the form; viewers get 403', async () => {
    const creds = await t.deps.credentials.list();
    const v3 = creds.find((c) => c.version === '3')!;
    expect(
      (
        await post(
          '/devices/dev-prn-1',
          { name: 'x', type: 'auto', notes: '', credentialId: 'auto' },
          viewer,
        )
      ).status,
    ).toBe(403);
    const noCsrf = await post(
      '/devices/dev-prn-1',
      { name: 'x', type: 'auto', notes: '', credentialId: 'auto' },
      operator,
      false,
    );
    expect(noCsrf.status).toBe(403);

    const res = await post(
      '/devices/dev-prn-1',
      {
        name: 'Reception printer',
        type: 'nas',
        notes: 'Behind the desk.\r\nToner in the cupboard.',
        credentialId: v3.id,
      },
      operator,
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      `/devices/dev-prn-1?done=${encodeURIComponent('Device saved.')}`,
    );
    const d = await t.deps.devices.get('dev-prn-1');
    expect(d).toMatchObject({
      name: 'Reception printer',
      nameSource: 'manual',
      type: 'nas',
      typeSource: 'manual',
      notes: 'Behind the desk.\nToner in the cupboard.',
      snmp: { credentialId: v3.id, credentialSource: 'manual' },
    });
    const page = await html('/devices/dev-prn-1?done=Device%20saved.', operator);
    expect(page).toContain('Device saved.');
    expect(page).toContain('value="Reception printer"');
    expect(page).toMatch(/<option value="nas" selected="">NAS<\/option>/);
    expect(page).toContain('edited');
    expect(page).toContain('by olga');

    // Saving the form untouched records nothing.
    const before = (await t.store.devices.historyOf('dev-prn-1', 100)).length;
    const same = await post(
      '/devices/dev-prn-1',
      {
        name: 'Reception printer',
        type: 'nas',
        notes: 'Behind the desk.\nToner in the cupboard.',
        credentialId: v3.id,
      },
      operator,
    );
    expect(same.headers.get('location')).toContain('Nothing%20changed');
    expect((await t.store.devices.historyOf('dev-prn-1', 100)).length).toBe(before);

    // Back to automatic.
    expect(
      (
        await post(
          '/devices/dev-prn-1',
          { name: '', type: 'auto', notes: '', credentialId: 'auto' },
          operator,
        )
      ).status,
    ).toBe(303);
    expect(await t.deps.devices.get('dev-prn-1')).toMatchObject({
      nameSource: 'auto',
      typeSource: 'auto',
      snmp: { credentialSource: 'auto' },
    });

    const tooLong = await post(
      '/devices/dev-prn-1',
      { name: 'n'.repeat(81), type: 'toaster', notes: '', credentialId: 'auto' },
      operator,
    );
    expect(tooLong.status).toBe(422);
    const errPage = await tooLong.text();
    expect(errPage).toMatch(/id="f-name-err">Use at most 80 characters/);
    expect(errPage).toContain('Choose one of the types.');
  });

  it('admins delete a device with a confirmation; operators and viewers cannot', async () => {
    expect((await post('/devices/dev-prn-3/delete', {}, operator)).status).toBe(403);
    expect((await post('/devices/dev-prn-3/delete', {}, viewer)).status).toBe(403);
    const res = await post('/devices/dev-prn-3/delete', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/devices\?done=/);
    expect(await t.store.devices.get('dev-prn-3')).toBeUndefined();
    const list = await html(res.headers.get('location')!);
    expect(list).toContain('Device printer-3 (192.168.50.22) deleted.');
    expect(list).toContain('Showing 1–50 of 56');
  });

  it('the topology is an SVG with every device and the links between them', async () => {
    const page = await html('/devices/topology', viewer);
    expect(page).toContain('<svg class="topology"');
    for (const id of [ids.router, ids.core, ids.floor, ids.ups, ...ids.ws])
      expect(page, id).toContain(`href="/devices/${id}"`);
    // LLDP core ↔ floor, reported by both ends, drawn once, with both ports.
    const lldp = [
      ...page.matchAll(/class="edge via-lldp"[^>]*data-a="([^"]+)" data-b="([^"]+)"/g),
    ].map((m) => [m[1], m[2]].sort().join('|'));
    expect(lldp.filter((k) => k === 'dev-core|dev-floor')).toHaveLength(1);
    expect(lldp).toContain('dev-core|dev-router');
    // The ISP modem is known only from LLDP: a node without a link to a device page.
    expect(page).toContain('isp-modem');
    expect(page).toContain('not in the inventory');
    // Workstations hang off the floor switch's access ports, not the core's uplink.
    const fdb = [
      ...page.matchAll(/class="edge via-fdb"[^>]*data-a="([^"]+)" data-b="([^"]+)"/g),
    ].map((m) => `${m[1]}>${m[2]}`);
    expect(fdb).toContain('dev-floor>dev-ws-001');
    expect(fdb).not.toContain('dev-core>dev-ws-001');
    expect(fdb).toContain('dev-core>dev-prn-1');
    // The links table is the text alternative.
    expect(page).toMatch(
      /<td><a href="\/devices\/dev-core">sw-core<\/a><\/td><td>Gi1\/0\/24<\/td><td><a href="\/devices\/dev-floor">sw-floor1<\/a><\/td><td>port48<\/td>/,
    );
  });

  it('the dashboard counts the devices', async () => {
    const page = await html('/', viewer);
    // The printer set to NAS and back to automatic stays a NAS until the next scan identifies it.
    expect(page).toContain(
      '56 devices: 55 up, 1 missing. 50 workstations, 2 switches, 1 NAS, 1 printer and 2 more types.',
    );
  });
});

describe('a real scan of 127.0.0.1, followed from the scan page', () => {
  it('starts from a form, shows live progress, and lands in the history', async () => {
    expect(
      (await post('/settings/discovery', { subnets: '127.0.0.1/32', schedule: '' })).status,
    ).toBe(303);
    const start = await post('/discovery/scans', {}, operator);
    expect(start.status).toBe(303);
    expect(start.headers.get('location')).toBe(
      `/discovery?done=${encodeURIComponent('Scan started.')}`,
    );
    const running = t.deps.scans.running();
    // The scan may already be over on a fast box; then the page shows it in the history.
    const page = await html('/discovery?done=Scan%20started.', viewer);
    expect(page).toContain('Scan started.');
    if (running) {
      expect(page).toContain(`hx-get="/discovery/scans/${running.id}/progress?history=1"`);
      expect(page).toContain('hx-trigger="every 1s"');
      expect(page).toContain('X-Caretaker-Poll');
      expect(page).not.toContain('Cancel scan'); // viewer
      expect(await html('/discovery', operator)).toContain('Cancel scan');
    }
    let scanId = running?.id;
    for (let i = 0; i < 100 && t.deps.scans.running(); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(t.deps.scans.running()).toBeUndefined();
    scanId ??= (await t.deps.scans.recent(1))[0]!.id;

    // The last poll gets the finished card, which no longer polls, and the history out of band.
    const fragment = await html(`/discovery/scans/${scanId}/progress?history=1`, viewer);
    expect(fragment).toContain('Scan finished');
    expect(fragment).not.toContain('hx-trigger');
    expect(fragment).toContain('id="scan-history" hx-swap-oob="true"');
    expect(fragment).not.toContain('<html');

    const history = await html('/discovery', viewer);
    // The latest scan stays on top with its result; it no longer polls.
    expect(history).toMatch(/<h2>Scan finished<\/h2>/);
    expect(history).not.toContain('hx-trigger');
    expect(history).toContain(`href="/discovery/scans/${scanId}"`);
    expect(history).toContain('class="badge s-done"');
    expect(history).toContain('by olga');

    const detail = await html(`/discovery/scans/${scanId}`, viewer);
    expect(detail).toContain('127.0.0.1/32');
    expect(detail).toMatch(/<dt>Hosts up<\/dt><dd>1<\/dd>/);

    const list = await html('/devices?q=127.0.0.1');
    expect(list).toContain('href="/devices/');
    // 127.0.0.1 is the box's own address: it recognises itself.
    expect(list).toContain('Caretaker (this box)');

    // Cancelling a scan that is over says so.
    const cancel = await post(`/discovery/scans/${scanId}/cancel`, {}, operator);
    expect(cancel.status).toBe(409);
    expect(await cancel.text()).toContain('SCAN_NOT_RUNNING');
    expect((await post(`/discovery/scans/${scanId}/cancel`, {}, viewer)).status).toBe(403);
  });
});

describe('secrets', () => {
  it('no page, fragment or API answer contains a community or key', async () => {
    const scans = await t.deps.scans.recent(5);
    const creds = await t.deps.credentials.list();
    const paths = [
      '/',
      '/devices',
      '/devices/dev-core',
      '/devices/dev-prn-1',
      '/devices/topology',
      '/discovery',
      ...scans.map((s) => `/discovery/scans/${s.id}`),
      '/settings',
      '/settings/discovery',
      '/settings/credentials',
      ...creds.map((c) => `/settings/credentials/${c.id}`),
      '/settings/audit',
      '/settings/jobs',
      '/api/v1/credentials',
      ...creds.map((c) => `/api/v1/credentials/${c.id}`),
      '/api/v1/devices',
      '/api/v1/audit',
    ];
    for (const p of paths) {
      const body = await html(p);
      for (const secret of [COMMUNITY, NEW_COMMUNITY, AUTH_KEY, PRIV_KEY, 'zz-tmp-zz'])
        expect(body, `${p} contains a secret`).not.toContain(secret);
    }
  });
});
