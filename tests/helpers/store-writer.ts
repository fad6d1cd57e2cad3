// Child process for the crash test: writes atomic batches as fast as it can and reports each
// committed batch number on stdout, until it is killed with SIGKILL.
import { openStore } from '../../src/store/store.js';

const dataDir = process.argv[2]!;
const store = await openStore(dataDir);
process.stdout.write('ready\n');
for (let i = 1; ; i++) {
  const user = {
    id: `u${String(i).padStart(8, '0')}`,
    username: `user${i}`,
    displayName: 'x'.repeat(200),
    role: 'viewer' as const,
    passwordHash: 'scrypt$1$1$1$a$b',
    disabled: false,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    passwordChangedAt: new Date().toISOString(),
  };
  await store.write([
    ...store.users.putOps(user),
    store.audit.appendOp(
      {
        actor: { type: 'system', name: 'writer' },
        action: 'user.created',
        target: `user:${user.username}`,
      },
      Date.now(),
    ),
  ]);
  process.stdout.write(`${i}\n`);
}
