/**
 * traps.bench.ts's baseline: a bare net-snmp trap receiver (snmp.createReceiver with the storm's
 * community) that only counts what it gets: no rate limit, no queue, no storage, no incidents.
 * Its socket gets the same receive buffer the appliance asks for (1 MiB), so that both sides
 * ride out bursts alike. It answers GET /count on loopback with its counters, which the bench
 * polls the same way it polls the appliance.
 *
 * Usage: tsx trap-baseline.ts <udp port> <http port> <community>
 * Prints "ready" once both sockets listen.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import { createRequire } from 'node:module';
import type * as NetSnmp from 'net-snmp';

const ADDRESS = '127.0.0.1';
const RECV_BUFFER = 1 << 20;

export interface BaselineCounts {
  traps: number;
  errors: number;
  /** Date.now() at the first and the latest trap. */
  firstAt: number | null;
  lastAt: number | null;
}

function main(): void {
  const [udpPort, httpPort, community] = [
    Number(process.argv[2]),
    Number(process.argv[3]),
    process.argv[4],
  ];
  if (!udpPort || !httpPort || !community)
    throw new Error('usage: trap-baseline.ts <udp port> <http port> <community>');
  const snmp = createRequire(import.meta.url)('net-snmp') as typeof NetSnmp;
  const counts: BaselineCounts = { traps: 0, errors: 0, firstAt: null, lastAt: null };
  let udpReady = false;
  let httpReady = false;
  const ready = () => {
    if (udpReady && httpReady) process.stdout.write('ready\n');
  };
  const dgramModule = {
    createSocket: (type: dgram.SocketType) => {
      const s = dgram.createSocket(type);
      s.once('listening', () => {
        s.setRecvBufferSize(RECV_BUFFER);
        udpReady = true;
        ready();
      });
      return s;
    },
  };
  const receiver = snmp.createReceiver(
    { port: udpPort, address: ADDRESS, dgramModule },
    (err: unknown) => {
      if (err) counts.errors++;
      else {
        counts.traps++;
        const now = Date.now();
        counts.firstAt ??= now;
        counts.lastAt = now;
      }
    },
  ) as { getAuthorizer(): { addCommunity(c: string): void } };
  receiver.getAuthorizer().addCommunity(community);

  const server = http.createServer((req, res) => {
    if (req.url === '/count') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(counts));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  server.listen(httpPort, ADDRESS, () => {
    httpReady = true;
    ready();
  });
  process.once('SIGTERM', () => process.exit(0));
}

main();
