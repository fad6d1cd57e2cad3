import type { Context } from 'hono';
import { setCookie, deleteCookie } from 'hono/cookie';
import { SESSION_COOKIE } from '../../auth/session-service.js';

/** True when the request reached us over TLS; cookies are then marked Secure. */
export function isSecure(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:';
}

export function setSessionCookie(c: Context, sessionId: string, maxAgeS: number): void {
  setCookie(c, SESSION_COOKIE, sessionId, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: isSecure(c),
    maxAge: maxAgeS,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isSecure(c) });
}
