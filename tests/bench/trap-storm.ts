/**
 * The trap storm of traps.bench.ts, shared by the bench (what to expect) and its sender child
 * (what to send): 100 sources, each a device of the seeded inventory at 127.1.0.N (all of
 * 127/8 is loopback on Linux: a socket binds to these addresses without any configuration),
 * sending 100 SNMPv2c traps whose number of real problems is known exactly. Also: encoding the
 * datagrams ahead of time with net-snmp's own trap code, and the kernel's counters of a UDP
 * socket from /proc/net/udp (its receive queue and the datagrams it dropped).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as NetSnmp from 'net-snmp';

export const SOURCES = 100;
export const TRAPS_PER_SOURCE = 100;
/** The source address of sender n (1-based). */
export const sourceAddress = (n: number): string => `127.1.0.${n}`;

/**
 * One more device, outside the storm: its coldStart is sent once before the storm (proving the
 * credential works) and once right after the storm's last datagram. The pipeline is first in,
 * first out (receiver queue, trap batches, event inbox in key order), so when its incident has
 * counted the second one, every trap the receiver accepted before it is stored and folded.
 */
export const SENTINEL = { id: 'trapsentinel', address: '127.1.0.250' };

export type StormTrap = 'coldStart' | 'linkDown1' | 'linkDown2' | 'linkUp2';

/**
 * What each source sends, in order: a coldStart first; port 2 flapping (down and up in turn at
 * every tenth trap, ending down); the other 90 are the same linkDown of port 1 repeated. Three
 * real problems a source, so 300 incidents in all: "restarted" (one-shot), "port 1 down" (90
 * repeats folded into one) and "port 2 down" (resolved and reopened while it flaps: one incident,
 * flapping).
 */
export function sourcePlan(): StormTrap[] {
  const plan: StormTrap[] = [];
  for (let i = 0; i < TRAPS_PER_SOURCE; i++) {
    if (i === 0) plan.push('coldStart');
    else if (i % 10 === 0) plan.push((i / 10) % 2 === 1 ? 'linkDown2' : 'linkUp2');
    else plan.push('linkDown1');
  }
  return plan;
}

/** One incident per real problem of a source, with the count it must end with. */
export interface ExpectedIncident {
  /** The incident key, with `<dev>` for the device id. */
  key: string;
  count: number;
  state: 'open';
  flapping: boolean;
}

/** From sourcePlan(): raises and one-shots add to an incident's count, clears do not. */
export function expectedPerSource(): ExpectedIncident[] {
  const plan = sourcePlan();
  const n = (k: StormTrap) => plan.filter((p) => p === k).length;
  const port2Changes = n('linkDown2') + n('linkUp2');
  return [
    { key: 'trap-restart:<dev>', count: n('coldStart'), state: 'open', flapping: false },
    { key: 'trap-link:<dev>:1', count: n('linkDown1'), state: 'open', flapping: false },
    // Flapping once more than incidents.flapMaxChanges (default 5) changes happen in the window.
    { key: 'trap-link:<dev>:2', count: n('linkDown2'), state: 'open', flapping: port2Changes > 5 },
  ];
}

const TRAP_OID = {
  coldStart: '1.3.6.1.6.3.1.1.5.1',
  linkDown: '1.3.6.1.6.3.1.1.5.3',
  linkUp: '1.3.6.1.6.3.1.1.5.4',
};

function linkVarbinds(snmp: typeof NetSnmp, ifIndex: number, up: boolean): NetSnmp.Varbind[] {
  return [
    { oid: `1.3.6.1.2.1.2.2.1.1.${ifIndex}`, type: snmp.ObjectType.Integer, value: ifIndex },
    { oid: `1.3.6.1.2.1.2.2.1.7.${ifIndex}`, type: snmp.ObjectType.Integer, value: 1 },
    { oid: `1.3.6.1.2.1.2.2.1.8.${ifIndex}`, type: snmp.ObjectType.Integer, value: up ? 1 : 2 },
    {
      oid: `1.3.6.1.2.1.31.1.1.1.1.${ifIndex}`,
      type: snmp.ObjectType.OctetString,
      value: `ge-0/0/${ifIndex}`,
    },
  ];
}

/**
 * Encodes SNMPv2c traps with net-snmp's own Session.trap (as a device or snmptrap would send
 * them: sysUpTime.0, snmpTrapOID.0, then the varbinds; a fresh request id each), through a fake
 * socket that keeps the bytes instead of sending them. Synchronous, so cheap to call in a loop.
 */
export function trapEncoder(community: string): (kind: StormTrap, upTime: number) => Buffer {
  const snmp = createRequire(import.meta.url)('net-snmp') as typeof NetSnmp;
  let last: Buffer | undefined;
  const fakeSocket = {
    on: () => fakeSocket,
    unref: () => undefined,
    ref: () => undefined,
    bind: () => undefined,
    close: () => undefined,
    send: (buf: Buffer, offset: number, length: number, ...rest: unknown[]) => {
      last = Buffer.from(buf.subarray(offset, offset + length));
      const cb = rest.at(-1);
      if (typeof cb === 'function') (cb as (err: Error | null) => void)(null);
    },
  };
  const session = snmp.createSession('127.0.0.1', community, {
    version: snmp.Version2c,
    trapPort: 162,
    dgramModule: { createSocket: () => fakeSocket },
  });
  return (kind, upTime) => {
    last = undefined;
    const options = { upTime };
    const done = () => undefined;
    if (kind === 'coldStart') session.trap(TRAP_OID.coldStart, [], options, done);
    else {
      const port = kind === 'linkDown1' ? 1 : 2;
      const up = kind === 'linkUp2';
      session.trap(
        up ? TRAP_OID.linkUp : TRAP_OID.linkDown,
        linkVarbinds(snmp, port, up),
        options,
        done,
      );
    }
    if (!last) throw new Error(`net-snmp did not encode a ${kind} trap`);
    return last;
  };
}

export interface UdpSocketCounters {
  /** Bytes queued for the reader (kernel accounting, about 1 KiB a small datagram). */
  rxQueue: number;
  /** Datagrams the kernel dropped because the receive buffer was full (socket lifetime). */
  drops: number;
}

/**
 * The kernel's counters of the IPv4 UDP socket bound to `address:port`, from /proc/net/udp;
 * undefined when there is none.
 */
export function udpSocketCounters(address: string, port: number): UdpSocketCounters | undefined {
  const want = `${address
    .split('.')
    .map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0'))
    .reverse()
    .join('')}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const lines = readFileSync('/proc/net/udp', 'utf8').split('\n');
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f[1] !== want) continue;
    const rx = f[4]?.split(':')[1];
    return { rxQueue: parseInt(rx ?? '0', 16), drops: Number(f[f.length - 1]) };
  }
  return undefined;
}
