import type { Store } from '../store/store.js';
import type { SessionService } from '../auth/session-service.js';
import type { Clock } from '../core/time.js';
import type { BatchOp } from '../store/db.js';

const DAY = 86_400_000;
/** Deletes are written in batches of this size so that one run never holds a huge batch. */
const CHUNK = 500;

export interface HousekeepingDeps {
  store: Store;
  sessions: SessionService;
  clock: Clock;
  jobNames: () => string[];
  /** Runs kept of a frequent job regardless of age (JobDefinition.keepRuns). */
  jobKeepRuns?: (name: string) => number | undefined;
  retention: {
    jobRunRetentionDays: number;
    jobRunKeepPerJob: number;
    auditRetentionDays: number;
    scansKept: number;
    eventRetentionDays: number;
  };
}

/** Removes expired sessions, job runs past their retention, and audit entries past theirs. */
export async function housekeeping(deps: HousekeepingDeps, signal: AbortSignal): Promise<string> {
  const { store, clock, retention } = deps;
  const sessions = await deps.sessions.prune();
  signal.throwIfAborted();

  const runCutoff = new Date(clock.now() - retention.jobRunRetentionDays * DAY).toISOString();
  let runs = 0;
  for (const job of deps.jobNames()) {
    const all = await store.jobRuns.all(job);
    const keep = deps.jobKeepRuns?.(job);
    const old = all
      .slice(0, Math.max(0, all.length - (keep ?? retention.jobRunKeepPerJob)))
      .filter((r) => (keep !== undefined || r.startedAt < runCutoff) && r.status !== 'running');
    for (let i = 0; i < old.length; i += CHUNK) {
      signal.throwIfAborted();
      await store.write(old.slice(i, i + CHUNK).map((r) => store.jobRuns.delOp(r)));
    }
    runs += old.length;
  }

  const auditCutoff = new Date(clock.now() - retention.auditRetentionDays * DAY).toISOString();
  let audit = 0;
  for (;;) {
    signal.throwIfAborted();
    const keys = await store.audit.keysBefore(auditCutoff, CHUNK);
    if (keys.length === 0) break;
    const ops: BatchOp[] = keys.map((k) => store.audit.delOp(k));
    await store.write(ops);
    audit += keys.length;
  }
  // Discovery scans beyond the newest `scansKept` (never a running one), and events past their retention.
  let scans = 0;
  const old = (await store.scans.recent(100_000))
    .slice(retention.scansKept)
    .filter((s) => s.status !== 'running' && s.status !== 'queued');
  for (let i = 0; i < old.length; i += CHUNK) {
    signal.throwIfAborted();
    await store.write(old.slice(i, i + CHUNK).map((s) => store.scans.delOp(s.id)));
    scans += Math.min(CHUNK, old.length - i);
  }
  const eventCutoff = new Date(clock.now() - retention.eventRetentionDays * DAY).toISOString();
  let events = 0;
  for (;;) {
    signal.throwIfAborted();
    const keys = await store.events.keysBefore(eventCutoff, CHUNK);
    if (keys.length === 0) break;
    await store.write(keys.map((k) => store.events.delOp(k)));
    events += keys.length;
  }
  return `removed ${sessions} expired session(s), ${runs} old job run(s), ${audit} old audit entr${audit === 1 ? 'y' : 'ies'}, ${scans} old scan(s), ${events} old event(s)`;
}
