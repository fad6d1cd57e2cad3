/**
 * The UDP side of our SNMPv1/v2c client: one socket for every open client, requests told apart
 * by a random 31-bit request-id, timeouts and retries. A thousand devices polled 32 at a time
 * used to mean a thousand sockets a cycle (net-snmp opens one per session); one socket is one
 * receive buffer and one 'message' listener.
 *
 * A reply is taken only when its request-id is one we are waiting for AND it comes from the
 * address and port that request went to: any device on the LAN can send us datagrams, and a
 * reply from elsewhere is dropped as if it had never arrived (the request then times out).
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { decodeHeader, type ResponseHeader } from './ber.js';

/** One request on the wire: what to send, where, how often, and who hears the outcome. */
export interface Exchange {
  readonly address: string;
  readonly port: number;
  /** Set by the transport (start). */
  requestId: number;
  /** The encoded message; sent again unchanged on a retry (same request-id). */
  message: Buffer;
  readonly timeoutMs: number;
  /** Sends left after the first. */
  retriesLeft: number;
  timer: NodeJS.Timeout | undefined;
  /** A reply from the right place arrived: the exchange is already finished. Must not throw. */
  reply(buf: Buffer, header: ResponseHeader): void;
  /** Every try went unanswered, or the send failed (`err`): already finished. Must not throw. */
  failed(err: Error | undefined): void;
}

/**
 * How much the kernel may queue for us before dropping replies (it caps this at
 * net.core.rmem_max): 32 devices at a time, each answering ~1.4 KB, need far less, but a scan's
 * burst of probes to a /24 should not lose answers while the event loop is busy.
 */
const RECEIVE_BUFFER = 1 << 20;

export class UdpTransport {
  private socket: dgram.Socket | undefined;
  private readonly waiting = new Map<number, Exchange>();
  private users = 0;

  /** A client opened: the socket stays while any client is open. */
  acquire(): void {
    this.users++;
  }

  /** A client closed (after cancelling its exchanges): the last one closes the socket. */
  release(): void {
    if (this.users > 0) this.users--;
    if (this.users === 0 && this.waiting.size === 0) this.closeSocket();
  }

  /** Requests in flight (for tests). */
  get inFlight(): number {
    return this.waiting.size;
  }

  get hasSocket(): boolean {
    return this.socket !== undefined;
  }

  /** Gives the exchange a request-id no other request in flight has, and sends it. */
  start(x: Exchange, encode: (requestId: number) => Buffer | undefined): void {
    let id: number;
    do id = randomInt(1, 0x80000000);
    while (this.waiting.has(id));
    const message = encode(id);
    if (!message) {
      x.failed(new Error('request does not fit in a datagram'));
      return;
    }
    x.requestId = id;
    x.message = message;
    this.waiting.set(id, x);
    this.transmit(x);
  }

  /** Forgets an exchange without telling it (its client settles it). */
  cancel(x: Exchange): void {
    if (this.waiting.get(x.requestId) === x) this.finish(x);
  }

  private transmit(x: Exchange): void {
    let socket: dgram.Socket;
    try {
      socket = this.open();
    } catch (err) {
      this.finish(x);
      x.failed(err as Error);
      return;
    }
    x.timer = setTimeout(expire, x.timeoutMs, this, x);
    socket.send(x.message, x.port, x.address, (err) => {
      if (err && this.waiting.get(x.requestId) === x) {
        this.finish(x);
        x.failed(err);
      }
    });
  }

  /** @internal the timer of one try ran out: the next try, or the end. */
  expired(x: Exchange): void {
    if (this.waiting.get(x.requestId) !== x) return;
    if (x.retriesLeft > 0) {
      x.retriesLeft--;
      this.transmit(x);
      return;
    }
    this.finish(x);
    x.failed(undefined);
  }

  private finish(x: Exchange): void {
    this.waiting.delete(x.requestId);
    if (x.timer) clearTimeout(x.timer);
    x.timer = undefined;
    if (this.users === 0 && this.waiting.size === 0) this.closeSocket();
  }

  private open(): dgram.Socket {
    if (this.socket) return this.socket;
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER });
    socket.on('message', (buf, rinfo) => this.onMessage(buf, rinfo));
    // An error on the socket itself (not a send, those have their callback): every request in
    // flight fails now instead of timing out, and the next request gets a new socket.
    socket.on('error', (err) => {
      if (this.socket !== socket) return;
      this.closeSocket();
      const all = [...this.waiting.values()];
      for (const x of all) this.finish(x);
      for (const x of all) x.failed(err);
    });
    // Timers keep the process alive while a request waits; an idle socket must not.
    socket.unref();
    this.socket = socket;
    return socket;
  }

  private closeSocket(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    try {
      socket.close();
    } catch {
      // already closed after an error
    }
  }

  private onMessage(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    // Anything on the LAN can send here: nothing below may throw out of this listener.
    try {
      const header = decodeHeader(buf);
      if (!header) return;
      const x = this.waiting.get(header.requestId);
      if (!x || rinfo.port !== x.port || rinfo.address !== x.address) return;
      this.finish(x);
      x.reply(buf, header);
    } catch {
      // a reply that could not even be routed is no reply
    }
  }
}

function expire(t: UdpTransport, x: Exchange): void {
  t.expired(x);
}
