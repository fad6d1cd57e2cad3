import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';

export interface ShellUser {
  username: string;
  role: string;
}

export interface LayoutProps {
  title: string;
  siteName: string;
  /** The nav entry to highlight (its href). */
  active?: string;
  user?: ShellUser;
  csrfToken?: string;
  children?: Child;
}

export const NAV = [
  { href: '/', label: 'Dashboard' },
  { href: '/devices', label: 'Devices' },
  { href: '/monitoring', label: 'Monitoring' },
  { href: '/incidents', label: 'Incidents' },
  { href: '/updates', label: 'Updates' },
  { href: '/backups', label: 'Backups' },
  { href: '/reports', label: 'Reports' },
  { href: '/settings', label: 'Settings' },
] as const;

/** Without a doctype the browser renders in quirks mode (odd form margins, table fonts). */
const DOCTYPE = raw('<!DOCTYPE html>');

const HTMX_CONFIG = JSON.stringify({
  // Pages may hold secrets shown once (a new API token): never keep snapshots in sessionStorage.
  historyCacheSize: 0,
  // Never settle style attributes: the CSP forbids inline styles.
  attributesToSettle: ['class', 'width', 'height'],
  refreshOnHistoryMiss: true,
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '422', swap: true },
    { code: '[45]..', swap: true, error: true },
  ],
});

function Head(props: { title: string; siteName: string }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <title>{`${props.title} · ${props.siteName} · Caretaker`}</title>
      <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/static/app.css" />
      <script src="/static/vendor/htmx.min.js" defer></script>
      <script src="/static/app.js" defer></script>
    </head>
  );
}

/** The application shell: header with the site, navigation of every area, and the user menu. */
export function Layout(props: LayoutProps) {
  const hxHeaders = props.csrfToken
    ? JSON.stringify({ 'X-CSRF-Token': props.csrfToken })
    : undefined;
  return (
    <>
      {DOCTYPE}
      <html lang="en">
        <Head title={props.title} siteName={props.siteName} />
        <body hx-headers={hxHeaders} hx-boost="true" hx-history="false">
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="topbar">
            <a class="brand" href="/">
              <img src="/static/favicon.svg" alt="" width="24" height="24" />
              <span>Caretaker</span>
              <span class="site">{props.siteName}</span>
            </a>
            {props.user ? (
              <div class="usermenu">
                <a href="/account" class="who">
                  {props.user.username} <span class="role">{props.user.role}</span>
                </a>
                <form method="post" action="/logout">
                  <input type="hidden" name="_csrf" value={props.csrfToken ?? ''} />
                  <button type="submit" class="link">
                    Log out
                  </button>
                </form>
              </div>
            ) : null}
          </header>
          <div class="frame">
            {props.user ? (
              <nav class="sidenav" aria-label="Main">
                <ul>
                  {NAV.map((n) => (
                    <li>
                      <a href={n.href} aria-current={props.active === n.href ? 'page' : undefined}>
                        {n.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            ) : null}
            <main id="main" class={props.user ? 'content' : 'content narrow'}>
              {props.children}
            </main>
          </div>
        </body>
      </html>
    </>
  );
}

/** A page without the application shell: login and setup. */
export function BarePage(props: { title: string; siteName: string; children?: Child }) {
  return (
    <>
      {DOCTYPE}
      <html lang="en">
        <Head title={props.title} siteName={props.siteName} />
        <body class="bare">
          <main id="main" class="card-page">
            <div class="brandmark">
              <img src="/static/favicon.svg" alt="" width="40" height="40" />
              <div>
                <strong>Caretaker</strong>
                <span>{props.siteName}</span>
              </div>
            </div>
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}
