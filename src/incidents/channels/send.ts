import type { NotificationMessage } from '../notify-message.js';
import type { ChannelSettings } from './channel-schema.js';
import { sendEmail } from './email.js';
import { sendSyslog, syslogSeverity } from './syslog.js';
import { sendWebhook } from './webhook.js';

export interface SendOptions {
  /** Cancels the attempt (shutdown, the queue's own deadline). */
  signal?: AbortSignal | undefined;
  /** The same on every attempt of one delivery: receivers drop repeats by it. */
  deliveryId: string;
  /** The time of this attempt (webhook sentAt and signature, syslog TIMESTAMP). */
  now: Date;
  /** Caretaker's version for the webhook User-Agent. */
  version?: string | undefined;
  /** The e-mail sender's display name; "Caretaker <site>" when absent. */
  fromName?: string | undefined;
}

/**
 * One delivery attempt of `message` over `channel` (secrets decrypted). Resolves with a line for
 * the delivery log; throws a ChannelError whose `kind` tells the queue whether to try again
 * (transient) or to stop and show the problem (auth, permanent), and whose `retryAfterMs` (if
 * any) is the receiver's own hint.
 */
export async function sendNotification(
  channel: ChannelSettings,
  message: NotificationMessage,
  opts: SendOptions,
): Promise<{ detail: string }> {
  switch (channel.kind) {
    case 'email': {
      const r = await sendEmail(channel, message.email, {
        deliveryId: opts.deliveryId,
        signal: opts.signal,
        fromName: opts.fromName ?? `Caretaker ${message.webhook.box.site}`.trim(),
      });
      const refused = r.rejected.length ? `; refused: ${r.rejected.join(', ')}` : '';
      return { detail: `Accepted by ${channel.host}: ${r.response}${refused}` };
    }
    case 'webhook': {
      const r = await sendWebhook(channel, message.webhook, {
        deliveryId: opts.deliveryId,
        now: opts.now,
        version: opts.version ?? 'unknown',
        signal: opts.signal,
      });
      return {
        detail: `${new URL(channel.url).host} answered ${r.status}${r.response ? `: ${r.response}` : ''}`,
      };
    }
    case 'syslog': {
      const r = await sendSyslog(
        channel,
        {
          severity: syslogSeverity(message.severity, message.kind),
          msgId: message.syslog.msgId,
          params: message.syslog.params,
          text: message.syslog.text,
        },
        { now: opts.now, signal: opts.signal },
      );
      return {
        detail: `Sent ${r.bytes} bytes over ${channel.transport.toUpperCase()} to ${channel.host}:${channel.port}${r.truncated ? ' (shortened to fit)' : ''}`,
      };
    }
  }
}
