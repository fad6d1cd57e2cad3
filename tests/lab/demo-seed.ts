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
import { BackupService } from '../../src/backup/backup-service.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

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

/**
 * A demo file share and a backup job with three snapshots, so that a newcomer can browse backups
 * and restore a deleted file at once. Only on the first run (when the job does not exist yet).
 */
export async function seedDemoBackups(dataDir: string): Promise<void> {
  const share = path.join(dataDir, 'demo-share');
  const disk = path.join(dataDir, 'demo-backup-disk');
  const store = await openStore(dataDir);
  try {
    const ctx = { actor: { type: 'console' as const, name: 'demo' } };
    const backups = new BackupService({
      store,
      clock: systemClock,
      logger: createLogger('silent'),
      nextRun: (cron, tz) => Scheduler.nextRun(cron, { tz }),
      validSchedule: (cron) => Scheduler.validSchedule(cron),
      timeZone: async () => 'UTC',
    });
    if ((await backups.listJobs()).length) return;
    const files: Record<string, string> = {
      'Accounting/invoices-2026.csv': 'invoice,customer,amount\n1001,Alpine GmbH,1200.00\n',
      'Accounting/budget.txt': 'Budget 2027: first draft\n',
      'Projects/Branch move/plan.md': '# Moving the branch\n\n1. Order the new switch\n',
      'Projects/Branch move/floor plan.txt': 'Server room: ground floor, room 0.12\n',
      'Team/contacts.txt': 'IT on call: +43 1 234 56 78\n',
      'Team/holiday calendar.txt': 'Closed 24 Dec – 1 Jan\n',
    };
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(share, rel)), { recursive: true });
      await writeFile(path.join(share, rel), text);
    }
    const target = await backups.createTarget(
      {
        name: 'USB backup disk (demo)',
        kind: 'local',
        path: disk,
        minFreeMiB: 64,
        minFreeInodes: 1000,
      },
      ctx,
    );
    const job = await backups.createJob(
      {
        name: 'File share',
        targetId: target.id,
        sources: [{ kind: 'local', path: share }],
        schedule: '0 * * * *',
        verifySample: 5,
      },
      ctx,
    );
    for (let i = 0; i < 3; i++) {
      if (i > 0) {
        await appendFile(path.join(share, 'Accounting/budget.txt'), `Revision ${i + 1}\n`);
        await new Promise((r) => setTimeout(r, 1100));
      }
      const run = await backups.runNow(job.id, ctx);
      for (;;) {
        const r = await backups.getRun(run.id);
        if (r.status !== 'running') break;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  } finally {
    await store.close();
  }
}
