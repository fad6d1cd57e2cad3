import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { timeKey, HIGH } from './keys.js';
import type { AuditEntry } from './types.js';

/** Append-only audit log, keyed by time so that listing newest first is a reverse range scan. */
export class AuditStore {
  readonly sub: Sub<AuditEntry>;
  constructor(db: Db) {
    this.sub = sub<AuditEntry>(db, 'audit');
  }

  appendOp(entry: Omit<AuditEntry, 'key' | 'at'>, nowMs: number): BatchOp {
    const key = timeKey(nowMs);
    const value: AuditEntry = { key, at: new Date(nowMs).toISOString(), ...entry };
    return { type: 'put', sublevel: this.sub, key, value };
  }

  /** The audit entry for a change made in a request context (who and from where). */
  recordOp(
    ctx: { actor: AuditEntry['actor']; ip?: string | undefined },
    action: string,
    target: string | undefined,
    nowMs: number,
    details?: Record<string, unknown>,
  ): BatchOp {
    return this.appendOp(
      {
        actor: ctx.actor,
        action,
        ...(target ? { target } : {}),
        ...(ctx.ip ? { ip: ctx.ip } : {}),
        ...(details ? { details } : {}),
      },
      nowMs,
    );
  }

  /** Newest first; `before` is the key of the last entry of the previous page. */
  async page(limit: number, before?: string): Promise<AuditEntry[]> {
    const rows = await readAll(this.sub, { lt: before ?? HIGH, limit, reverse: true });
    return rows.map(([, e]) => e);
  }

  /** Keys of entries older than the cutoff (ISO time), oldest first, at most `limit`. */
  async keysBefore(cutoffIso: string, limit: number): Promise<string[]> {
    const keys: string[] = [];
    for await (const k of this.sub.keys({ lt: cutoffIso, limit })) keys.push(k);
    return keys;
  }

  delOp(key: string): BatchOp {
    return { type: 'del', sublevel: this.sub, key };
  }
}
