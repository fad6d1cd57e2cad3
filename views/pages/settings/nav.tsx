import type { Child } from 'hono/jsx';
import { Layout, type ShellUser } from '../../layout.js';

const TABS = [
  { href: '/settings', label: 'Site', admin: false },
  { href: '/settings/discovery', label: 'Discovery', admin: false },
  { href: '/settings/credentials', label: 'SNMP credentials', admin: true },
  { href: '/settings/notifications', label: 'Notifications', admin: false },
  { href: '/settings/maintenance', label: 'Maintenance', admin: false },
  { href: '/settings/users', label: 'Users', admin: true },
  { href: '/settings/tokens', label: 'API tokens', admin: true },
  { href: '/settings/audit', label: 'Audit log', admin: true },
  { href: '/settings/jobs', label: 'Jobs', admin: false },
  { href: '/settings/api', label: 'API', admin: false },
] as const;

export interface SettingsShellProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  tab: string;
  title: string;
  children?: Child;
}

/** Settings pages share a tab bar; admin-only tabs are hidden from other roles. */
export function SettingsShell(p: SettingsShellProps) {
  return (
    <Layout
      title={p.title}
      siteName={p.siteName}
      active="/settings"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <div class="page-head">
        <h1>Settings</h1>
      </div>
      <nav class="tabs" aria-label="Settings">
        {TABS.filter((t) => !t.admin || p.user.role === 'admin').map((t) => (
          <a href={t.href} aria-current={p.tab === t.href ? 'page' : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      <div id="flash" aria-live="polite"></div>
      {p.children}
    </Layout>
  );
}
