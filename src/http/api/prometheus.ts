import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { AppError, unauthorized } from '../../core/errors.js';
import { BadAuthLimiter } from '../../auth/bad-auth-limiter.js';
import { BasicAuthenticator } from '../../auth/basic-auth.js';
import { PrometheusExporter } from '../../hq/prometheus.js';

/** Whether an Accept-Encoding header accepts gzip (`gzip;q=0` refuses it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    return !q || Number(q[1]) > 0;
  });
}

/** A Buffer as the plain Uint8Array view Hono's body types ask for (no copy of the page). */
const bytes = (b: Buffer): Uint8Array<ArrayBuffer> =>
  new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);

/**
 * GET /metrics for HQ's Prometheus, and the bad-credentials throttle it shares with the
 * authenticate middleware (which must be built first, so both come from here).
 *
 * Who may scrape: an API token of any scope (`read` is enough), a signed-in session, or HTTP basic
 * auth with a local user's name and password (checked like a login, no session made). Nothing is
 * changed by a scrape, so there is no role check beyond being someone. With `hq.metricsEnabled`
 * false the path does not exist (404). The exporter is built on the first scrape, so a box that
 * is never scraped spends nothing on it.
 */
export function prometheusEndpoint(deps: AppDeps) {
  const badAuth = new BadAuthLimiter({
    perMinute: deps.config.hq.badAuthPerMinute,
    clock: deps.clock,
  });
  const basic = new BasicAuthenticator({
    store: deps.store,
    clock: deps.clock,
    sessions: deps.sessions,
    badAuth,
  });
  let exporter: PrometheusExporter | undefined;
  const routes = new Hono<AppEnv>().get('/', async (c) => {
    if (!deps.config.hq.metricsEnabled)
      throw new AppError('NOT_FOUND', 'The Prometheus endpoint is turned off on this box.', {
        status: 404,
        kind: 'input',
      });
    if (!c.get('auth')) {
      const header = c.req.header('authorization');
      if (!header)
        throw unauthorized(
          'Send an API token (Authorization: Bearer …) or the name and password of a local user (basic auth).',
        );
      const u = await basic.authenticate(header, c.get('ip'));
      c.set('auth', {
        actor: { type: 'user', id: u.id, name: u.username, role: u.role },
        role: u.role,
      });
    }
    exporter ??= new PrometheusExporter({ ...deps, authFailures: () => badAuth.failures });
    const page = await exporter.scrape();
    // The per-device part's buffer is reused once every response that sends it has ended.
    const release = page.devices.hold();
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    outgoing?.once('close', release);
    c.header('Content-Type', exporter.contentType);
    c.header('Vary', 'Accept-Encoding');
    c.header(
      'Server-Timing',
      `build;dur=${page.buildMs.toFixed(1)}, devices;desc="${page.devicesReused ? 'reused' : 'built'}"`,
    );
    // Two parts, sent one after the other; compressed as two gzip members (RFC 1952 allows a
    // stream of members; Prometheus, curl and browsers read them as one body), so the large part
    // is compressed once per build, not once per scrape.
    const gzip = acceptsGzip(c.req.header('accept-encoding'));
    const parts = gzip
      ? [gzipSync(page.head.body, { level: 1 }), await page.devices.gzipped()]
      : [page.head.body, page.devices.body];
    if (gzip) c.header('Content-Encoding', 'gzip');
    c.header('Content-Length', String(parts[0]!.length + parts[1]!.length));
    return c.body(
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const p of parts) controller.enqueue(bytes(p));
          controller.close();
        },
      }),
    );
  });
  return { badAuth, routes };
}
