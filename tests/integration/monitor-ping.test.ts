/**
 * The reachability adapter against loopback only: the real nmap ping sweep on 127.x addresses
 * (all local, so all up), the TCP connect fallback against listeners of this test (accepting,
 * refusing and silent), a sweep that cannot run, bad addresses, and cancellation.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  fallbackPortsFor,
  parsePingXml,
  probeMany,
  probeTarget,
  tcpReach,
  type ProbeOptions,
} from '../../src/monitor/ping.js';

/**
 * Listeners that never accept, one per address: their thread is blocked, the kernel's accept
 * queue fills up, and further SYNs are dropped, as by a host that silently drops traffic.
 */
async function silentListeners(
  hosts: string[],
): Promise<{ ports: Map<string, number>; close(): Promise<void> }> {
  const wake = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const net = require('node:net');
     Promise.all(workerData.hosts.map((host) => new Promise((resolve) => {
       const srv = net.createServer();
       srv.listen({ port: 0, host, backlog: 1 }, () => resolve([host, srv.address().port]));
     }))).then((ports) => {
       parentPort.postMessage(ports);
       Atomics.wait(workerData.wake, 0, 0);
       process.exit(0);
     });`,
    { eval: true, workerData: { hosts, wake } },
  );
  const ports = new Map(
    await new Promise<Array<[string, number]>>((resolve) => worker.once('message', resolve)),
  );
  // Fill each accept queue: once a connection is not completed, the next ones will not be either.
  const fillers: net.Socket[] = [];
  await Promise.all(
    [...ports].map(async ([host, port]) => {
      for (let i = 0; i < 8; i++) {
        const s = net.connect({ host, port });
        s.on('error', () => undefined);
        fillers.push(s);
        const ok = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 250);
          s.once('connect', () => {
            clearTimeout(t);
            resolve(true);
          });
        });
        if (!ok) break;
      }
    }),
  );
  return {
    ports,
    close: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(wake, 0, 1);
      Atomics.notify(wake, 0);
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

/** Loopback addresses with a silent listener each (127.0.0.1 and 127.0.1.1–127.0.1.9). */
const SILENT_HOSTS = ['127.0.0.1', ...Array.from({ length: 9 }, (_, i) => `127.0.1.${i + 1}`)];

let open: net.Server;
let openPort: number;
let closedPort: number;
let silentAll: { ports: Map<string, number>; close(): Promise<void> };
let silent: { port: number };

beforeAll(async () => {
  open = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => open.listen(0, '127.0.0.1', r));
  openPort = (open.address() as net.AddressInfo).port;
  // A port that was free a moment ago: nothing listens, the kernel refuses.
  const tmp = net.createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  closedPort = (tmp.address() as net.AddressInfo).port;
  await new Promise((r) => tmp.close(r));
  silentAll = await silentListeners(SILENT_HOSTS);
  silent = { port: silentAll.ports.get('127.0.0.1')! };
});
afterAll(async () => {
  await new Promise((r) => open?.close(r));
  await silentAll?.close();
});

const base = (over: Partial<ProbeOptions> = {}): ProbeOptions => ({
  nmapPath: 'nmap',
  timeoutMs: 500,
  fallbackPorts: [],
  ...over,
});

const hasIpv6Loopback = Object.values(os.networkInterfaces())
  .flat()
  .some((a) => a?.address === '::1');

describe('nmap ping sweep (loopback)', () => {
  it('finds 127.x addresses up through nmap, in one run', async () => {
    const addresses = ['127.0.0.1', '127.0.0.2', '127.45.6.7'];
    const t = performance.now();
    const r = await probeMany(
      addresses.map((address) => ({ address })),
      base(),
    );
    expect(r.icmpError).toBeUndefined();
    expect(r.invalid).toEqual([]);
    for (const a of addresses) expect(r.results.get(a)).toEqual({ up: true, method: 'icmp' });
    expect(performance.now() - t).toBeLessThan(10_000);
  });

  it.skipIf(!hasIpv6Loopback)('probes IPv6 (::1) with nmap -6', async () => {
    const r = await probeMany([{ address: '::1' }, { address: '0:0::0001' }], base());
    expect(r.icmpError).toBeUndefined();
    // Two spellings of one address are one probe, reported under the first spelling.
    expect(r.results.get('::1')).toEqual({ up: true, method: 'icmp' });
    expect(r.results.size).toBe(1);
  });

  it('never hands anything but an IP address to nmap', async () => {
    const r = await probeMany(
      [
        { address: '127.0.0.1' },
        { address: '-sV' },
        { address: '--script=evil' },
        { address: 'localhost' },
        { address: '127.0.0.1 127.0.0.2' },
        { address: '127.0.0.0/8' },
      ],
      base(),
    );
    expect(r.invalid).toEqual([
      '-sV',
      '--script=evil',
      'localhost',
      '127.0.0.1 127.0.0.2',
      '127.0.0.0/8',
    ]);
    expect([...r.results.keys()]).toEqual(['127.0.0.1']);
  });

  it('parses recorded output of a lab host with its round-trip time (srtt in µs)', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -n -sn -PE" version="7.93" xmloutputversion="1.05">
<host><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="198.18.251.2" addrtype="ipv4"/>
<address addr="7A:98:88:90:FB:0E" addrtype="mac"/>
<hostnames></hostnames>
<times srtt="1840" rttvar="5000" to="100000"/>
</host>
<host><status state="down" reason="no-response" reason_ttl="0"/>
<address addr="198.18.251.3" addrtype="ipv4"/>
</host>
<host><status state="up" reason="localhost-response" reason_ttl="0"/>
<address addr="FE80:0:0::1" addrtype="ipv6"/>
</host>
<runstats><finished time="1795720997" elapsed="1.26" exit="success"/><hosts up="2" down="1" total="3"/></runstats>
</nmaprun>`;
    const up = parsePingXml(xml);
    expect([...up]).toEqual([
      ['198.18.251.2', { rttMs: 1.84 }],
      ['fe80::1', {}],
    ]);
    expect(() => parsePingXml('<html>not nmap</html>')).toThrow(/nmaprun/);
    expect(() => parsePingXml('')).toThrow();
  });
});

describe('TCP connect fallback', () => {
  it('an accepted connection, and a refused one, both prove the host is up', async () => {
    const accepted = await tcpReach('127.0.0.1', [openPort], { timeoutMs: 1000 });
    expect(accepted).toMatchObject({ up: true, method: 'tcp' });
    expect(accepted.rttMs).toBeGreaterThanOrEqual(0);
    const refused = await tcpReach('127.0.0.1', [closedPort], { timeoutMs: 1000 });
    expect(refused).toMatchObject({ up: true, method: 'tcp' });
  });

  it('a host that answers on no port is down after the timeout, not before, not much later', async () => {
    const t = performance.now();
    const r = await tcpReach('127.0.0.1', [silent.port], { timeoutMs: 400 });
    const took = performance.now() - t;
    expect(r).toEqual({ up: false, method: 'tcp' });
    expect(took).toBeGreaterThanOrEqual(380);
    expect(took).toBeLessThan(1500);
  });

  it('the first port that answers wins; silent ports do not hold it up', async () => {
    const t = performance.now();
    const r = await tcpReach('127.0.0.1', [silent.port, openPort], { timeoutMs: 3000 });
    expect(r.up).toBe(true);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('when the sweep cannot run, TCP decides for every address and the reason is reported', async () => {
    const r = await probeMany(
      [
        { address: '127.0.0.1', knownPorts: [openPort] },
        { address: '127.0.0.2', knownPorts: [silent.port] },
        { address: '127.0.0.3' },
      ],
      base({ nmapPath: '/nonexistent/nmap', timeoutMs: 400, fallbackPorts: [] }),
    );
    expect(r.icmpError?.code).toBe('TOOL_MISSING');
    expect(r.icmpError?.message).toMatch(/not installed/);
    expect(r.results.get('127.0.0.1')).toMatchObject({ up: true, method: 'tcp' });
    // 127.0.0.2 is local too, but the only port tried there is the silent one (bound to .1):
    // the kernel refuses it, which proves the host is up.
    expect(r.results.get('127.0.0.2')).toMatchObject({ up: true, method: 'tcp' });
    // No port to try at all: the sweep's verdict (not answered) stands.
    expect(r.results.get('127.0.0.3')).toEqual({ up: false, method: 'icmp' });
  });

  it('reports down through probeMany when every port is silent', async () => {
    const r = await probeMany(
      [{ address: '127.0.0.1', knownPorts: [silent.port] }],
      base({ nmapPath: '/nonexistent/nmap', timeoutMs: 300 }),
    );
    expect(r.results.get('127.0.0.1')).toEqual({ up: false, method: 'tcp' });
  });

  it('tries known open ports first, then the configured ones, each once', () => {
    expect(fallbackPortsFor([8080, 22, 8080], [22, 80, 443])).toEqual([8080, 22, 80, 443]);
    expect(fallbackPortsFor([1, 2, 3, 4, 5, 6, 7], [80])).toEqual([1, 2, 3, 4, 5, 80]);
    expect(
      probeTarget({
        ip: '127.0.0.9',
        services: [
          { protocol: 'udp', port: 161 },
          { protocol: 'tcp', port: 8443 },
        ],
      }),
    ).toEqual({ address: '127.0.0.9', knownPorts: [8443] });
  });

  it('bounded concurrency: ten silent hosts, five at a time, cost two timeouts', async () => {
    const targets = SILENT_HOSTS.map((address) => ({
      address,
      knownPorts: [silentAll.ports.get(address)!],
    }));
    const t = performance.now();
    const r = await probeMany(
      targets,
      base({ nmapPath: '/nonexistent/nmap', timeoutMs: 300, concurrency: 5 }),
    );
    const took = performance.now() - t;
    expect([...r.results.values()].every((x) => !x.up && x.method === 'tcp')).toBe(true);
    expect(r.results.size).toBe(10);
    expect(took).toBeGreaterThanOrEqual(580);
    expect(took).toBeLessThan(1500);
  });
});

describe('cancellation', () => {
  it('an aborted probe rejects with ABORTED and leaves no socket behind', async () => {
    const ac = new AbortController();
    const p = probeMany(
      [{ address: '127.0.0.1', knownPorts: [silent.port] }],
      base({ nmapPath: '/nonexistent/nmap', timeoutMs: 5_000, signal: ac.signal }),
    );
    setTimeout(() => ac.abort(), 100);
    const t = performance.now();
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('a signal aborted before the start never runs nmap', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      probeMany([{ address: '127.0.0.1' }], base({ signal: ac.signal })),
    ).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
