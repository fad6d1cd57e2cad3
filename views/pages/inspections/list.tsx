import { Layout, type ShellUser } from '../../layout.js';
import { Notice } from '../../partials/form.js';
import { Time } from '../../partials/time.js';
import { Crumbs } from './crumbs.js';
import { STATE_LABELS, dueLine, formatDate, type TaskStateName } from './format.js';

export interface PlanRow {
  id: string;
  title: string;
  state: TaskStateName;
  nextDue: string;
  dueAt: string;
  overdueAt: string;
  recurrence: string;
  assigneeName?: string | undefined;
  assigneeUnavailable: boolean;
  deviceCount: number;
  checklistCount: number;
  lastCompletion?: { at: string; by: string } | undefined;
}

export interface PlanListQuery {
  state?: TaskStateName | undefined;
  mine: boolean;
  offset: number;
  limit: number;
}

export interface InspectionListProps {
  siteName: string;
  user: ShellUser;
  csrfToken: string;
  timezone: string;
  now: string;
  rows: PlanRow[];
  /** Plans matching the filter. */
  total: number;
  /** Plans per state, over all plans. */
  counts: Record<TaskStateName, number>;
  query: PlanListQuery;
  canCreate: boolean;
  notice?: string | undefined;
}

function href(q: PlanListQuery, change: Partial<PlanListQuery>): string {
  const n = { ...q, ...change };
  const params = new URLSearchParams();
  if (n.state) params.set('state', n.state);
  if (n.mine) params.set('mine', '1');
  if (n.offset) params.set('offset', String(n.offset));
  const s = params.toString();
  return `/monitoring/inspections${s ? `?${s}` : ''}`;
}

/** Every plan, most urgent first: overdue, due, due within a week, then the rest. */
export function InspectionListPage(p: InspectionListProps) {
  const q = p.query;
  const all = Object.values(p.counts).reduce((a, b) => a + b, 0);
  const filters: Array<{ state: TaskStateName | undefined; label: string; n: number }> = [
    { state: undefined, label: 'All', n: all },
    ...(['overdue', 'due', 'soon', 'upcoming'] as const).map((s) => ({
      state: s,
      label: STATE_LABELS[s],
      n: p.counts[s],
    })),
  ];
  const to = Math.min(p.total, q.offset + q.limit);
  return (
    <Layout
      title="Inspections"
      siteName={p.siteName}
      active="/monitoring"
      user={p.user}
      csrfToken={p.csrfToken}
    >
      <div class="page-head split">
        <div>
          <Crumbs trail={[]} />
          <h1>Inspections</h1>
          <p class="muted">
            Recurring checks people do by hand, with a checklist and someone responsible. Times in{' '}
            {p.timezone}.
          </p>
        </div>
        {p.canCreate ? (
          <div class="head-actions">
            <a class="button-link primary" href="/monitoring/inspections/new">
              New plan
            </a>
          </div>
        ) : null}
      </div>
      <div id="flash" aria-live="polite"></div>
      {p.notice ? <Notice kind="ok">{p.notice}</Notice> : null}
      {all === 0 ? (
        <section class="card empty">
          <h2>No inspection plans yet</h2>
          <p>
            A plan is a task that comes round on a schedule, such as “run the UPS self-test” every
            month or “check the server-room temperature and filters” every week, with a checklist to
            tick off and a person who does it. Overdue tasks raise an event.
          </p>
          {p.canCreate ? (
            <p>
              <a href="/monitoring/inspections/new">Create the first plan</a>
            </p>
          ) : (
            <p class="muted">Operators and admins can create plans.</p>
          )}
        </section>
      ) : (
        <section class="card" id="inspection-results">
          <nav class="state-filter" aria-label="Filter by state">
            {filters.map((f) => (
              <a
                href={href(q, { state: f.state, offset: 0 })}
                aria-current={q.state === f.state ? 'page' : undefined}
                class={f.state ? `st-${f.state}` : undefined}
              >
                {f.label} <span class="count">{f.n}</span>
              </a>
            ))}
            <a
              href={href(q, { mine: !q.mine, offset: 0 })}
              aria-pressed={q.mine ? 'true' : 'false'}
              class="mine"
            >
              {q.mine ? '✓ ' : ''}Assigned to me
            </a>
          </nav>
          {p.rows.length === 0 ? (
            <p class="empty-line">No plan matches this filter.</p>
          ) : (
            <div class="table-scroll">
              <table class="table inspections">
                <thead>
                  <tr>
                    <th>State</th>
                    <th>Plan</th>
                    <th>Next due</th>
                    <th>Assignee</th>
                    <th>Last done</th>
                  </tr>
                </thead>
                <tbody>
                  {p.rows.map((r) => (
                    <tr class={`st-${r.state}`}>
                      <td>
                        <span class={`badge st-${r.state}`}>{STATE_LABELS[r.state]}</span>
                      </td>
                      <td>
                        <a href={`/monitoring/inspections/${r.id}`}>
                          <strong>{r.title}</strong>
                        </a>
                        <div class="muted small">
                          {r.recurrence} · {r.checklistCount} item
                          {r.checklistCount === 1 ? '' : 's'}
                          {r.deviceCount
                            ? ` · ${r.deviceCount} device${r.deviceCount === 1 ? '' : 's'}`
                            : ''}
                        </div>
                      </td>
                      <td class="nowrap">
                        {formatDate(r.nextDue)}
                        <div class="muted small">{dueLine(r, p.now)}</div>
                      </td>
                      <td>
                        {r.assigneeName ?? <em class="muted">removed user</em>}
                        {r.assigneeUnavailable ? (
                          <div class="error-text small">cannot complete tasks: reassign</div>
                        ) : null}
                      </td>
                      <td>
                        {r.lastCompletion ? (
                          <>
                            <Time iso={r.lastCompletion.at} timezone={p.timezone} />
                            <div class="muted small">by {r.lastCompletion.by}</div>
                          </>
                        ) : (
                          <span class="muted">never</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {p.total > q.limit ? (
            <nav class="pager" aria-label="Pages">
              {q.offset > 0 ? (
                <a href={href(q, { offset: Math.max(0, q.offset - q.limit) })} rel="prev">
                  ← Previous
                </a>
              ) : (
                <span class="muted">← Previous</span>
              )}
              <span class="muted">
                Page {Math.floor(q.offset / q.limit) + 1} of {Math.ceil(p.total / q.limit)}
              </span>
              {to < p.total ? (
                <a href={href(q, { offset: q.offset + q.limit })} rel="next">
                  Next →
                </a>
              ) : (
                <span class="muted">Next →</span>
              )}
            </nav>
          ) : null}
        </section>
      )}
    </Layout>
  );
}
