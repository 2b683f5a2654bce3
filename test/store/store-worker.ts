// Child process of sqlite-processes.test.ts, one of several on the same SQLite file.
//   migrate <url> <startAt>            opens the store at startAt (ms); prints what its migration applied
//   reserve <url> <startAt> <job ids>  opens the store, then reserves one credit per job, all at once at startAt
// Prints its outcome as JSON. The shared start time lines the processes up after their slow start.
import { openStore } from '../../src/store/index.ts';
import { ALICE, GUILD } from './fixtures.ts';

const [command, url, startAt, jobList] = process.argv.slice(2);
const waitForStart = () => new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
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
