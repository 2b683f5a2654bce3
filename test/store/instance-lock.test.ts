// One bot process per database: the instance lock on SQLite (a lock the kernel drops with the
// process) and on PostgreSQL (a session advisory lock). A second holder is refused with the
// database and the holder's pid; a killed holder leaves nothing stale behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acquireInstanceLock, InstanceLockedError } from '../../src/store/instance-lock.ts';
import { findPostgres, startPostgres, type PostgresCluster } from '../support/postgres.ts';
import { tempSqliteUrl } from './fixtures.ts';

const holderScript = fileURLToPath(new URL('./instance-lock-holder.ts', import.meta.url));
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A child process holding the lock of `url`; resolves once it says so. */
async function lockInChild(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk) => (err += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('locked')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`expected the lock holder to say "locked", it exited with ${code}:\n${err}`)));
  });
  return child;
}

async function refusal(url: string): Promise<InstanceLockedError> {
  const error = await acquireInstanceLock(url).then(
    async (lock) => {
      await lock.release();
      return new Error('expected the lock to be refused, it was granted');
    },
    (e: unknown) => e,
  );
  if (!(error instanceof InstanceLockedError)) throw error;
  return error;
}

describe('the instance lock on SQLite', () => {
  it('refuses a second holder, naming the database file and the holding pid, and grants it again after release', async () => {
    const db = await tempSqliteUrl();
    cleanups.push(db.cleanup);
    const first = await acquireInstanceLock(db.url);
    const refused = await refusal(db.url);
    expect(refused.message).toContain(`another bot is already running on the SQLite database ${db.file}`);
    expect(refused.message).toContain(`pid ${process.pid} on `);
    await first.release();
    const second = await acquireInstanceLock(db.url);
    await second.release();
    // The pid file goes with its holder; the lock file stays (deleting it could let two holders in).
    expect(existsSync(`${db.file}.instance-lock.pid`)).toBe(false);
  });

  it('is free again at once after its holder is killed with SIGKILL', async () => {
    const db = await tempSqliteUrl();
    cleanups.push(db.cleanup);
    const child = await lockInChild(db.url);
    expect((await refusal(db.url)).message).toContain(`pid ${child.pid} on `);
    child.kill('SIGKILL');
    await once(child, 'exit');
    // Its pid file is still there (nobody removed it) and names a dead process: it must not matter.
    expect(existsSync(`${db.file}.instance-lock.pid`)).toBe(true);
    const lock = await acquireInstanceLock(db.url);
    await lock.release();
  });

  it('treats an in-memory database as private to the process', async () => {
    const a = await acquireInstanceLock('file::memory:');
    const b = await acquireInstanceLock('file::memory:');
    await Promise.all([a.release(), b.release()]);
  });
});

const found = await findPostgres();
if (!found.ok && process.env.REQUIRE_POSTGRES === '1') {
  throw new Error(`expected PostgreSQL for the instance lock tests (REQUIRE_POSTGRES=1), but ${found.reason}`);
}

describe.skipIf(!found.ok)(found.ok ? 'the instance lock on PostgreSQL' : `the instance lock on PostgreSQL (skipped: ${found.reason})`, () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('refuses a second holder on the same database and schema, naming the holding pid; other schemas and databases are free', async () => {
    const url = await cluster.createDatabase();
    const first = await acquireInstanceLock(url);
    cleanups.push(() => first.release());
    const refused = await refusal(url);
    expect(refused.message).toContain(`another bot is already running on the PostgreSQL database ${url}`);
    expect(refused.message).toContain(`pid ${process.pid} on `);
    const otherSchema = await acquireInstanceLock(`${url}?schema=second`);
    const otherDatabase = await acquireInstanceLock(await cluster.createDatabase());
    await Promise.all([otherSchema.release(), otherDatabase.release()]);
    await first.release();
    const again = await acquireInstanceLock(url);
    await again.release();
  });

  it('is free again after its holder is killed with SIGKILL', async () => {
    const url = await cluster.createDatabase();
    const child = await lockInChild(url);
    expect((await refusal(url)).message).toContain(`pid ${child.pid} on `);
    child.kill('SIGKILL');
    await once(child, 'exit');
    // The server notices the closed socket and ends the session, releasing its advisory lock.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const lock = await acquireInstanceLock(url).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      if (!(lock instanceof Error)) {
        await lock.release();
        break;
      }
      if (!(lock instanceof InstanceLockedError) || Date.now() > deadline) throw lock;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('tells its holder when the session holding it is ended by the server', async () => {
    const url = await cluster.createDatabase();
    const lost: Error[] = [];
    let signal!: () => void;
    const noticed = new Promise<void>((resolve) => (signal = resolve));
    const lock = await acquireInstanceLock(url, { onLost: (err) => (lost.push(err), signal()) });
    cleanups.push(() => lock.release());
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'image-bot pid ${process.pid} %'`);
    } finally {
      await admin.end();
    }
    await noticed;
    expect(lost[0].message).toMatch(/instance lock on the PostgreSQL database/);
  });
});
