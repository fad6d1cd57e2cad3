import type { Context } from 'hono';
import { setCookie, deleteCookie } from 'hono/cookie';
import { SESSION_COOKIE, type LoginResult } from '../../auth/session-service.js';

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

/** Sets the cookie of a new session for as long as the session may live. */
export function setSessionCookieFor(c: Context, r: LoginResult): void {
  setSessionCookie(c, r.sessionId, Math.floor((r.session.expiresAt - r.session.createdAt) / 1000));
}

/** Where a login comes from, for the session record and the audit log. */
export function loginMeta(c: Context): { ip: string; userAgent: string } {
  return {
    ip: (c.get('ip') as string | undefined) ?? 'unknown',
    userAgent: c.req.header('user-agent') ?? '',
  };
}
