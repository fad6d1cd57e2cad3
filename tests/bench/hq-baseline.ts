/**
 * hq.bench.ts's baseline: a bare Hono app on @hono/node-server that answers GET /metrics and
 * GET /api/v1/site with the bytes the appliance sent (read from files, kept in memory), with the
 * same content types; /metrics also gzip-compressed when asked (bytes compressed once, up front,
 * like the appliance's shared scrape). No authentication, no store, no rendering: the floor for
 * "how fast can this stack hand out these bytes".
 *
 * Usage: tsx hq-baseline.ts <port> <metrics body file> <site body file>
 * Prints "ready" once it listens on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';

const [port, metricsFile, siteFile] = process.argv.slice(2);
if (!port || !metricsFile || !siteFile)
  throw new Error('usage: hq-baseline.ts <port> <metrics body file> <site body file>');
const metrics = new Uint8Array(await readFile(metricsFile));
const metricsGz = new Uint8Array(gzipSync(metrics, { level: 1 }));
const site = new Uint8Array(await readFile(siteFile));

const app = new Hono()
  .get('/metrics', (c) => {
    c.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      c.header('Content-Encoding', 'gzip');
      return c.body(metricsGz);
    }
    return c.body(metrics);
  })
  .get('/api/v1/site', (c) => {
    c.header('Content-Type', 'application/json; charset=utf-8');
    return c.body(site);
  });

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(port) }, () => {
  process.stdout.write('ready\n');
});
