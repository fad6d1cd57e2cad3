/**
 * The simulator as a process: `node --import tsx tests/lab/simulator/main.ts <config.json>`.
 * Prints exactly one line `READY <agents>` on stdout once every agent listens; logs errors on
 * stderr; exits 0 after closing all agents on SIGTERM or SIGINT; exits 2 on a bad configuration
 * and 1 when an agent cannot bind.
 *
 * SIM_RESIDENT_MIBS (environment, default 128): how many agents keep a built MIB tree.
 */
import { readFile } from 'node:fs/promises';
import { startSimulator, SimulatorConfigError, type SimulatedAgent } from './index.js';

function fail(message: string, code: number): never {
  process.stderr.write(`simulator: ${message}\n`);
  process.exit(code);
}

/** One line per agent and message, at most every 10 s: a misconfigured poller must not flood. */
function errorLogger(): (agent: SimulatedAgent, error: Error) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (agent, error) => {
    const key = `${agent.address}:${agent.port} ${error.message}`;
    const now = Date.now();
    const seen = last.get(key);
    if (seen && now - seen.at < 10_000) {
      seen.suppressed++;
      return;
    }
    const more = seen?.suppressed ? ` (${seen.suppressed} more like it)` : '';
    last.set(key, { at: now, suppressed: 0 });
    process.stderr.write(
      `simulator: ${agent.sysName} ${agent.address}:${agent.port}: ${error.message}${more}\n`,
    );
  };
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || process.argv.length > 3) fail('usage: main.ts <config.json>', 2);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    fail(`cannot read ${file}: ${(error as Error).message}`, 2);
  }

  let sim;
  try {
    const resident = process.env.SIM_RESIDENT_MIBS;
    sim = await startSimulator(raw, {
      onError: errorLogger(),
      ...(resident ? { residentMibs: Number(resident) } : {}),
    });
  } catch (error) {
    if (error instanceof SimulatorConfigError) fail(`${file}: ${error.message}`, 2);
    fail((error as Error).message, 1);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => fail(`agents did not close within 5 s of ${signal}`, 1), 5000);
    timer.unref();
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => fail(`closing: ${(error as Error).message}`, 1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`READY ${sim.agents.length}\n`);
}

main().catch((error: unknown) => fail((error as Error).stack ?? String(error), 1));
