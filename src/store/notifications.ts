import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { HIGH, SEP, key, prefixRange, timeKey } from './keys.js';
import type { EventRecord } from './types.js';
import type { NotifyKind } from '../incidents/types.js';
import type { ChannelKind } from '../incidents/channels/channel-schema.js';
import type { NotificationMessage } from '../incidents/notify-message.js';
import { compareText } from '../lib/collate.js';

type Severity = EventRecord['severity'];

/** What a delivery carries: an incident notification, a channel test or a daily digest. */
export type DeliveryKind = NotifyKind | 'test' | 'digest';
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'dropped';
export type DigestMode = 'immediate' | 'digest-only' | 'both';

export interface ChannelFilters {
  /** The least severe incident this channel hears about. */
  minSeverity: Severity;
  /** Device types ("device groups") this channel is for; empty: every device. */
  deviceTypes: string[];
  /** Whether a resolution is sent (only after something about the incident was sent). */
  notifyResolved: boolean;
  /** Local times (site time zone) during which notifications wait until the end. */
  quietHours?: { start: string; end: string; allowCritical: boolean };
  /** digest-only: one summary a day at `at` (site time zone) instead of single messages. */
  digest?: { mode: DigestMode; at: string };
}

export interface ChannelState {
  /** Failed attempts since the last success (interrupted and cancelled ones do not count). */
  consecutiveFailures: number;
  /** Set once `failingAfter` attempts in a row failed (one event), cleared by the next success. */
  failing: boolean;
  failingSince?: string;
  lastOkAt?: string;
  lastErrorAt?: string;
  lastError?: { code: string; message: string };
  /** When the next digest is made (digest channels only). */
  nextDigestAt?: string;
  lastDigestAt?: string;
}

/**
 * A notification channel as stored. `settings` are the transport settings WITHOUT secret fields;
 * the secrets are in `sealed` (field → SecretBox ciphertext), so that no code path that shows or
 * logs `settings` can leak one.
 */
export interface ChannelRecord {
  id: string;
  name: string;
  kind: ChannelKind;
  settings: Record<string, unknown>;
  sealed: Record<string, string>;
  filters: ChannelFilters;
  enabled: boolean;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  state: ChannelState;
}

export interface DeliveryAttempt {
  at: string;
  ok: boolean;
  durationMs: number;
  /** kind: transient (tried again), auth or permanent (given up at once). */
  error?: { code: string; message: string; kind?: string };
  /** The receiver's answer on success ("250 Ok: queued as …", "answered 200"). */
  detail?: string;
}

export interface DeliveryRecord {
  /** Time-ordered (creation); the same on every attempt, so receivers can drop repeats. */
  id: string;
  channelId: string;
  /** The channel's name and kind when it was queued (the channel may be removed later). */
  channelName: string;
  channelKind: ChannelKind;
  incidentId?: string;
  kind: DeliveryKind;
  severity: Severity;
  /** One line saying what it is (the e-mail subject); never contains a secret. */
  summary: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  createdAt: string;
  /** When it is (next) due while pending. */
  nextAt?: string;
  /** Set while it waits for quiet hours to end. */
  heldUntil?: string;
  sentAt?: string;
  /** When it reached sent, failed or dropped. */
  finishedAt?: string;
  /** Why it was dropped, or why it failed for good. */
  reason?: string;
}

/**
 * A delivery waiting to be sent, keyed `dueAt!deliveryId` so that due ones are one range scan.
 * Small on purpose (the message is kept apart), so that scanning a long queue stays cheap.
 */
export interface OutboxEntry {
  key: string;
  deliveryId: string;
  channelId: string;
  dueAt: string;
}

export const FINISHED: readonly DeliveryStatus[] = ['sent', 'failed', 'dropped'];

/** A time-ordered delivery id without characters that need escaping in headers or URLs. */
export function newDeliveryId(nowMs: number): string {
  // "2026-11-26T12:00:00.000Z.00000000.a1b2c3" → "20261126T120000.000Z.00000000.a1b2c3".
  return timeKey(nowMs).replace(/[-:]/g, '');
}

/** The id prefix of deliveries created at `ms` (for range scans by creation time). */
export function deliveryIdAt(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

export function outboxKey(dueAtIso: string, deliveryId: string): string {
  return key(dueAtIso, deliveryId);
}

/**
 * Notification channels, the outbox of pending deliveries and the delivery log with its
 * per-channel and per-incident indexes.
 */
export class NotificationsStore {
  readonly channels: Sub<ChannelRecord>;
  readonly outbox: Sub<OutboxEntry>;
  readonly deliveries: Sub<DeliveryRecord>;
  /** `channelId!deliveryId` → deliveryId: a channel's log, newest first by a reverse scan. */
  readonly byChannel: Sub<string>;
  /** `incidentId!channelId!deliveryId` → deliveryId: what a channel got about an incident. */
  readonly byIncident: Sub<string>;
  /**
   * deliveryId → the message, rendered once when queued so that every attempt sends exactly
   * the same thing; deleted when the delivery is finished.
   */
  readonly messages: Sub<NotificationMessage>;

  constructor(db: Db) {
    this.channels = sub<ChannelRecord>(db, 'notify-channels');
    this.outbox = sub<OutboxEntry>(db, 'notify-outbox');
    this.deliveries = sub<DeliveryRecord>(db, 'notify-deliveries');
    this.byChannel = sub<string>(db, 'notify-by-channel');
    this.byIncident = sub<string>(db, 'notify-by-incident');
    this.messages = sub<NotificationMessage>(db, 'notify-messages');
  }

  // ---- channels ------------------------------------------------------------------------------

  getChannel(id: string): Promise<ChannelRecord | undefined> {
    return this.channels.get(id) as Promise<ChannelRecord | undefined>;
  }

  /** By name. */
  async listChannels(): Promise<ChannelRecord[]> {
    return (await readAll(this.channels))
      .map(([, c]) => c)
      .sort((a, b) => compareText(a.name, b.name) || compareText(a.id, b.id));
  }

  putChannelOp(c: ChannelRecord): BatchOp {
    return { type: 'put', sublevel: this.channels, key: c.id, value: c };
  }

  delChannelOp(id: string): BatchOp {
    return { type: 'del', sublevel: this.channels, key: id };
  }

  // ---- deliveries ----------------------------------------------------------------------------

  getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    return this.deliveries.get(id) as Promise<DeliveryRecord | undefined>;
  }

  /** The delivery record only (an update of an existing delivery). */
  putDeliveryOp(d: DeliveryRecord): BatchOp {
    return { type: 'put', sublevel: this.deliveries, key: d.id, value: d };
  }

  /** A new delivery: the record and its index entries. */
  newDeliveryOps(d: DeliveryRecord): BatchOp[] {
    const ops: BatchOp[] = [
      this.putDeliveryOp(d),
      { type: 'put', sublevel: this.byChannel, key: key(d.channelId, d.id), value: d.id },
    ];
    if (d.incidentId)
      ops.push({
        type: 'put',
        sublevel: this.byIncident,
        key: key(d.incidentId, d.channelId, d.id),
        value: d.id,
      });
    return ops;
  }

  /** The record, its index entries and its message. */
  delDeliveryOps(d: DeliveryRecord): BatchOp[] {
    const ops: BatchOp[] = [
      { type: 'del', sublevel: this.deliveries, key: d.id },
      this.delMessageOp(d.id),
      { type: 'del', sublevel: this.byChannel, key: key(d.channelId, d.id) },
    ];
    if (d.incidentId)
      ops.push({
        type: 'del',
        sublevel: this.byIncident,
        key: key(d.incidentId, d.channelId, d.id),
      });
    return ops;
  }

  private async byIds(ids: string[]): Promise<DeliveryRecord[]> {
    if (!ids.length) return [];
    const rows = await this.deliveries.getMany(ids);
    return rows.filter((d): d is DeliveryRecord => d !== undefined);
  }

  /**
   * Newest first, of one channel or all; `before` is the id of the last delivery of the previous
   * page. `next` is set when there may be more.
   */
  async page(q: {
    channelId?: string | undefined;
    limit: number;
    before?: string | undefined;
  }): Promise<{ items: DeliveryRecord[]; next?: string }> {
    let items: DeliveryRecord[];
    if (q.channelId) {
      const range = prefixRange(q.channelId);
      const lt = q.before ? key(q.channelId, q.before) : range.lt;
      const ids: string[] = [];
      for await (const id of this.byChannel.values({
        gt: range.gt,
        lt: lt < range.lt ? lt : range.lt,
        limit: q.limit,
        reverse: true,
      }))
        ids.push(id);
      items = await this.byIds(ids);
    } else {
      items = (
        await readAll(this.deliveries, { lt: q.before ?? HIGH, limit: q.limit, reverse: true })
      ).map(([, d]) => d);
    }
    const last = items.at(-1);
    return items.length >= q.limit && last ? { items, next: last.id } : { items };
  }

  /** What a channel got (or is to get) about an incident, oldest first. */
  async forIncident(incidentId: string, channelId?: string): Promise<DeliveryRecord[]> {
    const range = channelId ? prefixRange(incidentId, channelId) : prefixRange(incidentId);
    const ids: string[] = [];
    for await (const id of this.byIncident.values(range)) ids.push(id);
    return (await this.byIds(ids)).sort((a, b) => compareText(a.id, b.id));
  }

  /** Deliveries created at or after `fromMs`, oldest first, at most `limit`. */
  async createdSince(fromMs: number, limit: number): Promise<DeliveryRecord[]> {
    return (await readAll(this.deliveries, { gte: deliveryIdAt(fromMs), limit })).map(([, d]) => d);
  }

  /**
   * Deletions of finished deliveries created before `beforeMs`, oldest first, at most `limit`
   * deliveries. Pending ones are kept whatever their age.
   */
  async pruneOps(beforeMs: number, limit: number): Promise<{ ops: BatchOp[]; count: number }> {
    const ops: BatchOp[] = [];
    let count = 0;
    for await (const [, d] of this.deliveries.iterator({ lt: deliveryIdAt(beforeMs), limit })) {
      if (!FINISHED.includes(d.status)) continue;
      ops.push(...this.delDeliveryOps(d));
      count += 1;
    }
    return { ops, count };
  }

  // ---- outbox --------------------------------------------------------------------------------

  outboxOp(e: Omit<OutboxEntry, 'key'>): { op: BatchOp; entry: OutboxEntry } {
    const entry: OutboxEntry = { ...e, key: outboxKey(e.dueAt, e.deliveryId) };
    return { op: { type: 'put', sublevel: this.outbox, key: entry.key, value: entry }, entry };
  }

  delOutboxOp(outboxKey: string): BatchOp {
    return { type: 'del', sublevel: this.outbox, key: outboxKey };
  }

  /** Entries due at `nowIso` or earlier, earliest first, read lazily. */
  async *due(nowIso: string): AsyncGenerator<OutboxEntry> {
    for await (const e of this.outbox.values({ lt: nowIso + SEP + HIGH })) yield e;
  }

  /** Every entry, earliest first (start-up recovery; the outbox holds pending work only). */
  async allOutbox(limit = 100_000): Promise<OutboxEntry[]> {
    return (await readAll(this.outbox, { limit })).map(([, e]) => e);
  }

  messageOp(deliveryId: string, message: NotificationMessage): BatchOp {
    return { type: 'put', sublevel: this.messages, key: deliveryId, value: message };
  }

  delMessageOp(deliveryId: string): BatchOp {
    return { type: 'del', sublevel: this.messages, key: deliveryId };
  }

  getMessage(deliveryId: string): Promise<NotificationMessage | undefined> {
    return this.messages.get(deliveryId) as Promise<NotificationMessage | undefined>;
  }

  async outboxCount(): Promise<number> {
    let n = 0;
    for await (const _ of this.outbox.keys()) n += 1;
    return n;
  }
}
