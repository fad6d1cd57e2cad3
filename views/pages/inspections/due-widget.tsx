import { STATE_LABELS, dueLine, formatDate } from './format.js';

/** One task of the summary; the same shape as the service's DueTask. */
export interface DueWidgetTask {
  planId: string;
  title: string;
  state: 'overdue' | 'due' | 'soon';
  dueDate: string;
  dueAt: string;
  overdueAt: string;
  assigneeId: string;
  assigneeName?: string | undefined;
  deviceCount: number;
}

/** The result of InspectionService.dueSummary(now). */
export interface DueWidgetSummary {
  now: string;
  timezone: string;
  counts: { overdue: number; due: number; soon: number };
  tasks: DueWidgetTask[];
}

export interface DueWidgetProps {
  summary: DueWidgetSummary;
  /** How many tasks to list (most urgent first); the rest are counted. Default 5. */
  limit?: number;
}

/**
 * The dashboard's card of inspection tasks that are overdue, due or due within a week, most urgent
 * first, each linking to its plan.
 */
export function DueWidget(p: DueWidgetProps) {
  const { counts, tasks, now } = p.summary;
  const limit = p.limit ?? 5;
  const shown = tasks.slice(0, limit);
  const rest = tasks.length - shown.length;
  return (
    <section class="card inspections-due" aria-labelledby="inspections-due-title">
      <div class="card-head">
        <h2 id="inspections-due-title">
          <a href="/monitoring/inspections">Inspections</a>
        </h2>
        <span>
          {counts.overdue ? <span class="pill st-overdue">{counts.overdue} overdue</span> : null}
          {counts.due ? <span class="pill st-due">{counts.due} due</span> : null}
          {counts.soon ? <span class="pill st-soon">{counts.soon} due soon</span> : null}
        </span>
      </div>
      {tasks.length === 0 ? (
        <p class="empty-line">Nothing due in the next 7 days.</p>
      ) : (
        <ul class="due-list">
          {shown.map((t) => (
            <li class={`st-${t.state}`}>
              <span class={`badge st-${t.state}`}>{STATE_LABELS[t.state]}</span>{' '}
              <a href={`/monitoring/inspections/${t.planId}`}>{t.title}</a>
              <div class="muted small">
                {formatDate(t.dueDate)} · {dueLine(t, now)} ·{' '}
                {t.assigneeName ?? <em>assignee removed</em>}
              </div>
            </li>
          ))}
        </ul>
      )}
      {rest > 0 ? (
        <p class="small">
          <a href="/monitoring/inspections">and {rest} more</a>
        </p>
      ) : null}
    </section>
  );
}
