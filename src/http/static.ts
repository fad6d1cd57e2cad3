import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { AppEnv } from './env.js';
import { etagMatches } from './etag.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

async function walk(dir: string, base = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(path.join(dir, e.name), rel)));
    else if (e.isFile() && TYPES[path.extname(e.name)]) out.push(rel);
  }
  return out;
}

/**
 * Static files are read once at start-up into a map: a request can only ever name one of these
 * files, so path traversal has nothing to reach, and every answer is served from memory.
 */
export async function staticRoutes(root: string): Promise<Hono<AppEnv>> {
  const assets = new Map<string, Asset>();
  for (const rel of await walk(root)) {
    const body = await readFile(path.join(root, rel));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    assets.set(rel, { body, type: TYPES[path.extname(rel)]!, etag });
  }
  const app = new Hono<AppEnv>();
  app.get('/*', (c) => {
    const rel = c.req.path.replace(/^\/static\//, '');
    const asset = assets.get(rel);
    if (!asset)
      return c.json({ error: { code: 'NOT_FOUND', message: 'No such static file.' } }, 404);
    c.header('ETag', asset.etag);
    c.header('Cache-Control', 'public, max-age=300, must-revalidate');
    if (etagMatches(c.req.header('if-none-match'), asset.etag)) return c.body(null, 304);
    c.header('Content-Type', asset.type);
    return c.body(new Uint8Array(asset.body));
  });
  return app;
}
