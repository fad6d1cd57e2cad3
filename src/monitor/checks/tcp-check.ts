import net from 'node:net';
import type { CheckResult } from './check-schema.js';
import { elapsedMs, failedResult, failure, watchAbort } from './check-util.js';

/** Passes when a TCP connection to the port is accepted within the timeout. */
export async function tcpCheck(
  address: string,
  port: number,
  opts: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<CheckResult> {
  const started = performance.now();
  let socket: net.Socket | undefined;
  let timer: NodeJS.Timeout | undefined;
  const abort = watchAbort(opts.signal);
  try {
    await new Promise<void>((resolve, reject) => {
      abort.onAbort(reject);
      timer = setTimeout(
        () =>
          reject(
            failure('CHECK_TIMEOUT', `Port ${port} did not answer within ${opts.timeoutMs} ms.`),
          ),
        opts.timeoutMs,
      );
      socket = net.connect({ host: address, port });
      socket.once('connect', () => resolve());
      socket.once('error', (err: NodeJS.ErrnoException) => reject(connectFailure(err, port)));
    });
    return { ok: true, rttMs: elapsedMs(started) };
  } catch (err) {
    return failedResult(err);
  } finally {
    clearTimeout(timer);
    abort.clear();
    socket?.on('error', () => undefined);
    socket?.destroy();
  }
}

/** A socket error as a check failure with a code and a sentence. */
export function connectFailure(err: NodeJS.ErrnoException, port: number): Error {
  switch (err.code) {
    case 'ECONNREFUSED':
      return failure('PORT_CLOSED', `Port ${port} is closed: the device refused the connection.`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return failure('HOST_UNREACHABLE', 'The device cannot be reached from this box.');
    case 'ECONNRESET':
      return failure('CONNECTION_RESET', `The device closed the connection on port ${port}.`);
    case 'ETIMEDOUT':
      return failure('CHECK_TIMEOUT', `Port ${port} did not answer in time.`);
    default:
      return failure('CONNECT_FAILED', `Connecting to port ${port} failed: ${err.message}`);
  }
}
