/**
 * Seeds a demo data directory, as an admin would on a new box: the networks to scan and the SNMP
 * credentials. Done through the same services the UI uses, audited with the console as the actor.
 * Only when discovery is not configured yet, so an admin's own changes survive a restart.
 */
import { openStore } from '../../src/store/store.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { CredentialService, type CredentialInput } from '../../src/snmp/credential-service.js';
import { DiscoverySettingsService } from '../../src/discovery/settings-service.js';
import { systemClock } from '../../src/core/time.js';
import {
  NotificationService,
  type ChannelInput,
} from '../../src/incidents/notification-service.js';
import { configSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/lib/logger.js';

export async function seedDemo(
  dataDir: string,
  subnets: string[],
  credentials: CredentialInput[],
): Promise<boolean> {
  const store = await openStore(dataDir);
  try {
    const ctx = { actor: { type: 'console' as const, name: 'demo' } };
    const settings = new DiscoverySettingsService({
      store,
      clock: systemClock,
      onScheduleChange: () => undefined,
    });
    if ((await settings.get()).subnets.length) return false;
    const creds = new CredentialService({
      store,
      clock: systemClock,
      secrets: await SecretBox.open(dataDir),
    });
    for (const c of credentials) await creds.create(c, ctx);
    await settings.update({ subnets, schedule: '*/15 * * * *' }, ctx);
    return true;
  } finally {
    await store.close();
  }
}

/**
 * Points two notification channels (webhook and e-mail) at the demo's inbox, creating them on the
 * first run and updating their addresses later (the lab's management address may change).
 */
export async function seedDemoChannels(
  dataDir: string,
  inbox: { webhookUrl: string; webhookSecret: string; smtp: { host: string; port: number } },
): Promise<void> {
  const store = await openStore(dataDir);
  try {
    const ctx = { actor: { type: 'console' as const, name: 'demo' } };
    const notifications = new NotificationService({
      store,
      clock: systemClock,
      logger: createLogger('silent'),
      config: configSchema.parse({ dataDir }),
      secrets: await SecretBox.open(dataDir),
      site: async () => ({ siteName: 'demo', boxName: 'demo', timeZone: 'UTC' }),
      linkFor: () => '',
    });
    const existing = await notifications.list();
    const upsert = async (input: ChannelInput) => {
      const found = existing.find((c) => c.name === input.name);
      if (found) await notifications.update(found.id, input, ctx);
      else await notifications.create(input, ctx);
    };
    await upsert({
      name: 'Demo inbox (webhook)',
      enabled: true,
      settings: { kind: 'webhook', url: inbox.webhookUrl, secret: inbox.webhookSecret },
      filters: { minSeverity: 'warning', deviceTypes: [], notifyResolved: true },
    } as ChannelInput);
    await upsert({
      name: 'Demo inbox (e-mail)',
      enabled: true,
      settings: {
        kind: 'email',
        host: inbox.smtp.host,
        port: inbox.smtp.port,
        security: 'none',
        from: 'caretaker@branch.example',
        to: ['it-team@branch.example'],
      },
      filters: { minSeverity: 'major', deviceTypes: [], notifyResolved: true },
    } as ChannelInput);
  } finally {
    await store.close();
  }
}
