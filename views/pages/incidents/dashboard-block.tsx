import {
  Ago,
  Sev,
  StatePill,
  incidentHref,
  type IncidentStateName,
  type SeverityName,
} from './format.js';

export interface OpenIncidentItem {
  id: string;
  title: string;
  severity: SeverityName;
  state: IncidentStateName;
  deviceId?: string | undefined;
  /** Absent when the device has been deleted since. */
  deviceName?: string | undefined;
  openedAt: string;
  count: number;
  assigneeName?: string | undefined;
}

export interface OpenIncidentsProps {
  /** Unresolved incidents in all. */
  total: number;
  /** Open (not yet acknowledged) among them. */
  unacknowledged: number;
  /** The worst few, worst and newest first. */
  items: OpenIncidentItem[];
}

/** The dashboard's "Open incidents" card: the worst few, and the way to all of them. */
export function OpenIncidents(p: OpenIncidentsProps & { tz: string; now: number }) {
  return (
    <section
      class="card dash-incidents wide"
      id="dash-incidents"
      aria-labelledby="dash-incidents-h"
    >
      <div class="card-head">
        <h2 id="dash-incidents-h">Open incidents</h2>
        <a class="small" href="/incidents">
          {p.total
            ? `All ${p.total} unresolved${p.unacknowledged ? ` (${p.unacknowledged} not acknowledged)` : ''}`
            : 'All incidents'}
        </a>
      </div>
      {p.items.length ? (
        <ul class="problems open-incidents">
          {p.items.map((i) => (
            <li class={`sev-${i.severity}`}>
              <Sev severity={i.severity} />
              <div class="problem-text">
                <a href={incidentHref(i.id)}>{i.title}</a>
                {i.deviceId ? (
                  <span class="muted">
                    {' '}
                    on{' '}
                    {i.deviceName ? (
                      <a class="plain-link" href={`/devices/${encodeURIComponent(i.deviceId)}`}>
                        {i.deviceName}
                      </a>
                    ) : (
                      'a deleted device'
                    )}
                  </span>
                ) : null}
                <div class="muted small">
                  <StatePill state={i.state} /> opened{' '}
                  <Ago iso={i.openedAt} now={p.now} tz={p.tz} />
                  {i.count > 1 ? ` · ×${i.count}` : ''}
                  {i.assigneeName ? ` · ${i.assigneeName}` : ''}
                </div>
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <p class="all-clear">No open incidents.</p>
      )}
    </section>
  );
}
