/** Words, badges, links and small helpers shared by the backup views. Pure. */
import type { Child } from 'hono/jsx';
import { Layout, type ShellUser } from '../../layout.js';
import { formatClock, formatDateTime, formatDuration, formatValue } from '../../charts/scale.js';
import { groupDigits } from '../../../src/lib/collate.js';

export { formatDuration };

/** What every backups page gets from the shell. */
export interface BackupsShellProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
}

export const BASE = '/backups';
/** Background polls say so (src/http/middleware/authenticate.ts): they are not activity. */
export const POLL_HEADERS = JSON.stringify({ 'X-Caretaker-Poll': '1' });
/** Live blocks poll this often while a run is under way. */
export const POLL_EVERY = 'every 2s';

export type RunStatus = 'running' | 'succeeded' | 'warning' | 'failed' | 'interrupted';

export const STATUS_LABELS: Record<string, string> = {
  running: 'running',
  succeeded: 'succeeded',
  warning: 'with warnings',
  failed: 'failed',
  interrupted: 'interrupted',
};

export const PHASE_LABELS: Record<string, string> = {
  checking: 'Checking the target',
  copying: 'Copying',
  verifying: 'Verifying a sample',
  finishing: 'Measuring and finishing',
  restoring: 'Restoring',
};

export const jobHref = (id: string) => `${BASE}/jobs/${encodeURIComponent(id)}`;
export const runHref = (id: string) =>
  `${BASE}/runs/${encodeURIComponent(id).replace(/%3A/gi, ':')}`;
export const snapshotsHref = (jobId: string) => `${jobHref(jobId)}/snapshots`;

/** A path inside a snapshot as query parameters: `raw` (base64) for names that are not UTF-8. */
export interface PathRef {
  path: string;
  rawPath?: string | undefined;
}

function pathQuery(ref: PathRef, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  if (ref.rawPath) q.set('raw', ref.rawPath);
  else if (ref.path) q.set('path', ref.path);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function folderHref(jobId: string, snapshot: string, ref: PathRef, after?: string): string {
  return `${snapshotsHref(jobId)}/${encodeURIComponent(snapshot)}${pathQuery(ref, after ? { after } : {})}`;
}
export const versionsHref = (jobId: string, ref: PathRef) =>
  `${jobHref(jobId)}/versions${pathQuery(ref)}`;
export const restoreHref = (jobId: string, snapshot: string, ref: PathRef) =>
  `${snapshotsHref(jobId)}/${encodeURIComponent(snapshot)}/restore${pathQuery(ref)}`;
/** The JSON API's download (an attachment; it needs the operator role). */
export const downloadHref = (jobId: string, snapshot: string, ref: PathRef) =>
  `/api/v1/backup/snapshots/${encodeURIComponent(`${jobId}~${snapshot}`)}/download${pathQuery(ref)}`;

/** "2026-11-26T013000Z" (or with a "-2" suffix) as the instant it names, or undefined. */
export function snapshotInstant(name: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(name);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}Z` : undefined;
}

/** A snapshot's name as people read it: its local date and time. */
export function SnapshotTime(p: { name: string; tz: string; iso?: string | undefined }) {
  const iso = p.iso ?? snapshotInstant(p.name);
  const t = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(t)) return <span>{p.name}</span>;
  // With seconds: two snapshots of the same minute must not read the same.
  const text = formatDateTime(t, p.tz, true).replace(/\d{2}:\d{2}$/, formatClock(t, p.tz, true));
  return (
    <time datetime={iso} title={`snapshot ${p.name}`}>
      {text}
    </time>
  );
}

export function bytes(n: number | undefined): string {
  return n === undefined ? '–' : formatValue(n, 'B');
}

export function count(n: number | undefined): string {
  return n === undefined ? '–' : groupDigits(n);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${groupDigits(n)} ${n === 1 ? one : many}`;
}

/** The run's outcome as a written word on a coloured background. */
export function RunBadge(p: { status: string; warnings?: number | undefined }) {
  const label = STATUS_LABELS[p.status] ?? p.status;
  return (
    <span class={`badge s-${p.status} run-status`}>
      {p.status === 'warning' && p.warnings ? `${label} (${p.warnings})` : label}
    </span>
  );
}

/** "5 min ago" with the exact local time on hover; `never` when there is no time. */
export function Ago(p: { iso: string | undefined; now: number; tz: string; never?: string }) {
  if (!p.iso) return <span class="muted">{p.never ?? 'never'}</span>;
  const t = Date.parse(p.iso);
  if (!Number.isFinite(t)) return <span>{p.iso}</span>;
  const d = p.now - t;
  const text =
    Math.abs(d) < 45_000
      ? 'just now'
      : d > 0
        ? `${formatDuration(d)} ago`
        : `in ${formatDuration(-d)}`;
  return (
    <time datetime={p.iso} title={formatDateTime(t, p.tz, true)}>
      {text}
    </time>
  );
}

/** The local date and time ("26 Nov 2026 14:03"). */
export function At(p: { iso: string | undefined; tz: string }) {
  if (!p.iso) return <span class="muted">–</span>;
  const t = Date.parse(p.iso);
  if (!Number.isFinite(t)) return <span>{p.iso}</span>;
  return (
    <time datetime={p.iso} title={p.iso}>
      {formatDateTime(t, p.tz, true)}
    </time>
  );
}

/** Backups › Job › … */
export function Crumbs(p: { items: Array<{ href?: string | undefined; label: Child }> }) {
  return (
    <p class="crumbs">
      {p.items.map((it, i) => (
        <>
          {i ? ' › ' : ''}
          {it.href ? <a href={it.href}>{it.label}</a> : <span>{it.label}</span>}
        </>
      ))}
    </p>
  );
}

/** Every backups page: the shell with Backups highlighted, and the slot htmx errors go to. */
export function BackupsLayout(p: BackupsShellProps & { title: string; children?: Child }) {
  return (
    <Layout
      title={p.title}
      siteName={p.siteName}
      active={BASE}
      user={p.user}
      csrfToken={p.csrfToken}
    >
      {p.children}
    </Layout>
  );
}

/** The htmx error slot (src/http/errors.tsx retargets refused htmx requests to #flash). */
export function Flash() {
  return <div id="flash" aria-live="polite"></div>;
}

/**
 * Polls `url` every 2 s and puts the answer in place of the element `target` (an id). A leaf of
 * its own, so that links and buttons in the block neither inherit the poll's swap nor its header.
 */
export function Poller(p: { url: string; target: string }) {
  return (
    <div
      class="poller"
      hidden
      hx-get={p.url}
      hx-trigger={POLL_EVERY}
      hx-headers={POLL_HEADERS}
      hx-target={`#${p.target}`}
      hx-swap="outerHTML"
    ></div>
  );
}
