/**
 * A misbehaving SNMP v2c agent for robustness tests, on loopback only:
 * - 'mismatch': answers every request with another community than it was asked with;
 * - 'slow': answers sysObjectID at once, but every GetNext/GetBulk after `delayMs` with one more
 *   made-up row, forever (an endless, slow table);
 * - 'flood': the same endless table, answered at once (a huge table).
 */
import dgram from 'node:dgram';
import { Ber } from 'asn1-ber';

type Mode = 'mismatch' | 'slow' | 'flood';

interface Request {
  version: number;
  community: string;
  pduType: number;
  requestId: number;
  /** max-repetitions of a GetBulk (the error-index field of other PDUs). */
  repetitions: number;
  oids: string[];
}

function parse(buf: Buffer): Request {
  const r = new Ber.Reader(buf);
  r.readSequence();
  const version = r.readInt()!;
  const community = r.readString()!;
  const pduType = r.readSequence()!;
  const requestId = r.readInt()!;
  r.readInt();
  const repetitions = r.readInt()!;
  r.readSequence();
  const end = r.offset + r.length;
  const oids: string[] = [];
  while (r.offset < end) {
    r.readSequence();
    oids.push(r.readOID()!);
    r.readByte(); // NULL tag
    const len = r.readByte()!;
    (r as unknown as { _offset: number })._offset += len;
  }
  return { version, community, pduType, requestId, repetitions, oids };
}

function response(
  req: Request,
  community: string,
  varbinds: Array<[string, 'oid' | 'str', string]>,
): Buffer {
  const w = new Ber.Writer();
  w.startSequence();
  w.writeInt(req.version);
  w.writeString(community);
  w.startSequence(0xa2);
  w.writeInt(req.requestId);
  w.writeInt(0);
  w.writeInt(0);
  w.startSequence();
  for (const [oid, type, value] of varbinds) {
    w.startSequence();
    w.writeOID(oid);
    if (type === 'oid') w.writeOID(value);
    else w.writeString(value);
    w.endSequence();
  }
  w.endSequence();
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

export async function startHostileAgent(
  mode: Mode,
  address: string,
  port: number,
  delayMs = 1_000,
): Promise<{ close(): Promise<void>; requests(): number }> {
  const socket = dgram.createSocket('udp4');
  let count = 0;
  let row = 0;
  const timers = new Set<NodeJS.Timeout>();
  socket.on('message', (msg, rinfo) => {
    let req: Request;
    try {
      req = parse(msg);
    } catch {
      return;
    }
    count += 1;
    const send = (b: Buffer) => socket.send(b, rinfo.port, rinfo.address);
    if (mode === 'mismatch') {
      send(
        response(
          req,
          `${req.community}-but-not-quite`,
          req.oids.map((o) => [o, 'oid', '1.3.6.1.4.1.8072.3.2.10']),
        ),
      );
      return;
    }
    if (req.pduType === 0xa0) {
      send(
        response(
          req,
          req.community,
          req.oids.map((o) => [o, 'oid', '1.3.6.1.4.1.8072.3.2.10']),
        ),
      );
      return;
    }
    const answer = () => {
      // More rows below whatever was asked for: the table never ends.
      const n =
        mode === 'flood' && req.pduType === 0xa5 ? Math.max(1, Math.min(req.repetitions, 50)) : 1;
      const rows: Array<[string, 'str', string]> = [];
      for (let i = 0; i < n; i++) rows.push([`${req.oids[0]}.${++row}`, 'str', mode]);
      send(response(req, req.community, rows));
    };
    if (mode === 'flood') {
      answer();
      return;
    }
    const t = setTimeout(() => {
      timers.delete(t);
      answer();
    }, delayMs);
    timers.add(t);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve());
  });
  return {
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        socket.close(() => resolve());
      }),
  };
}
