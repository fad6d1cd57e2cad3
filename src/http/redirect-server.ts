import { createServer, type Server } from 'node:http';

/** A host name or address as it may appear in a Host header (no port, no path, no user info). */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})$/;

/** Where a plain-HTTP request is sent: the same host and path on the HTTPS port. */
export function redirectTarget(hostHeader: string | undefined, url: string, httpsPort: number) {
  const raw = (hostHeader ?? '').trim();
  const host = raw.startsWith('[') ? raw.slice(0, raw.indexOf(']') + 1) : raw.split(':')[0]!;
  if (!HOST.test(host)) return undefined;
  const pathAndQuery = url.startsWith('/') ? url : '/';
  return `https://${host}${httpsPort === 443 ? '' : `:${httpsPort}`}${pathAndQuery}`;
}

/**
 * The plain-HTTP port when HTTPS is on: every request is redirected (308 keeps the method and
 * body), nothing is served. A request without a usable Host header gets 400.
 */
export function listenRedirect(host: string, port: number, httpsPort: number): Promise<Server> {
  const server = createServer((req, res) => {
    const target = redirectTarget(req.headers.host, req.url ?? '/', httpsPort);
    if (!target) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Use https:// and the box address.\n');
      return;
    }
    res.writeHead(308, { location: target, 'content-type': 'text/plain; charset=utf-8' });
    res.end(`This box is served over HTTPS: ${target}\n`);
  });
  // Idle keep-alive sockets must not hold shutdown up.
  server.keepAliveTimeout = 1_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
