import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { BatchOp } from '../store/db.js';
import {
  FINISHED,
  newDeliveryId,
  type ChannelFilters,
  type ChannelRecord,
  type ChannelState,
  type DeliveryAttempt,
  type DeliveryKind,
  type DeliveryRecord,
  type OutboxEntry,
} from '../store/notifications.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../lib/logger.js';
import type { Config } from '../config/schema.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { RequestContext } from '../auth/context.js';
import { AppError, conflict, describeError, notFound } from '../core/errors.js';
import { zodToAppError } from '../core/zod-errors.js';
import { actorLabel } from '../core/roles.js';
import { randomId } from '../core/ids.js';
import { Mutex } from '../lib/mutex.js';
import { deadline } from '../lib/deadline.js';
import { severityRank } from '../monitor/rules.js';
import {
  SECRET_FIELDS,
  channelSettingsSchema,
  type ChannelSettings,
} from './channels/channel-schema.js';
import {
  channelInputSchema,
  nextLocalTime,
  publicChannel,
  quietUntil,
  retryDelayMs,
  routes,
  type ChannelInput,
  type PublicChannel,
} from './notification-schema.js';
import { retryAfterHint, transient } from './channels/channel-error.js';
import { sendNotification } from './channels/send.js';
import {
  NOTIFY_KINDS,
  renderNotification,
  type IncidentSummary,
  type NotificationMessage,
  type NotifyKind as MessageKind,
} from './notify-message.js';
import type { IncidentRecord, NotifyKind, NotifyRequest, Severity } from './types.js';

/**
 * Notification channels (e-mail, webhook, syslog) and the delivery queue behind them.
 *
 * A notification is routed to the matching channels and rendered once; each channel gets a
 * delivery record and an outbox entry keyed by due time, written in one batch (with the incident
 * change that caused it when the incident service uses `enqueueOps`). The loop sends due entries:
 * a delivery is marked `sending` (persisted) before the network call and its outcome is written
 * with the attempt, the channel state and any channel event in one batch. A restart finds
 * deliveries left in `sending` and sends them again with the same id: at most one duplicate,
 * which receivers can recognise by the id.
 */

export {
  channelFiltersSchema,
  channelInputSchema,
  deliveriesQuerySchema,
  publicChannel,
  type ChannelInput,
  type PublicChannel,
} from './notification-schema.js';
import { compareText } from '../lib/collate.js';

export const MAX_CHANNELS = 20;
/** Sends at once over all channels; each channel sends one at a time, in due order. */
export const CONCURRENCY = 4;
/** Attempts kept per delivery record (maxAttempts is at most 20, plus interruptions). */
const ATTEMPTS_KEPT = 30;
const DAY_MS = 86_400_000;
/** Codes of attempts that were cut off by us (shutdown, restart): not the channel's fault. */
const OUR_INTERRUPTIONS = new Set(['ABORTED', 'INTERRUPTED']);
/** Outbox entries looked at per pass at most (entries of resting channels are skipped). */
const MAX_SCAN = 5_000;

export type ShouldSend = { send: true } | { send: false; reason: string };

export interface ProcessResult {
  sent: number;
  retried: number;
  failed: number;
  dropped: number;
  held: number;
}

export interface TestResult {
  ok: boolean;
  deliveryId: string;
  durationMs: number;
  detail?: string;
  error?: { code: string; message: string };
}

export interface NotificationStats {
  /** Deliveries waiting (due, backing off or held by quiet hours). */
  pending: number;
  failedLast24h: number;
  failingChannels: number;
}

export interface NotificationServiceDeps {
  /** Uses `store.notifications` for channels, the outbox and the delivery log. */
  store: Store;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'notify'>;
  secrets: SecretBox;
  /** The names messages carry and the time zone of quiet hours and digests. */
  site: () => Promise<{ siteName: string; boxName: string; timeZone: string }>;
  /** The absolute URL of an incident's page; without an id, of the incident list. */
  linkFor: (incidentId?: string) => string;
  /**
   * Incidents for the daily digest: every incident that is open now or was opened or resolved
   * at or after `fromMs`.
   */
  incidentsSince?: (fromMs: number) => Promise<IncidentRecord[]>;
  /** Asked before each incident delivery is sent (suppressed, resolved, in maintenance). */
  shouldSend?: (d: DeliveryRecord) => Promise<ShouldSend>;
  /**
   * Extra writes for the batch that finishes an incident delivery (sent, failed or dropped),
   * for example the incident's timeline entry.
   */
  onFinished?: (d: DeliveryRecord, nowMs: number) => Promise<BatchOp[]> | BatchOp[];
  /** Caretaker's version (webhook User-Agent). */
  version?: string;
  /** How often the loop looks for due deliveries. */
  pollMs?: number;
  /** Deliveries sent per pass at most. */
  batchLimit?: number;
}

type Outcome =
  | { ok: true; detail: string }
  | { ok: false; error: { code: string; message: string; kind: string }; retryAfterMs?: number };

// ---- helpers ----------------------------------------------------------------------------------

/** Secret fields that are objects (webhook headers): sealed as JSON. */
const OBJECT_SECRETS = new Set(['headers']);
const isFilledObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.keys(v).length > 0;

const iso = (ms: number) => new Date(ms).toISOString();

const isIncidentKind = (k: DeliveryKind): k is NotifyKind => k !== 'test' && k !== 'digest';
const wantsDigest = (c: ChannelRecord) =>
  c.filters.digest !== undefined && c.filters.digest.mode !== 'immediate';

const MESSAGE_KINDS = new Set<string>(NOTIFY_KINDS.filter((k) => k !== 'digest' && k !== 'test'));
/** The renderer's kind for an incident notification (one it lacks reads as a reopened problem). */
function messageKind(k: NotifyKind): Exclude<MessageKind, 'digest'> {
  return (MESSAGE_KINDS.has(k) ? k : 'reopened') as Exclude<MessageKind, 'digest'>;
}

function withoutPending(d: DeliveryRecord): DeliveryRecord {
  const { nextAt: _n, heldUntil: _h, ...rest } = d;
  return rest;
}

function outcomeOf(err: unknown): Outcome {
  const { code, message } = describeError(err);
  const kind = err instanceof AppError ? err.kind : 'transient';
  const hint = retryAfterHint(err);
  return {
    ok: false,
    error: { code, message, kind },
    ...(hint !== undefined ? { retryAfterMs: hint } : {}),
  };
}

function parse<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (!r.success) throw zodToAppError(r.error, what);
  return r.data;
}

// ---- the service ---------------------------------------------------------------------------

export class NotificationService {
  /** One writer of channels, deliveries and the outbox at a time (sends happen outside it). */
  private readonly lock = new Mutex();
  /** One pass over the outbox at a time. */
  private readonly passLock = new Mutex();
  /** Deliveries whose attempt is under way in this process. */
  private readonly inFlight = new Set<string>();
  /** Channels resting after a transient failure, until (clock ms) their retry is due. */
  private readonly paused = new Map<string, number>();
  /** Passes and tests running, for stop() to wait for. */
  private readonly active = new Set<Promise<unknown>>();
  private controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking = false;
  private again = false;
  private readonly log: Logger;

  constructor(private readonly deps: NotificationServiceDeps) {
    this.log = deps.logger.child({ component: 'notify' });
  }

  private get cfg(): Config['notify'] {
    return this.deps.config.notify;
  }

  // ---- channels ------------------------------------------------------------------------------

  async list(): Promise<PublicChannel[]> {
    return (await this.deps.store.notifications.listChannels()).map(publicChannel);
  }

  async get(id: string): Promise<PublicChannel> {
    return publicChannel(await this.record(id));
  }

  private async record(id: string): Promise<ChannelRecord> {
    const c = await this.deps.store.notifications.getChannel(id);
    if (!c) throw notFound('The notification channel');
    return c;
  }

  /** Splits validated settings into what is shown and what is sealed. */
  private seal(settings: ChannelSettings): Pick<ChannelRecord, 'settings' | 'sealed'> {
    const secret = new Set<string>(SECRET_FIELDS[settings.kind] as readonly string[]);
    const shown: Record<string, unknown> = {};
    const sealed: Record<string, string> = {};
    for (const [k, v] of Object.entries(settings)) {
      if (!secret.has(k)) shown[k] = v;
      else if (typeof v === 'string' && v !== '') sealed[k] = this.deps.secrets.seal(v);
      else if (isFilledObject(v)) sealed[k] = this.deps.secrets.seal(JSON.stringify(v));
    }
    return { settings: shown, sealed };
  }

  /** The transport settings with their secrets, for a send only. */
  private unseal(c: ChannelRecord): ChannelSettings {
    const all: Record<string, unknown> = { ...c.settings, kind: c.kind };
    for (const [k, v] of Object.entries(c.sealed)) {
      const plain = this.deps.secrets.open(v);
      all[k] = OBJECT_SECRETS.has(k) ? (JSON.parse(plain) as unknown) : plain;
    }
    const r = channelSettingsSchema.safeParse(all);
    if (!r.success)
      throw new AppError(
        'CHANNEL_SETTINGS_INVALID',
        `The stored settings of channel "${c.name}" are no longer valid; edit and save the channel.`,
        { kind: 'permanent', status: 409 },
      );
    return r.data;
  }

  private async nameTaken(name: string, exceptId?: string): Promise<boolean> {
    const lower = name.toLowerCase();
    return (await this.deps.store.notifications.listChannels()).some(
      (c) => c.id !== exceptId && c.name.toLowerCase() === lower,
    );
  }

  private async nextDigest(filters: ChannelFilters, now: number): Promise<string | undefined> {
    if (!filters.digest || filters.digest.mode === 'immediate') return undefined;
    const { timeZone } = await this.deps.site();
    return iso(nextLocalTime(filters.digest.at, now, timeZone));
  }

  create(raw: ChannelInput, ctx: RequestContext): Promise<PublicChannel> {
    const input = parse(channelInputSchema, raw, 'The channel');
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const { notifications } = this.deps.store;
      if ((await notifications.listChannels()).length >= MAX_CHANNELS)
        throw conflict(
          'TOO_MANY_CHANNELS',
          `At most ${MAX_CHANNELS} notification channels can be set up; remove unused ones first.`,
        );
      if (await this.nameTaken(input.name))
        throw conflict('CHANNEL_NAME_TAKEN', `A channel named "${input.name}" already exists.`);
      const now = clock.now();
      const nextDigestAt = await this.nextDigest(input.filters, now);
      const rec: ChannelRecord = {
        id: randomId(6),
        name: input.name,
        kind: input.settings.kind,
        ...this.seal(input.settings),
        filters: input.filters,
        enabled: input.enabled,
        createdAt: iso(now),
        createdBy: actorLabel(ctx.actor),
        updatedAt: iso(now),
        state: {
          consecutiveFailures: 0,
          failing: false,
          ...(nextDigestAt ? { nextDigestAt } : {}),
        },
      };
      await store.write([
        notifications.putChannelOp(rec),
        store.audit.recordOp(ctx, 'notify.channel-created', `notify-channel:${rec.id}`, now, {
          name: rec.name,
          kind: rec.kind,
          enabled: rec.enabled,
        }),
      ]);
      return publicChannel(rec);
    });
  }

  /**
   * Replaces a channel's settings and filters. A secret field left empty (or out) keeps the
   * stored secret while the kind stays the same (an e-mail password only while a user name is
   * given: clearing the user name clears the login).
   */
  update(id: string, raw: ChannelInput, ctx: RequestContext): Promise<PublicChannel> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const { notifications } = this.deps.store;
      const before = await this.record(id);
      const input = parse(channelInputSchema, this.keepSecrets(before, raw), 'The channel');
      if (await this.nameTaken(input.name, id))
        throw conflict('CHANNEL_NAME_TAKEN', `A channel named "${input.name}" already exists.`);
      const now = clock.now();
      const sealed = this.seal(input.settings);
      const after: ChannelRecord = {
        ...before,
        name: input.name,
        kind: input.settings.kind,
        ...sealed,
        filters: input.filters,
        enabled: input.enabled,
        updatedAt: iso(now),
        state: { ...before.state },
      };
      // Re-sealing gives new ciphertext every time; compare what it stands for.
      const secretChanged = (f: string) =>
        (before.sealed[f] ? this.deps.secrets.open(before.sealed[f]) : undefined) !==
        (after.sealed[f] ? this.deps.secrets.open(after.sealed[f]) : undefined);
      const changed: string[] = [];
      if (before.name !== after.name) changed.push('name');
      if (before.enabled !== after.enabled) changed.push('enabled');
      if (before.kind !== after.kind) changed.push('kind');
      const fields = new Set([...Object.keys(before.settings), ...Object.keys(after.settings)]);
      for (const f of fields)
        if (JSON.stringify(before.settings[f]) !== JSON.stringify(after.settings[f]))
          changed.push(`settings.${f}`);
      for (const f of new Set([...Object.keys(before.sealed), ...Object.keys(after.sealed)]))
        if (secretChanged(f)) changed.push(`settings.${f}`);
      if (JSON.stringify(before.filters) !== JSON.stringify(after.filters)) changed.push('filters');
      if (!changed.length) return publicChannel(before);

      if (JSON.stringify(before.filters.digest) !== JSON.stringify(after.filters.digest)) {
        const next = await this.nextDigest(after.filters, now);
        if (next) after.state.nextDigestAt = next;
        else delete after.state.nextDigestAt;
      }
      const ops: BatchOp[] = [];
      let dropped = 0;
      if (before.enabled && !after.enabled) {
        const drops = await this.dropPendingOps(id, 'The channel was disabled.', now);
        ops.push(...drops.ops);
        dropped = drops.count;
      }
      ops.push(
        notifications.putChannelOp(after),
        store.audit.recordOp(ctx, 'notify.channel-updated', `notify-channel:${id}`, now, {
          name: after.name,
          changed,
          ...(dropped ? { droppedPending: dropped } : {}),
        }),
      );
      await store.write(ops);
      // A changed channel may work now: its waiting notifications need not rest any longer.
      this.paused.delete(id);
      this.kick();
      return publicChannel(after);
    });
  }

  /** The raw input with empty secret fields filled from the stored channel (same kind only). */
  private keepSecrets(before: ChannelRecord, raw: unknown): unknown {
    if (typeof raw !== 'object' || raw === null) return raw;
    const settings = (raw as { settings?: unknown }).settings;
    if (typeof settings !== 'object' || settings === null) return raw;
    const s = { ...(settings as Record<string, unknown>) };
    if (s.kind !== before.kind) return raw;
    for (const f of SECRET_FIELDS[before.kind] as readonly string[]) {
      const stored = before.sealed[f];
      const given = OBJECT_SECRETS.has(f)
        ? isFilledObject(s[f])
        : s[f] !== undefined && s[f] !== '' && s[f] !== null;
      if (!stored || given) continue;
      if (before.kind === 'email' && f === 'password' && !s.username) {
        delete s[f];
        continue;
      }
      const plain = this.deps.secrets.open(stored);
      s[f] = OBJECT_SECRETS.has(f) ? (JSON.parse(plain) as unknown) : plain;
    }
    return { ...(raw as Record<string, unknown>), settings: s };
  }

  /** Removes a channel; its waiting deliveries are dropped, its delivery log is kept. */
  remove(id: string, ctx: RequestContext): Promise<void> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const { notifications } = this.deps.store;
      const c = await this.record(id);
      const now = clock.now();
      const drops = await this.dropPendingOps(id, 'The channel was removed.', now);
      await store.write([
        ...drops.ops,
        notifications.delChannelOp(id),
        store.audit.recordOp(ctx, 'notify.channel-deleted', `notify-channel:${id}`, now, {
          name: c.name,
          kind: c.kind,
          ...(drops.count ? { droppedPending: drops.count } : {}),
        }),
      ]);
    });
  }

  /** Drops the channel's waiting deliveries (not one being sent: its outcome is written after). */
  private async dropPendingOps(
    channelId: string,
    reason: string,
    now: number,
  ): Promise<{ ops: BatchOp[]; count: number }> {
    const { notifications } = this.deps.store;
    const ops: BatchOp[] = [];
    let count = 0;
    for (const e of await notifications.allOutbox()) {
      if (e.channelId !== channelId || this.inFlight.has(e.deliveryId)) continue;
      ops.push(notifications.delOutboxOp(e.key), notifications.delMessageOp(e.deliveryId));
      const d = await notifications.getDelivery(e.deliveryId);
      if (!d || FINISHED.includes(d.status)) continue;
      const next: DeliveryRecord = {
        ...withoutPending(d),
        status: 'dropped',
        reason,
        finishedAt: iso(now),
      };
      ops.push(notifications.putDeliveryOp(next), ...(await this.finishedOps(next, now)));
      count += 1;
    }
    return { ops, count };
  }

  // ---- queueing ------------------------------------------------------------------------------

  private async summaryOf(i: IncidentRecord): Promise<IncidentSummary> {
    const { store } = this.deps;
    const device = i.deviceId ? await store.devices.get(i.deviceId) : undefined;
    const user = i.assigneeId ? await store.users.get(i.assigneeId) : undefined;
    return {
      id: i.id,
      title: i.title,
      severity: i.severity,
      state: i.state,
      deviceId: i.deviceId,
      deviceName: device?.name,
      ruleId: i.ruleId,
      value: i.value,
      count: i.count,
      firstSeen: i.firstSeen,
      lastSeen: i.lastSeen,
      assignee: user ? user.displayName || user.username : undefined,
      url: this.deps.linkFor(i.id),
    };
  }

  /**
   * The writes that queue `req` on every matching enabled channel (delivery records and outbox
   * entries), for the caller's own batch. Call `kick()` after writing them.
   */
  async enqueueOps(
    req: NotifyRequest,
    now: number,
    opts: { delayMs?: number } = {},
  ): Promise<BatchOp[]> {
    const { store } = this.deps;
    const { notifications } = this.deps.store;
    const inc = req.incident;
    const channels = (await notifications.listChannels()).filter((c) => c.enabled);
    if (!channels.length) return [];
    const deviceType = inc.deviceId ? (await store.devices.get(inc.deviceId))?.type : undefined;
    const targets = channels.filter((c) => routes(c.filters, req.kind, inc.severity, deviceType));
    if (!targets.length) return [];
    const site = await this.deps.site();
    const message = renderNotification({
      kind: messageKind(req.kind),
      incident: await this.summaryOf(inc),
      boxName: site.boxName,
      siteName: site.siteName,
      incidentUrl: this.deps.linkFor(inc.id),
    });
    const ops: BatchOp[] = [];
    for (const c of targets) {
      let due = now + Math.max(0, opts.delayMs ?? 0);
      const held = this.holdUntil(c, inc.severity, due, site.timeZone);
      if (held !== undefined) due = held;
      const d: DeliveryRecord = {
        id: newDeliveryId(now),
        channelId: c.id,
        channelName: c.name,
        channelKind: c.kind,
        incidentId: inc.id,
        kind: req.kind,
        severity: inc.severity,
        summary: message.email.subject,
        status: 'pending',
        attempts: [],
        createdAt: iso(now),
        nextAt: iso(due),
        ...(held !== undefined ? { heldUntil: iso(held) } : {}),
      };
      ops.push(
        ...notifications.newDeliveryOps(d),
        notifications.messageOp(d.id, message),
        notifications.outboxOp({ deliveryId: d.id, channelId: c.id, dueAt: iso(due) }).op,
      );
    }
    return ops;
  }

  /** Queues `req` on the matching channels (one batch) and wakes the loop. */
  async enqueue(req: NotifyRequest, opts: { delayMs?: number } = {}): Promise<void> {
    const ops = await this.enqueueOps(req, this.deps.clock.now(), opts);
    if (!ops.length) return;
    await this.deps.store.write(ops);
    this.kick();
  }

  /** When quiet hours hold a notification of this severity back at `ms`, until when. */
  private holdUntil(c: ChannelRecord, severity: Severity, ms: number, tz: string) {
    const q = c.filters.quietHours;
    if (!q || (q.allowCritical && severity === 'critical')) return undefined;
    return quietUntil(q, ms, tz);
  }

  // ---- sending -------------------------------------------------------------------------------

  /**
   * Sends due deliveries: at most `limit` per call, CONCURRENCY at once, one per channel at a
   * time, in due order. A channel whose attempt failed for a transient reason is left alone
   * until that delivery's retry, so that a dead server costs one attempt per backoff step
   * rather than one per queued notification, and other channels are not held up behind it.
   */
  processDue(signal?: AbortSignal, limit = this.deps.batchLimit ?? 50): Promise<ProcessResult> {
    return this.passLock.run(() => this.pass(signal, limit));
  }

  private async pass(signal: AbortSignal | undefined, limit: number): Promise<ProcessResult> {
    const result: ProcessResult = { sent: 0, retried: 0, failed: 0, dropped: 0, held: 0 };
    const now = this.deps.clock.now();
    await this.makeDigests(now);
    const queues = new Map<string, OutboxEntry[]>();
    let taken = 0;
    let scanned = 0;
    for await (const e of this.deps.store.notifications.due(iso(now))) {
      if (taken >= limit || ++scanned > MAX_SCAN) break;
      if (this.inFlight.has(e.deliveryId) || (this.paused.get(e.channelId) ?? 0) > now) continue;
      const q = queues.get(e.channelId) ?? [];
      q.push(e);
      queues.set(e.channelId, q);
      taken += 1;
    }
    const lists = [...queues.values()];
    let next = 0;
    const worker = async () => {
      while (next < lists.length && !signal?.aborted) {
        const list = lists[next++]!;
        for (const e of list) {
          if (signal?.aborted) break;
          const r = await this.deliver(e, signal).catch((err: unknown) => {
            this.log.error(
              { delivery: e.deliveryId, channel: e.channelId, err: describeError(err) },
              'delivery could not be processed',
            );
            return 'error' as const;
          });
          if (r !== 'error') result[r] += 1;
          if (r === 'retried' || r === 'failed' || r === 'error') break;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return result;
  }

  private async deliver(
    entry: OutboxEntry,
    signal: AbortSignal | undefined,
  ): Promise<keyof ProcessResult> {
    const { store, clock } = this.deps;
    const { notifications } = this.deps.store;
    const d = await notifications.getDelivery(entry.deliveryId);
    if (!d || FINISHED.includes(d.status)) {
      await store.write([notifications.delOutboxOp(entry.key)]);
      return 'dropped';
    }
    const channel = await notifications.getChannel(entry.channelId);
    if (!channel || !channel.enabled) {
      await this.drop(entry, channel ? 'The channel is disabled.' : 'The channel was removed.');
      return 'dropped';
    }
    if (isIncidentKind(d.kind)) {
      const now = clock.now();
      const { timeZone } = await this.deps.site();
      const held = this.holdUntil(channel, d.severity, now, timeZone);
      if (held !== undefined) {
        await this.reschedule(entry, held, true);
        return 'held';
      }
      const verdict = await this.relevance(d);
      if (!verdict.send) {
        await this.drop(entry, verdict.reason);
        return 'dropped';
      }
    }

    const message = await notifications.getMessage(d.id);
    if (!message) {
      await this.drop(entry, 'The message of this notification was lost.');
      return 'dropped';
    }

    this.inFlight.add(d.id);
    try {
      await store.write([notifications.putDeliveryOp({ ...d, status: 'sending' })]);
      const at = clock.now();
      const t0 = performance.now();
      let outcome: Outcome;
      try {
        const settings = this.unseal(channel);
        const r = await this.send(settings, message, d.id, at, signal);
        outcome = { ok: true, detail: r.detail };
      } catch (err) {
        outcome = outcomeOf(err);
      }
      const attempt = this.attemptOf(at, Math.round(performance.now() - t0), outcome);
      return await this.recordAttempt(entry, attempt, outcome);
    } finally {
      this.inFlight.delete(d.id);
    }
  }

  private attemptOf(at: number, durationMs: number, outcome: Outcome): DeliveryAttempt {
    return outcome.ok
      ? { at: iso(at), ok: true, durationMs, detail: outcome.detail }
      : { at: iso(at), ok: false, durationMs, error: outcome.error };
  }

  /** One attempt over the transport, bounded by notify.sendTimeoutMs. */
  private async send(
    settings: ChannelSettings,
    message: NotificationMessage,
    deliveryId: string,
    at: number,
    signal: AbortSignal | undefined,
  ): Promise<{ detail: string }> {
    const ms = this.cfg.sendTimeoutMs;
    const timeout = () =>
      transient('NOTIFY_TIMEOUT', `The channel did not finish sending within ${ms} ms.`);
    const dl = deadline(signal, ms, timeout);
    try {
      const site = await this.deps.site();
      return await sendNotification(settings, message, {
        signal: dl.signal,
        deliveryId,
        now: new Date(at),
        version: this.deps.version,
        fromName: `Caretaker ${site.siteName}`.trim(),
      });
    } catch (err) {
      // The transports report any cancellation as ABORTED; ours by time is a timeout.
      if (dl.signal.aborted && !signal?.aborted) throw timeout();
      throw err;
    } finally {
      dl.clear();
    }
  }

  /**
   * Whether an incident delivery still makes sense: a problem message is not sent once the
   * channel has a later resolution of the incident queued or sent; a resolution only when the
   * channel was told about the problem since the previous resolution. Then the incident
   * service's own check.
   */
  private async relevance(d: DeliveryRecord): Promise<ShouldSend> {
    if (d.incidentId) {
      const others = (
        await this.deps.store.notifications.forIncident(d.incidentId, d.channelId)
      ).filter((o) => o.id !== d.id);
      if (d.kind !== 'resolved') {
        if (others.some((o) => o.kind === 'resolved' && o.id > d.id))
          return {
            send: false,
            reason: 'The incident was resolved before this notification could be sent.',
          };
      } else {
        const earlier = others.filter((o) => o.id < d.id);
        const lastResolved = earlier.filter((o) => o.kind === 'resolved').at(-1);
        const told = earlier.some(
          (o) =>
            o.kind !== 'resolved' &&
            o.status === 'sent' &&
            (!lastResolved || o.id > lastResolved.id),
        );
        if (!told)
          return {
            send: false,
            reason: 'Nothing about this incident was sent on this channel, so neither is its end.',
          };
      }
    }
    return this.deps.shouldSend ? this.deps.shouldSend(d) : { send: true };
  }

  private finishedOps(d: DeliveryRecord, now: number): Promise<BatchOp[]> | BatchOp[] {
    return d.incidentId && this.deps.onFinished ? this.deps.onFinished(d, now) : [];
  }

  private drop(entry: OutboxEntry, reason: string): Promise<void> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const { notifications } = this.deps.store;
      const now = clock.now();
      const ops: BatchOp[] = [
        notifications.delOutboxOp(entry.key),
        notifications.delMessageOp(entry.deliveryId),
      ];
      const d = await notifications.getDelivery(entry.deliveryId);
      if (d && !FINISHED.includes(d.status)) {
        const next: DeliveryRecord = {
          ...withoutPending(d),
          status: 'dropped',
          reason,
          finishedAt: iso(now),
        };
        ops.push(notifications.putDeliveryOp(next), ...(await this.finishedOps(next, now)));
        this.log.info(
          { channel: d.channelId, delivery: d.id, kind: d.kind, incident: d.incidentId, reason },
          'notification dropped',
        );
      }
      await store.write(ops);
    });
  }

  /** Moves a waiting delivery to `at` (quiet hours) without an attempt. */
  private reschedule(entry: OutboxEntry, at: number, held: boolean): Promise<void> {
    return this.lock.run(async () => {
      const { store } = this.deps;
      const { notifications } = this.deps.store;
      const d = await notifications.getDelivery(entry.deliveryId);
      const ops: BatchOp[] = [notifications.delOutboxOp(entry.key)];
      if (d && !FINISHED.includes(d.status)) {
        const { op } = notifications.outboxOp({
          deliveryId: entry.deliveryId,
          channelId: entry.channelId,
          dueAt: iso(at),
        });
        ops.push(
          op,
          notifications.putDeliveryOp({
            ...withoutPending(d),
            status: 'pending',
            nextAt: iso(at),
            ...(held ? { heldUntil: iso(at) } : {}),
          }),
        );
      }
      await store.write(ops);
    });
  }

  /**
   * Writes an attempt's outcome in one batch: the delivery (sent, retried later, or failed), its
   * outbox entry moved or removed, the channel's state and, when it crosses the line, the
   * channel's failing or recovered event.
   */
  private recordAttempt(
    entry: OutboxEntry,
    attempt: DeliveryAttempt,
    outcome: Outcome,
  ): Promise<'sent' | 'retried' | 'failed' | 'dropped'> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const { notifications } = this.deps.store;
      const now = clock.now();
      const ops: BatchOp[] = [notifications.delOutboxOp(entry.key)];
      const d = await notifications.getDelivery(entry.deliveryId);
      if (!d) {
        await store.write(ops);
        return 'dropped';
      }
      const channel = await notifications.getChannel(d.channelId);
      const attempts = [...d.attempts, attempt].slice(-ATTEMPTS_KEPT);
      const base = withoutPending({ ...d, attempts });
      let next: DeliveryRecord;
      let verdict: 'sent' | 'retried' | 'failed' | 'dropped';
      if (outcome.ok) {
        next = { ...base, status: 'sent', sentAt: attempt.at, finishedAt: iso(now) };
        verdict = 'sent';
      } else if (!channel || !channel.enabled) {
        next = {
          ...base,
          status: 'dropped',
          reason: channel ? 'The channel was disabled.' : 'The channel was removed.',
          finishedAt: iso(now),
        };
        verdict = 'dropped';
      } else {
        const ours = OUR_INTERRUPTIONS.has(outcome.error.code);
        const retryable = outcome.error.kind === 'transient';
        if (retryable && attempts.length < this.cfg.maxAttempts) {
          const failures = attempts.filter(
            (a) => !a.ok && !OUR_INTERRUPTIONS.has(a.error?.code ?? ''),
          ).length;
          const delay = ours ? 0 : retryDelayMs(failures, this.cfg, outcome.retryAfterMs);
          const at = now + delay;
          next = { ...base, status: 'pending', nextAt: iso(at) };
          ops.push(
            notifications.outboxOp({ deliveryId: d.id, channelId: d.channelId, dueAt: iso(at) }).op,
          );
          // The channel rests until this retry: its other notifications would fail the same way.
          if (!ours) this.paused.set(d.channelId, at);
          verdict = 'retried';
        } else {
          next = {
            ...base,
            status: 'failed',
            finishedAt: iso(now),
            reason: retryable
              ? `Given up after ${attempts.length} attempts: ${outcome.error.message}`
              : outcome.error.message,
          };
          verdict = 'failed';
        }
      }
      if (outcome.ok) this.paused.delete(d.channelId);
      if (verdict !== 'retried') ops.push(notifications.delMessageOp(d.id));
      ops.push(notifications.putDeliveryOp(next));
      if (channel && (outcome.ok || !OUR_INTERRUPTIONS.has(outcome.error.code)))
        ops.push(...this.channelStateOps(channel, outcome, now));
      if (verdict !== 'retried') ops.push(...(await this.finishedOps(next, now)));
      await store.write(ops);
      const fields = {
        channel: d.channelId,
        delivery: d.id,
        kind: d.kind,
        incident: d.incidentId,
        attempt: attempts.length,
      };
      if (outcome.ok) this.log.info(fields, 'notification sent');
      else
        this.log[verdict === 'failed' ? 'error' : 'warn'](
          { ...fields, err: outcome.error, ...(next.nextAt ? { nextAt: next.nextAt } : {}) },
          verdict === 'failed' ? 'notification failed' : 'notification attempt failed',
        );
      return verdict;
    });
  }

  /** The channel's new state after an attempt, with its failing/recovered event if it flips. */
  private channelStateOps(c: ChannelRecord, outcome: Outcome, now: number): BatchOp[] {
    const { store } = this.deps;
    const { notifications } = this.deps.store;
    const state: ChannelState = { ...c.state };
    const ops: BatchOp[] = [];
    if (outcome.ok) {
      if (state.failing)
        ops.push(
          ...store.events.appendOps(
            {
              kind: 'notify.channel-recovered',
              severity: 'info',
              message: `Notification channel "${c.name}" (${c.kind}) delivers again.`,
              details: {
                channelId: c.id,
                channelName: c.name,
                channelKind: c.kind,
                failingSince: state.failingSince,
              },
            },
            now,
          ),
        );
      state.consecutiveFailures = 0;
      state.failing = false;
      delete state.failingSince;
      state.lastOkAt = iso(now);
    } else {
      state.consecutiveFailures += 1;
      state.lastErrorAt = iso(now);
      state.lastError = { code: outcome.error.code, message: outcome.error.message };
      if (!state.failing && state.consecutiveFailures >= this.cfg.failingAfter) {
        state.failing = true;
        state.failingSince = iso(now);
        ops.push(
          ...store.events.appendOps(
            {
              kind: 'notify.channel-failing',
              severity: 'major',
              message: `Notification channel "${c.name}" (${c.kind}) failed ${state.consecutiveFailures} attempts in a row: ${outcome.error.message}`,
              details: {
                channelId: c.id,
                channelName: c.name,
                channelKind: c.kind,
                consecutiveFailures: state.consecutiveFailures,
                error: { code: outcome.error.code, message: outcome.error.message },
              },
            },
            now,
          ),
        );
        this.log.error(
          { channel: c.id, failures: state.consecutiveFailures, err: outcome.error },
          'notification channel is failing',
        );
      }
    }
    ops.push(notifications.putChannelOp({ ...c, state }));
    return ops;
  }

  // ---- digests -------------------------------------------------------------------------------

  /** Queues the daily digest of every digest channel whose time has come. */
  private async makeDigests(now: number): Promise<void> {
    const { notifications } = this.deps.store;
    const channels = (await notifications.listChannels()).filter(
      (c) =>
        c.enabled &&
        wantsDigest(c) &&
        (!c.state.nextDigestAt || Date.parse(c.state.nextDigestAt) <= now),
    );
    if (!channels.length) return;
    const site = await this.deps.site();
    const from = now - DAY_MS;
    let incidents: IncidentRecord[] | undefined;
    const types = new Map<string, string | undefined>();
    for (const c of channels) {
      await this.lock.run(async () => {
        const { store } = this.deps;
        const fresh = await notifications.getChannel(c.id);
        if (!fresh || !fresh.enabled || !wantsDigest(fresh) || !fresh.filters.digest) return;
        const at = fresh.filters.digest.at;
        const ops: BatchOp[] = [];
        const nextDigestAt = iso(nextLocalTime(at, now, site.timeZone));
        // A channel without a time yet (first pass after a change) only gets one.
        if (fresh.state.nextDigestAt) {
          if (Date.parse(fresh.state.nextDigestAt) > now) return;
          incidents ??= this.deps.incidentsSince ? await this.deps.incidentsSince(from) : [];
          const items: IncidentRecord[] = [];
          for (const i of incidents) {
            const recent =
              i.state !== 'resolved' ||
              Date.parse(i.openedAt) >= from ||
              (i.resolvedAt !== undefined && Date.parse(i.resolvedAt) >= from);
            if (!recent || severityRank(i.severity) < severityRank(fresh.filters.minSeverity))
              continue;
            if (fresh.filters.deviceTypes.length) {
              if (!i.deviceId) continue;
              if (!types.has(i.deviceId))
                types.set(i.deviceId, (await store.devices.get(i.deviceId))?.type);
              const t = types.get(i.deviceId);
              if (!t || !fresh.filters.deviceTypes.includes(t)) continue;
            }
            items.push(i);
          }
          items.sort(
            (a, b) =>
              severityRank(b.severity) - severityRank(a.severity) ||
              compareText(a.firstSeen, b.firstSeen),
          );
          if (items.length) {
            const message = renderNotification({
              kind: 'digest',
              digestItems: await Promise.all(items.map((i) => this.summaryOf(i))),
              boxName: site.boxName,
              siteName: site.siteName,
              incidentUrl: this.deps.linkFor(),
            });
            const d: DeliveryRecord = {
              id: newDeliveryId(now),
              channelId: fresh.id,
              channelName: fresh.name,
              channelKind: fresh.kind,
              kind: 'digest',
              severity: message.severity,
              summary: message.email.subject,
              status: 'pending',
              attempts: [],
              createdAt: iso(now),
              nextAt: iso(now),
            };
            ops.push(
              ...notifications.newDeliveryOps(d),
              notifications.messageOp(d.id, message),
              notifications.outboxOp({ deliveryId: d.id, channelId: d.channelId, dueAt: iso(now) })
                .op,
            );
          }
        }
        ops.push(
          notifications.putChannelOp({
            ...fresh,
            state: {
              ...fresh.state,
              nextDigestAt,
              ...(fresh.state.nextDigestAt ? { lastDigestAt: iso(now) } : {}),
            },
          }),
        );
        await store.write(ops);
      });
    }
  }

  // ---- test ----------------------------------------------------------------------------------

  /**
   * Sends a test message over the channel right away (no queue, no retry), records it as a
   * delivery of kind 'test' with the channel state and the audit entry in one batch.
   */
  async sendTest(channelId: string, ctx: RequestContext): Promise<TestResult> {
    const { store, clock } = this.deps;
    const { notifications } = this.deps.store;
    const c = await this.record(channelId);
    const site = await this.deps.site();
    const now = clock.now();
    const example: IncidentSummary = {
      id: 'example',
      title: 'Example: toner low on the reception printer',
      severity: 'warning',
      state: 'open',
      deviceName: 'Example printer',
      count: 1,
      firstSeen: iso(now),
      lastSeen: iso(now),
      url: this.deps.linkFor(),
    };
    const message = renderNotification({
      kind: 'test',
      incident: example,
      boxName: site.boxName,
      siteName: site.siteName,
      incidentUrl: this.deps.linkFor(),
    });
    const id = newDeliveryId(now);
    const t0 = performance.now();
    const run = (async (): Promise<Outcome> => {
      try {
        const r = await this.send(this.unseal(c), message, id, now, this.controller.signal);
        return { ok: true, detail: r.detail };
      } catch (err) {
        return outcomeOf(err);
      }
    })();
    this.active.add(run);
    const outcome = await run.finally(() => this.active.delete(run));
    if (outcome.ok) this.paused.delete(c.id);
    const durationMs = Math.round(performance.now() - t0);
    const attempt = this.attemptOf(now, durationMs, outcome);
    await this.lock.run(async () => {
      const done = clock.now();
      const d: DeliveryRecord = {
        id,
        channelId: c.id,
        channelName: c.name,
        channelKind: c.kind,
        kind: 'test',
        severity: 'info',
        summary: message.email.subject,
        status: outcome.ok ? 'sent' : 'failed',
        attempts: [attempt],
        createdAt: iso(now),
        finishedAt: iso(done),
        ...(outcome.ok ? { sentAt: iso(now) } : { reason: outcome.error.message }),
      };
      const fresh = await notifications.getChannel(c.id);
      await store.write([
        ...notifications.newDeliveryOps(d),
        ...(fresh ? this.channelStateOps(fresh, outcome, done) : []),
        store.audit.recordOp(ctx, 'notify.channel-tested', `notify-channel:${c.id}`, done, {
          name: c.name,
          ok: outcome.ok,
          deliveryId: id,
          ...(outcome.ok ? {} : { error: outcome.error.code }),
        }),
      ]);
    });
    this.log.info(
      {
        channel: c.id,
        delivery: id,
        ok: outcome.ok,
        ...(outcome.ok ? {} : { err: outcome.error }),
      },
      'test notification',
    );
    return {
      ok: outcome.ok,
      deliveryId: id,
      durationMs,
      ...(outcome.ok
        ? { detail: outcome.detail }
        : { error: { code: outcome.error.code, message: outcome.error.message } }),
    };
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The delivery log, newest first, of one channel or all. */
  deliveries(
    channelId: string | undefined,
    paging: { limit: number; before?: string | undefined },
  ): Promise<{ items: DeliveryRecord[]; next?: string }> {
    const before =
      paging.before && /^[0-9A-Za-z.]+$/.test(paging.before) ? paging.before : undefined;
    return this.deps.store.notifications.page({
      channelId,
      limit: Math.min(Math.max(1, paging.limit), 500),
      before,
    });
  }

  async delivery(id: string): Promise<DeliveryRecord> {
    const d = await this.deps.store.notifications.getDelivery(id);
    if (!d) throw notFound('The delivery');
    return d;
  }

  /** What a channel (or all channels) got about one incident, oldest first. */
  forIncident(incidentId: string): Promise<DeliveryRecord[]> {
    return this.deps.store.notifications.forIncident(incidentId);
  }

  async stats(): Promise<NotificationStats> {
    const { clock } = this.deps;
    const { notifications } = this.deps.store;
    const now = clock.now();
    const [pending, recent, channels] = await Promise.all([
      notifications.outboxCount(),
      // A delivery that failed in the last day was created at most a few backoffs before.
      notifications.createdSince(now - 3 * DAY_MS, 100_000),
      notifications.listChannels(),
    ]);
    const since = iso(now - DAY_MS);
    return {
      pending,
      failedLast24h: recent.filter(
        (d) => d.status === 'failed' && d.finishedAt !== undefined && d.finishedAt >= since,
      ).length,
      failingChannels: channels.filter((c) => c.state.failing).length,
    };
  }

  /** Deletes finished deliveries older than `keepDays` (for the housekeeping job). */
  async prune(keepDays = 90, signal?: AbortSignal): Promise<number> {
    const { store, clock } = this.deps;
    const { notifications } = this.deps.store;
    const before = clock.now() - keepDays * DAY_MS;
    let total = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { ops, count } = await notifications.pruneOps(before, 500);
      if (!ops.length) return total;
      await store.write(ops);
      total += count;
    }
  }

  // ---- the loop ------------------------------------------------------------------------------

  /**
   * Puts deliveries a previous run left in `sending` back as due (their attempt is recorded as
   * interrupted), then starts the loop.
   */
  async start(): Promise<void> {
    await this.recover();
    this.controller = new AbortController();
    this.running = true;
    this.schedule(0);
  }

  /** Deliveries left in `sending` by a previous process: due again now, with the same id. */
  async recover(): Promise<number> {
    const { notifications } = this.deps.store;
    let n = 0;
    for (const e of await notifications.allOutbox()) {
      if (this.inFlight.has(e.deliveryId)) continue;
      const d = await notifications.getDelivery(e.deliveryId);
      if (d?.status !== 'sending') continue;
      const at = Date.parse(d.attempts.at(-1)?.at ?? d.createdAt);
      const error = {
        code: 'INTERRUPTED',
        message: 'Caretaker stopped during this attempt; it is sent again.',
        kind: 'transient',
      };
      await this.recordAttempt(
        e,
        { at: iso(Math.max(at, Date.parse(e.dueAt))), ok: false, durationMs: 0, error },
        { ok: false, error },
      );
      this.log.warn({ channel: d.channelId, delivery: d.id }, 'interrupted delivery queued again');
      n += 1;
    }
    return n;
  }

  /** Wakes the loop now (after writing `enqueueOps` in a batch of one's own). */
  kick(): void {
    if (!this.running) return;
    if (this.ticking) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (!this.running || this.ticking) return;
    this.ticking = true;
    this.again = false;
    const pass = this.processDue(this.controller.signal).catch((err: unknown) =>
      this.log.error({ err: describeError(err) }, 'notification pass failed'),
    );
    this.active.add(pass);
    try {
      await pass;
    } finally {
      this.active.delete(pass);
      this.ticking = false;
    }
    this.schedule(this.again ? 0 : (this.deps.pollMs ?? 5_000));
  }

  /**
   * Stops the loop: waits for sends under way up to notify.sendTimeoutMs, then cancels them
   * (a cancelled attempt is due again at the next start).
   */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const all = () => Promise.allSettled([...this.active]);
    if (!this.active.size) return;
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      all().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.cfg.sendTimeoutMs);
        timer.unref();
      }),
    ]);
    if (timer) clearTimeout(timer);
    if (!waited) {
      this.controller.abort(new AppError('SHUTDOWN', 'Caretaker is stopping.'));
      await all();
    }
  }
}
