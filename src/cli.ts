#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { loadConfig } from './config/load.js';
import { startService, VERSION } from './main.js';
import { createLogger } from './lib/logger.js';
import { openStore } from './store/store.js';
import { importAppliance } from './backup/appliance-export.js';
import { UserService } from './auth/user-service.js';
import { SetupService, setupCodePath } from './auth/setup-service.js';
import { generatePassword } from './auth/passwords.js';
import { LoginLimiter } from './auth/login-limiter.js';
import { systemClock } from './core/time.js';
import { AppError, describeError } from './core/errors.js';
import type { RequestContext } from './auth/context.js';
import os from 'node:os';

const HELP = `caretaker ${VERSION}: the branch-office appliance service

Usage:
  caretaker serve                      run the service (what systemd runs)
  caretaker reset-password <user>      set a new password for a user and print it
        [--password-stdin]             read the new password from standard input instead
        [--enable]                     also re-enable the user if disabled
  caretaker setup-code                 issue a new one-time setup code (to create a new admin
                                       when nobody can log in any more)
  caretaker users                      list users and their roles
  caretaker import-data <folder>       restore this box from a backup of another one: the folder
        [--replace]                    caretaker-appliance/ of a snapshot (store, secret key,
                                       config); --replace overwrites an existing store
  caretaker version

The console commands open the data directory directly, so stop the service first
(systemctl stop caretaker). Configuration: CARETAKER_CONFIG, CARETAKER_DATA_DIR,
CARETAKER_HOST, CARETAKER_PORT, CARETAKER_LOG_LEVEL.`;

/** Exit codes: 64 usage, 69 store in use, 78 configuration (systemd does not restart on 78). */
const EX_USAGE = 64;
const EX_UNAVAILABLE = 69;
const EX_CONFIG = 78;

function consoleCtx(): RequestContext {
  return { actor: { type: 'console', name: process.env.SUDO_USER || os.userInfo().username } };
}

async function withStore<T>(
  fn: (store: Awaited<ReturnType<typeof openStore>>, dataDir: string, minLen: number) => Promise<T>,
): Promise<T> {
  const config = await loadConfig();
  const store = await openStore(config.dataDir);
  try {
    return await fn(store, config.dataDir, config.auth.passwordMinLength);
  } finally {
    await store.close();
  }
}

async function serve(): Promise<void> {
  const config = await loadConfig();
  const running = await startService(config, { logger: createLogger(config.logLevel) });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(`caretaker: second ${sig}, exiting now\n`);
      process.exit(1);
    }
    void running.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function resetPassword(args: string[]): Promise<void> {
  const username = args.find((a) => !a.startsWith('--'));
  if (!username)
    throw new AppError('USAGE', 'Name the user: caretaker reset-password <user>', {
      status: EX_USAGE,
    });
  const fromStdin = args.includes('--password-stdin');
  const password = fromStdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : generatePassword();
  await withStore(async (store, _dataDir, minLen) => {
    const users = new UserService({
      store,
      clock: systemClock,
      passwordMinLength: minLen,
    });
    const user = await store.users.getByName(username);
    if (!user)
      throw new AppError(
        'NOT_FOUND',
        `There is no user named "${username}". Run caretaker users to list them.`,
        { status: EX_USAGE },
      );
    await users.setPassword(user.id, password, consoleCtx(), { enable: args.includes('--enable') });
    process.stdout.write(
      fromStdin
        ? `Password of ${user.username} changed.\n`
        : `New password for ${user.username}: ${password}\nAll of their sessions were ended. They should change it after logging in.\n`,
    );
  });
}

async function setupCode(): Promise<void> {
  await withStore(async (store, dataDir, minLen) => {
    const users = new UserService({
      store,
      clock: systemClock,
      passwordMinLength: minLen,
    });
    // The console is not throttled: only someone at the box can run it.
    const limiter = new LoginLimiter({
      maxFailures: 1000,
      lockoutMs: 1,
      attemptsPerMinute: 1000,
      clock: systemClock,
    });
    const setup = new SetupService({ store, clock: systemClock, users, limiter });
    const code = await setup.issue('console', consoleCtx());
    process.stdout.write(
      `Setup code: ${code}\nIt is also in ${setupCodePath(dataDir)}. Start the service and open /setup to create an admin.\n`,
    );
  });
}

async function listUsers(): Promise<void> {
  await withStore(async (store) => {
    for (const u of await store.users.list()) {
      process.stdout.write(
        `${u.username.padEnd(24)} ${u.role.padEnd(9)} ${u.disabled ? 'disabled' : 'active'}\n`,
      );
    }
  });
}

async function importData(args: string[]): Promise<void> {
  const from = args.find((a) => !a.startsWith('--'));
  if (!from) {
    process.stderr.write('caretaker: import-data needs the folder of the backup\n');
    process.exit(EX_USAGE);
  }
  const config = await loadConfig();
  const r = await importAppliance(from, config.dataDir, { replace: args.includes('--replace') });
  process.stdout.write(
    `Imported ${r.entries} entries into ${config.dataDir}. Put the config file from the backup in place if needed, then start the service.\n`,
  );
}

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...args] = argv;
  switch (command) {
    case 'serve':
      return serve();
    case 'reset-password':
      return resetPassword(args);
    case 'setup-code':
      return setupCode();
    case 'users':
      return listUsers();
    case 'import-data':
      return importData(args);
    case 'version':
    case '--version':
      process.stdout.write(`${VERSION}\n`);
      return;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${HELP}\n`);
      return;
    default:
      process.stderr.write(`caretaker: unknown command "${command}"\n\n${HELP}\n`);
      process.exit(EX_USAGE);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = describeError(err);
  process.stderr.write(`caretaker: ${e.message}\n`);
  const code =
    e.code === 'CONFIG_INVALID'
      ? EX_CONFIG
      : e.code === 'STORE_IN_USE'
        ? EX_UNAVAILABLE
        : e.code === 'USAGE' || e.code === 'NOT_FOUND'
          ? EX_USAGE
          : 1;
  process.exit(code);
});
