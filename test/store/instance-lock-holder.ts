// Child process of instance-lock.test.ts: takes the instance lock of <database url>, says
// "locked" on stdout, and holds it until it is killed.
import { acquireInstanceLock } from '../../src/store/instance-lock.ts';

const [url] = process.argv.slice(2);
await acquireInstanceLock(url);
process.stdout.write('locked\n');
setInterval(() => {}, 60_000);
