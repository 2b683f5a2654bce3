// Several processes on one SQLite file (a bot and a CLI, or two bots by mistake): migrations
// take turns, and each reservation is a single statement that takes the database's write lock
// before reading the balance, so racing processes wait for each other (busy timeout) instead
// of overspending or failing.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { ALICE, GUILD, newJob, tempSqliteUrl } from './fixtures.ts';

const worker = fileURLToPath(new URL('./store-worker.ts', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** Starts the workers, says "go" to all once each has printed "ready", and answers their JSON outcomes. */
async function raceWorkers(argsList: string[][]): Promise<string[][]> {
  const children = argsList.map((args) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.startsWith('ready\n')) markReady();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<string[]>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) reject(new Error(`expected the store worker to succeed, it exited ${code}:\n${stderr}`));
        else resolve(JSON.parse(stdout.replace(/^ready\n/, '')) as string[]);
      });
    });
    // A worker that dies before it is ready fails the race instead of hanging it.
    return { child, ready: Promise.race([ready, done.then(() => undefined)]), done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const { child } of children) child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.done));
}

it('lets three processes starting together on a new SQLite file apply the migrations exactly once', async () => {
  const db = await tempSqliteUrl();
  cleanups.push(db.cleanup);
  const applied = await raceWorkers([0, 1, 2].map(() => ['migrate', db.url]));
  expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
  const file = new Database(db.file, { readonly: true });
  try {
    const rows = file.prepare('SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations').all();
    expect(rows).toHaveLength(applied.flat().length);
    expect(rows.every((row) => (row as { finished_at: unknown }).finished_at !== null)).toBe(true);
  } finally {
    file.close();
  }
});

it('lets three processes racing on one SQLite file reserve exactly the five credits there are', async () => {
  const db = await tempSqliteUrl();
  cleanups.push(db.cleanup);
  const store = await openStore(db.url);
  try {
    const jobs = await Promise.all(Array.from({ length: 18 }, () => store.jobs.create(newJob())));
    const ids = jobs.map((job) => job.id);
    const outcomes = (await raceWorkers([0, 1, 2].map((n) => ['reserve', db.url, ids.slice(n * 6, n * 6 + 6).join(',')]))).flat();

    expect(outcomes.filter((outcome) => outcome.startsWith('error'))).toEqual([]);
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(5);
    expect(outcomes.filter((outcome) => outcome === 'insufficient')).toHaveLength(13);
    const member = { guildId: GUILD, userId: ALICE, periodStart: new Date(0), defaultAllowance: 5 };
    expect(await store.ledger.balance(member)).toMatchObject({ dailyUsed: 5, available: 0 });
    const rows = await store.ledger.history(GUILD, ALICE, { limit: 100 });
    expect(rows.reduce((sum, row) => sum + row.delta, 0)).toBe(-5);
  } finally {
    await store.close();
  }
});
