import { Layout, type ShellUser } from '../layout.js';

export interface AreaInfo {
  href: string;
  title: string;
  summary: string;
  configured: boolean;
  /** What the area will do once configured, one line each. */
  features: string[];
}

/** An area of the product that has nothing to show yet: says what it will do and what it needs. */
export function AreaPage(p: {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  area: AreaInfo;
}) {
  return (
    <Layout
      title={p.area.title}
      siteName={p.siteName}
      active={p.area.href}
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <div class="page-head">
        <h1>{p.area.title}</h1>
        <p class="muted">{p.area.summary}</p>
      </div>
      <section class="card empty">
        <h2>Not configured yet</h2>
        <p>This part of Caretaker has not been set up on this box. Once it is, it will:</p>
        <ul class="checklist">
          {p.area.features.map((f) => (
            <li>{f}</li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
