/**
 * The lab itself (tests/lab): real snmpd agents in network namespaces, a bridge, an appliance
 * namespace without a way out, and a teardown that leaves nothing behind. Every SNMP request and
 * scan runs inside the appliance namespace (lab.exec), never in the runner's namespace.
 */
import { XMLParser } from 'fast-xml-parser';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snmpCliAuth, type LabDevice } from '../lab/devices.js';
import { startLab, type Lab } from '../lab/lab.js';
import { run } from '../lab/proc.js';
import { labSkipReason } from '../lab/root.js';
import { simulatorMissing } from '../lab/simulated.js';

const reason = labSkipReason(['nmap', 'snmpget', 'snmpwalk']);
const title = 'lab: a virtual branch LAN in network namespaces';
const SYS_NAME = '1.3.6.1.2.1.1.5.0';
const ENGINE_ID = '1.3.6.1.6.3.10.2.1.1.0';
const FAST = ['-t', '1', '-r', '0'];

describe.skipIf(reason)(reason ? `${title} (skipped: ${reason})` : title, () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await startLab();
  }, 90_000);

  afterAll(async () => {
    await lab?.stop();
  });

  const snmpget = (d: LabDevice, auth: string[], oids: string[], extra: string[] = []) =>
    lab.exec(['snmpget', ...auth, ...FAST, ...extra, '-On', d.ip, ...oids]);

  const rootNamespaces = async (): Promise<string[]> =>
    (await run('ip', ['netns', 'list'])).stdout
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter(Boolean);

  it('every snmpd device answers with its own sysName and engine ID, from the appliance namespace', async () => {
    const agents = lab.devices.filter((d) => d.kind === 'snmpd');
    expect(agents.map((d) => d.name)).toEqual(['srv-files', 'nas-backup', 'fw-edge']);
    for (const d of agents) {
      const r = await snmpget(d, snmpCliAuth(d.snmp!), [SYS_NAME, ENGINE_ID]);
      expect(r.stderr, d.name).toBe('');
      expect(r.stdout).toContain(`.${SYS_NAME} = STRING: "${d.name}"`);
      const hex = /Hex-STRING: ([0-9A-F \n]+)/.exec(r.stdout)?.[1]?.replace(/\s+/g, '');
      expect(hex?.toLowerCase()).toBe(d.engineId);
    }
    expect(new Set(agents.map((d) => d.engineId)).size).toBe(agents.length);
  });

  it('a v2c community is good only for its own device and only from the lab subnet', async () => {
    const srv = lab.device('srv-files');
    const nas = lab.device('nas-backup');
    const [wrongDevice, otherCommunity, fromMgmt] = await Promise.all([
      snmpget(nas, ['-v2c', '-c', 'public'], [SYS_NAME]),
      snmpget(srv, ['-v2c', '-c', 'branch-ro'], [SYS_NAME]),
      // From the management address (outside the lab LAN) the right community is refused too.
      snmpget(srv, ['-v2c', '-c', 'public'], [SYS_NAME], [`--clientaddr=${lab.appliance.mgmtIp}`]),
    ]);
    expect(wrongDevice.stderr).toMatch(/Timeout/);
    expect(otherCommunity.stderr).toMatch(/Timeout/);
    expect(fromMgmt.stderr).toMatch(/Timeout/);
  });

  it('the v3-only firewall answers authPriv with its credentials, and nothing else', async () => {
    const fw = lab.device('fw-edge');
    expect(fw.snmp?.version).toBe('3');
    const ok = await snmpget(fw, snmpCliAuth(fw.snmp!), [SYS_NAME]);
    expect(ok.stdout).toContain('STRING: "fw-edge"');
    // Timeouts are slow: ask all the wrong ways at once.
    const wrong = ['public', 'branch-ro', 'private'].flatMap((c) => [
      ['-v1', '-c', c],
      ['-v2c', '-c', c],
    ]);
    const answers = await Promise.all(wrong.map((auth) => snmpget(fw, auth, [SYS_NAME])));
    answers.forEach((r, i) => {
      expect(r.code, wrong[i]!.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(/Timeout/);
    });
    if (fw.snmp?.version !== '3') throw new Error('unreachable');
    const wrongKey = [
      '-v3',
      '-l',
      'authPriv',
      '-u',
      fw.snmp.user,
      '-a',
      'SHA',
      '-A',
      'not-the-key',
    ];
    const bad = await snmpget(fw, [...wrongKey, '-x', 'AES', '-X', fw.snmp.privKey], [SYS_NAME]);
    expect(bad.stderr).toMatch(/Authentication failure/);
    const noPriv = [
      '-v3',
      '-l',
      'authNoPriv',
      '-u',
      fw.snmp.user,
      '-a',
      'SHA',
      '-A',
      fw.snmp.authKey,
    ];
    expect((await snmpget(fw, noPriv, [SYS_NAME])).stderr).toMatch(/authorizationError/);
  });

  it('the camera speaks no SNMP but has a web page', async () => {
    const cam = lab.device('cam-lobby');
    expect(cam.kind).toBe('none');
    const r = await snmpget(cam, ['-v2c', '-c', 'public'], [SYS_NAME]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Timeout/);
    const page = await lab.exec(['nmap', '-n', '-Pn', '-p', '80,161', '-sT', cam.ip]);
    expect(page.stdout).toMatch(/80\/tcp\s+open/);
  });

  it('nmap -sn in the appliance namespace finds exactly the lab, with the right MACs', async () => {
    const r = await lab.exec(['nmap', '-n', '-sn', '-oX', '-', lab.subnet], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const xml = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (name) => name === 'host' || name === 'address',
    }).parse(r.stdout) as {
      nmaprun: {
        host?: { status: { state: string }; address: { addr: string; addrtype: string }[] }[];
      };
    };
    const found = new Map<string, string | undefined>();
    for (const h of xml.nmaprun.host ?? []) {
      if (h.status.state !== 'up') continue;
      const ip = h.address.find((a) => a.addrtype === 'ipv4')?.addr;
      const mac = h.address.find((a) => a.addrtype === 'mac')?.addr;
      if (ip) found.set(ip, mac?.toLowerCase());
    }
    const expected = new Map<string, string | undefined>([
      [lab.appliance.lanIp, undefined], // the scanner's own address: up, no MAC
      ...lab.devices.map((d): [string, string] => [d.ip, d.mac]),
    ]);
    expect(Object.fromEntries(found)).toEqual(Object.fromEntries(expected));
  });

  it('an agent can be stopped and started again, and a cable unplugged and plugged back', async () => {
    const srv = lab.device('srv-files');
    const auth = snmpCliAuth(srv.snmp!);
    await lab.stopAgent('srv-files');
    expect((await snmpget(srv, auth, [SYS_NAME])).stderr).toMatch(/Timeout/);
    await lab.startAgent('srv-files');
    expect((await snmpget(srv, auth, [SYS_NAME])).stdout).toContain('"srv-files"');

    const cam = lab.device('cam-lobby');
    const up = () => lab.exec(['nmap', '-n', '-sn', cam.ip]).then((r) => r.stdout);
    await lab.setLink('cam-lobby', false);
    expect(await up()).toMatch(/0 hosts up/);
    await lab.setLink('cam-lobby', true);
    expect(await up()).toMatch(/1 host up/);
  });

  it('nothing leaves the lab: no way out of the appliance namespace, no lab route in the root one', async () => {
    await lab.verifyIsolation();
    // Inside: a non-lab target is unreachable before any packet is sent.
    const out = await lab.exec(['ip', 'route', 'get', '203.0.113.10']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/Network is unreachable/);
    const routes = JSON.parse(
      (await lab.exec(['ip', '-j', 'route', 'show', 'table', 'all'])).stdout,
    );
    expect(routes.filter((x: { dst: string }) => x.dst === 'default')).toEqual([]);
    // Root namespace: only the management /30 on our veth; lab devices are not routed there.
    const rootRoutes = JSON.parse(
      (await run('ip', ['-j', 'route', 'show', 'table', 'all'])).stdout,
    );
    const labDevs = rootRoutes.filter((x: { dev?: string }) => x.dev === lab.appliance.hostIf);
    for (const rt of labDevs) expect(rt.dst).toMatch(/^198\.19\./);
    const get = JSON.parse(
      (await run('ip', ['-j', 'route', 'get', lab.devices[0]!.ip])).stdout || '[]',
    );
    expect(get[0]?.dev).not.toBe(lab.appliance.hostIf);
  });

  it('the runner reaches a server in the appliance namespace over the management link', async () => {
    const server = lab.spawnInApp([
      process.execPath,
      '-e',
      `require('node:http').createServer((q, s) => s.end('hello from ' + process.argv[1]))
        .listen(18080, process.argv[1], () => console.log('LISTENING'))`,
      lab.appliance.mgmtIp,
    ]);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('server did not start')), 10_000);
        server.stdout?.on('data', (d: Buffer) => {
          if (d.toString().includes('LISTENING')) {
            clearTimeout(timer);
            resolve();
          }
        });
        server.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`server exited ${code}`));
        });
      });
      const res = await fetch(`http://${lab.appliance.mgmtIp}:18080/`, {
        signal: AbortSignal.timeout(5000),
      });
      expect(await res.text()).toBe(`hello from ${lab.appliance.mgmtIp}`);
    } finally {
      server.kill('SIGTERM');
    }
  });

  const simSkip = simulatorMissing();
  const simTitle = 'simulated devices answer, and the core switch knows its neighbours';
  it.skipIf(simSkip)(simSkip ? `${simTitle} (${simSkip})` : simTitle, async () => {
    const sims = lab.devices.filter((d) => d.kind === 'simulated');
    expect(sims.map((d) => d.name)).toEqual(['sw-core', 'rt-wan', 'prn-office', 'ups-rack']);
    for (const d of sims) {
      const r = await snmpget(d, snmpCliAuth(d.snmp!), [SYS_NAME]);
      expect(r.stdout, d.name).toContain(`STRING: "${d.name}"`);
    }
    const sw = lab.device('sw-core');
    const lldp = await lab.exec(
      ['snmpwalk', ...snmpCliAuth(sw.snmp!), '-On', sw.ip, '.1.0.8802.1.1.2.1.4.1.1.9'],
      { timeoutMs: 30_000 },
    );
    for (const d of lab.devices.filter((x) => x.switchPort !== undefined)) {
      expect(lldp.stdout, `LLDP neighbour ${d.name}`).toContain(`"${d.name}"`);
    }
  });

  it('a start that fails half-way removes what it built', async () => {
    const failed = await startLab({ simulated: [], readyTimeoutMs: 0 }).then(
      (l) => l.stop().then(() => new Error('started')),
      (err: Error) => err,
    );
    const id = /ctl-([a-z0-9]{5})-/.exec(failed.message)?.[1];
    expect(id, failed.message).toBeDefined();
    expect((await rootNamespaces()).filter((n) => n.startsWith(`ctl-${id}-`))).toEqual([]);
    expect((await run('ip', ['link', 'show', 'dev', `ctl-${id}-mgmt`])).code).not.toBe(0);
    expect(readdirSync(os.tmpdir()).filter((e) => e.startsWith(`caretaker-lab-${id}-`))).toEqual(
      [],
    );
  });

  it('stop() ends every process and removes namespaces, the veth and temp files; twice is harmless', async () => {
    const pids = lab.pids();
    expect(pids.length).toBeGreaterThanOrEqual(4);
    await lab.stop();
    await lab.stop();
    expect((await rootNamespaces()).filter((n) => n.startsWith(`ctl-${lab.id}-`))).toEqual([]);
    expect((await run('ip', ['link', 'show', 'dev', lab.appliance.hostIf])).code).not.toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid}`).toThrow();
    expect(existsSync(lab.tempDir)).toBe(false);
    await expect(lab.exec(['true'])).rejects.toThrow(/stopped/);
  });
});
