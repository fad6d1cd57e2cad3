// Baseline for the discovery bench, run inside the lab's appliance namespace: one SNMP round
// (a GET of sysObjectID) to every address with the raw net-snmp client, 32 at a time. Prints
// {"ms": <elapsed>, "answered": <n>} on stdout.
import snmp from 'net-snmp';

const [community = 'public', ...ips] = process.argv.slice(2);
const t0 = performance.now();
let answered = 0;
let next = 0;
async function one(ip: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const s = snmp.createSession(ip, community, {
      timeout: 700,
      retries: 1,
      version: snmp.Version2c,
    });
    s.on('error', () => undefined);
    s.get(['1.3.6.1.2.1.1.2.0'], (err) => {
      if (!err) answered += 1;
      s.close();
      resolve();
    });
  });
}
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < ips.length) await one(ips[next++]!);
  }),
);
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, answered }) + '\n');
