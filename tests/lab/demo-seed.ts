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
