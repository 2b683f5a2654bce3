/**
 * `npm run kill-loop -- --rounds 20 [--seed N] [--members 4] [--max-kill-delay-ms 3000] [--strict] [--workers 2]`:
 * start the bot (with --workers: as a gateway, with that many `npm run worker` processes on a throwaway
 * Redis, killing the gateway or a worker each round), queue jobs from several members, SIGKILL it at a random moment, start it again, on one
 * database; then check that every job was delivered exactly once and every member paid exactly for
 * the images delivered (a job that failed cleanly with a refund passes, unless --strict). Prints a
 * table; exits 1 on any violation.
 */
import { parseArgs } from 'node:util';
import { formatReport, runKillLoop } from '../test/support/kill-loop/kill-loop.ts';
import { whole } from './cli-number.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    seed: { type: 'string' },
    members: { type: 'string', default: '4' },
    'max-kill-delay-ms': { type: 'string', default: '3000' },
    strict: { type: 'boolean', default: false },
    workers: { type: 'string', default: '0' },
  },
});

const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : whole('seed', values.seed, 0);
const rounds = whole('rounds', values.rounds, 1);
console.log(`kill loop: ${rounds} round(s), seed ${seed} (repeat with --seed ${seed})`);
const report = await runKillLoop({
  rounds,
  seed,
  members: whole('members', values.members, 1),
  maxKillDelayMs: whole('max-kill-delay-ms', values['max-kill-delay-ms'], 0),
  strict: values.strict,
  workers: whole('workers', values.workers, 0),
  log: (line) => console.log(line),
});
console.log(formatReport(report));
process.exit(report.violations.length === 0 ? 0 : 1);
