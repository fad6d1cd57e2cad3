import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { z } from 'zod';
import { AppError, badRequest } from '../core/errors.js';
import { zodToAppError } from '../core/zod-errors.js';
import type { AppEnv } from './env.js';
import type { RequestContext } from '../auth/context.js';

/** The peer address of the connection (the box is reached directly on the LAN, not via a proxy). */
export function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'local';
  }
}

/** Reads and validates a JSON body: 415 if it is not JSON, 400 if malformed, 422 if invalid. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the body as JSON with Content-Type: application/json.',
      { status: 415, kind: 'input' },
    );
  }
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw badRequest('BAD_JSON', `The body is not valid JSON: ${(err as Error).message}`);
  }
  const result = schema.safeParse(body);
  if (!result.success) throw zodToAppError(result.error, 'The body');
  return result.data;
}

/** Reads a urlencoded or multipart form as plain strings (files are not accepted here). */
export async function readForm(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'The form',
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw zodToAppError(result.error, what);
  return result.data;
}

/** The audit context of an authenticated request. */
export function ctxOf(c: Context<AppEnv>): RequestContext {
  const auth = c.get('auth');
  if (!auth)
    throw new AppError('UNAUTHENTICATED', 'Authentication is required.', {
      status: 401,
      kind: 'auth',
    });
  return { actor: auth.actor, ip: c.get('ip') };
}

export function isApi(c: Context): boolean {
  return c.req.path === '/api' || c.req.path.startsWith('/api/') || c.req.path === '/metrics';
}

export function isHtmx(c: Context): boolean {
  return c.req.header('hx-request') === 'true';
}
