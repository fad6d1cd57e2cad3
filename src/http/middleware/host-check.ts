import os from 'node:os';
import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../core/errors.js';

/** The host part of a Host header: `[::1]:8080` → `::1`, `box.lan:8080` → `box.lan`. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/**
 * Defence against DNS rebinding: a page on another site can make a browser resolve its own name
 * to the box's address, but the request then carries that foreign name in Host. Only IP
 * addresses, localhost, the box's own host name (plain and .local) and the names an admin lists
 * in http.allowedHosts are answered; anything else gets 421.
 */
export function hostCheck(allowedHosts: string[]): MiddlewareHandler {
  const own = os.hostname().toLowerCase();
  const allowed = new Set([
    'localhost',
    own,
    `${own}.local`,
    ...allowedHosts.map((h) => h.toLowerCase()),
  ]);
  return async (c, next) => {
    const header = c.req.header('host');
    if (header !== undefined) {
      const name = hostName(header);
      if (!isIP(name) && !allowed.has(name) && !name.endsWith('.localhost')) {
        throw new AppError(
          'HOST_NOT_ALLOWED',
          `This box does not answer to the name "${name}". Use its IP address, or add the name to http.allowedHosts in the configuration.`,
          { status: 421, kind: 'input' },
        );
      }
    }
    await next();
  };
}
