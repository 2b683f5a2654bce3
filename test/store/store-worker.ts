// Child process of sqlite-processes.test.ts, one of several on the same SQLite file.
//   migrate <url>            opens the store when told to; prints what its migration applied
//   reserve <url> <job ids>  opens the store, then reserves one credit per job, all at once when told to
// It prints "ready" once loaded and waits for a line "go" on stdin: the test says go when every
// process is ready, so they race however slow their start was. Prints its outcome as JSON last.
import { createInterface } from 'node:readline';
import { openStore } from '../../src/store/index.ts';
import { ALICE, GUILD } from './fixtures.ts';

const [command, url, jobList] = process.argv.slice(2);
const waitForStart = async () => {
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) if (line.trim() === 'go') return;
  throw new Error('expected "go" on stdin before it closed');
};
if (command === 'migrate') await waitForStart();
const store = await openStore(url);
try {
  if (command === 'migrate') {
    process.stdout.write(JSON.stringify(store.migration.applied));
  } else if (command === 'reserve') {
    await waitForStart();
    const member = { guildId: GUILD, userId: ALICE, periodStart: new Date(0), defaultAllowance: 5 };
    const results = await Promise.all(
      jobList.split(',').map(async (id) => {
        try {
          const result = await store.ledger.reserve({ ...member, jobId: Number(id), amount: 1 });
          return result.ok ? 'ok' : result.reason;
        } catch (error) {
          return `error: ${(error as Error).message}`;
        }
      }),
    );
    process.stdout.write(JSON.stringify(results));
  } else {
    throw new Error(`expected the command migrate or reserve, got ${command}`);
  }
} finally {
  await store.close();
}
