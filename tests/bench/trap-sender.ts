/**
 * The storm's sender, run by traps.bench.ts as a child process so that sending does not share an
 * event loop with the bench's latency probe. It pre-encodes every datagram (trap-storm.ts), binds
 * one UDP socket per source address (127.1.0.N), then sends source by source in turn (trap i of
 * every source, then trap i+1), so the receiver sees 100 devices at once and each device's traps
 * in order.
 *
 * Pacing: in bursts of `burst` datagrams; before each burst it reads the receiver socket's queue
 * from /proc/net/udp and waits while more than `maxQueueBytes` are queued, so that the datagrams
 * go as fast as the receiver takes them without the kernel dropping them for a full buffer (the
 * drops the kernel counted anyway are reported). Loopback only: the target must be 127.0.0.1.
 *
 * Usage: tsx trap-sender.ts '<json: SenderSpec>'
 * Prints one JSON line with the result (times as Date.now(), comparable across processes).
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import {
  SENTINEL,
  SOURCES,
  TRAPS_PER_SOURCE,
  sourceAddress,
  sourcePlan,
  trapEncoder,
  udpSocketCounters,
} from './trap-storm.js';

const TARGET = '127.0.0.1';

export interface SenderSpec {
  port: number;
  community: string;
  burst: number;
  maxQueueBytes: number;
  /** Also send the sentinel's coldStart, right after the storm's last datagram… */
  sentinel: boolean;
  /** …or only once the receiver's queue is empty, and 20 ms later (for rate-limited runs). */
  sentinelAfterDrain: boolean;
}

export interface SenderResult {
  /** Storm datagrams sent (the sentinel is not counted here). */
  sent: number;
  sentinel: boolean;
  sendErrors: number;
  firstError?: string;
  /** Date.now() just before the first datagram and after the last one left. */
  startedAt: number;
  endedAt: number;
  /** Bursts that had to wait for the receiver's queue to drain, and for how long in all. */
  waits: number;
  waitedMs: number;
  maxQueueBytes: number;
  /** Kernel drops on the receiver's socket during the send (from /proc/net/udp). */
  kernelDrops: number;
  encodeMs: number;
  datagramBytes: { min: number; max: number };
  cpuMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as SenderSpec;
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535)
    throw new Error(`bad target port ${spec.port}`);

  const t0 = performance.now();
  const encode = trapEncoder(spec.community);
  const plan = sourcePlan();
  const datagrams: Buffer[][] = [];
  for (let s = 1; s <= SOURCES; s++)
    datagrams.push(plan.map((kind, i) => encode(kind, 100_000 * s + i)));
  const encodeMs = performance.now() - t0;
  const sizes = datagrams.flat().map((b) => b.length);

  const sockets: dgram.Socket[] = [];
  try {
    for (let s = 1; s <= SOURCES; s++) {
      const sock = dgram.createSocket('udp4');
      sockets.push(sock);
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind({ address: sourceAddress(s), port: 0 }, () => {
          sock.off('error', reject);
          resolve();
        });
      });
      sock.on('error', () => undefined); // send errors arrive in the callbacks
    }

    const counters = () => udpSocketCounters(TARGET, spec.port);
    const before = counters();
    if (!before) throw new Error(`nothing listens on udp ${TARGET}:${spec.port}`);
    let sent = 0;
    let sendErrors = 0;
    let firstError: string | undefined;
    let waits = 0;
    let waitedMs = 0;
    let maxQueue = 0;
    const cpu0 = process.cpuUsage();
    const startedAt = Date.now();

    const order: Array<[number, number]> = [];
    for (let i = 0; i < TRAPS_PER_SOURCE; i++) for (let s = 0; s < SOURCES; s++) order.push([s, i]);
    for (let at = 0; at < order.length; at += spec.burst) {
      let q = counters()?.rxQueue ?? 0;
      maxQueue = Math.max(maxQueue, q);
      if (q > spec.maxQueueBytes) {
        waits++;
        const w0 = performance.now();
        while (q > spec.maxQueueBytes) {
          await sleep(1);
          q = counters()?.rxQueue ?? 0;
        }
        waitedMs += performance.now() - w0;
      }
      const burst = order.slice(at, at + spec.burst);
      await Promise.all(
        burst.map(
          ([s, i]) =>
            new Promise<void>((resolve) => {
              const buf = datagrams[s]![i]!;
              sockets[s]!.send(buf, spec.port, TARGET, (err) => {
                if (err) {
                  sendErrors++;
                  firstError ??= err.message;
                } else sent++;
                resolve();
              });
            }),
        ),
      );
    }
    const endedAt = Date.now();
    let sentinel = false;
    if (spec.sentinel) {
      if (spec.sentinelAfterDrain) {
        // Under the default limits the storm leaves the receiver's global token bucket empty:
        // once it has read the backlog, give the bucket a few ms to refill, or the sentinel
        // would be dropped too.
        const deadline = performance.now() + 10_000;
        while ((counters()?.rxQueue ?? 0) > 0 && performance.now() < deadline) await sleep(1);
        await sleep(20);
      }
      const sock = dgram.createSocket('udp4');
      sockets.push(sock);
      await new Promise<void>((resolve) =>
        sock.bind({ address: SENTINEL.address, port: 0 }, resolve),
      );
      const buf = encode('coldStart', 2);
      await new Promise<void>((resolve) =>
        sock.send(buf, spec.port, TARGET, (err) => {
          if (err) {
            sendErrors++;
            firstError ??= err.message;
          } else sentinel = true;
          resolve();
        }),
      );
    }
    const cpu = process.cpuUsage(cpu0);
    const after = counters();
    const result: SenderResult = {
      sent,
      sentinel,
      sendErrors,
      ...(firstError ? { firstError } : {}),
      startedAt,
      endedAt,
      waits,
      waitedMs: Math.round(waitedMs),
      maxQueueBytes: maxQueue,
      kernelDrops: (after?.drops ?? before.drops) - before.drops,
      encodeMs: Math.round(encodeMs),
      datagramBytes: { min: Math.min(...sizes), max: Math.max(...sizes) },
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const s of sockets) s.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`trap-sender: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
