import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { readForm } from '../request.js';
import { preSessionToken } from '../middleware/csrf.js';
import { setSessionCookieFor, clearSessionCookie, loginMeta } from '../middleware/cookies.js';
import { LoginPage, SetupPage } from '../../../views/pages/auth.js';
import { formErrors } from './shell.js';
import { isAppError } from '../../core/errors.js';

/** Only local paths are followed after login, so /login?next= cannot send anyone elsewhere. */
export function safeNext(next: string | undefined): string {
  // Control characters, backslashes and anything that leaves this origin are refused: browsers
  // read "/\t/evil" and "/\\evil" as links to another host.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (!next || next.length > 2000 || !next.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next))
    return '/';
  try {
    const url = new URL(next, 'http://box.invalid');
    if (url.origin !== 'http://box.invalid') return '/';
    return url.pathname + url.search;
  } catch {
    return '/';
  }
}

export function authPages(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/login', async (c) => {
    if (await deps.setup.firstBoot()) return c.redirect('/setup', 303);
    if (c.get('auth')?.session) return c.redirect(safeNext(c.req.query('next')), 303);
    return c.html(
      <LoginPage
        setupOpen={await deps.setup.isOpen()}
        siteName={deps.site.name()}
        csrfToken={preSessionToken(c)}
        next={c.req.query('next')}
        notice={c.req.query('bye') ? 'You are logged out.' : undefined}
      />,
    );
  });

  app.post('/login', async (c) => {
    const form = await readForm(c);
    const next = safeNext(form.next);
    try {
      const r = await deps.sessions.login(form.username ?? '', form.password ?? '', loginMeta(c));
      setSessionCookieFor(c, r);
      return c.redirect(next, 303);
    } catch (err) {
      if (!isAppError(err) || (err.status !== 401 && err.status !== 429)) throw err;
      if (err.status === 429) {
        const retry = (err.cause as { retryAfterS?: number } | undefined)?.retryAfterS;
        if (retry) c.header('Retry-After', String(retry));
      }
      return c.html(
        <LoginPage
          siteName={deps.site.name()}
          csrfToken={preSessionToken(c)}
          next={next === '/' ? undefined : next}
          username={form.username ?? ''}
          error={err.message}
        />,
        err.status === 429 ? 429 : 401,
      );
    }
  });

  app.post('/logout', async (c) => {
    const auth = c.get('auth');
    if (auth?.session) await deps.sessions.logout(auth.session, c.get('ip'));
    clearSessionCookie(c);
    if (c.req.header('hx-request')) {
      c.header('HX-Redirect', '/login?bye=1');
      return c.body(null, 204);
    }
    return c.redirect('/login?bye=1', 303);
  });

  const setupPage = (c: Context<AppEnv>, extra: Partial<Parameters<typeof SetupPage>[0]> = {}) => (
    <SetupPage
      siteName={deps.site.name()}
      csrfToken={preSessionToken(c)}
      dataDir={deps.config.dataDir}
      passwordMinLength={deps.config.auth.passwordMinLength}
      {...extra}
    />
  );

  app.get('/setup', async (c) => {
    if (!(await deps.setup.isOpen())) return c.redirect('/login', 303);
    return c.html(setupPage(c));
  });

  app.post('/setup', async (c) => {
    if (!(await deps.setup.isOpen())) return c.redirect('/login', 303);
    const form = await readForm(c);
    const values = { username: form.username ?? '' };
    if ((form.password ?? '') !== (form.confirm ?? '')) {
      return c.html(
        setupPage(c, { values, errors: { confirm: 'The two passwords differ.' } }),
        422,
      );
    }
    try {
      await deps.setup.complete(
        {
          setupCode: form.setupCode ?? '',
          username: form.username ?? '',
          password: form.password ?? '',
        },
        c.get('ip'),
      );
    } catch (err) {
      const e = formErrors(err);
      return c.html(
        setupPage(c, { values, errors: e.fields, error: e.message }),
        e.error.status === 403 ? 403 : 422,
      );
    }
    deps.logger.info(
      { component: 'auth', user: values.username },
      'first admin created; setup closed',
    );
    const r = await deps.sessions.login(form.username ?? '', form.password ?? '', loginMeta(c));
    setSessionCookieFor(c, r);
    return c.redirect('/settings?welcome=1', 303);
  });

  return app;
}
