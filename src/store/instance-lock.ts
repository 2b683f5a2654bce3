// One bot process per database. A second bot on the same database would receive every reaction
// too (and start each job twice) and would resume the first bot's running jobs as its own on
// start-up, so start-up takes an exclusive lock and a second instance refuses, saying which
// database and which process holds it. Running several processes is the scale-out design's
// business (docs/design.md), not an accident to tolerate.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ensureSqliteFolder, parseDatabaseUrl, redactUrl } from './database-url.ts';
import { pgPoolConfig } from './pg-config.ts';

export interface InstanceLock {
  // What is locked, in words for logs: the SQLite file, or the PostgreSQL database and schema.
  readonly description: string;
  // Gives the lock up; a second call does nothing.
  release(): Promise<void>;
}

export interface InstanceLockOptions {
  // PostgreSQL only: the connection holding the lock broke, so the lock is gone and another
  // instance may start. The caller should stop: two bots may now run.
  onLost?: (err: Error) => void;
  // Gateway sharding: lock this shard only (PostgreSQL; several processes on one SQLite file are
  // refused before this is reached).
  shard?: number;
  // PostgreSQL: how long to keep trying while another process holds the lock (0: refuse at once).
  // A shard started again after its manager died may meet its old process still stopping.
  waitMs?: number;
}

/** Another process holds the lock: `message` names the database and, where known, that process. */
export class InstanceLockedError extends Error {
  override name = 'InstanceLockedError';
  constructor(
    readonly database: string,
    readonly holder: string | undefined,
  ) {
    super(
      `another bot is already running on ${database}${holder ? ` (${holder})` : ''}; ` +
        'only one bot process may use a database at a time. Stop the other one first, or give this one its own DATABASE_URL.',
    );
  }
}

export async function acquireInstanceLock(databaseUrl: string, options: InstanceLockOptions = {}): Promise<InstanceLock> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.provider === 'postgresql') {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      try {
        return await lockPostgres(target.url, options);
      } catch (err) {
        if (!(err instanceof InstanceLockedError) || Date.now() >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
  if (options.shard !== undefined) throw new Error('gateway shards need PostgreSQL: several processes cannot share one SQLite database');
  // Nothing outside this process can open an in-memory database.
  if (target.filePath === ':memory:') return { description: 'an in-memory database', release: async () => {} };
  await ensureSqliteFolder(target);
  return lockSqliteFile(target.filePath);
}

// Who holds a lock, as the holder writes it down.
function holderText(): string {
  return `pid ${process.pid} on ${hostname()}`;
}

// SQLite: an exclusive transaction, held for the process's life, on a companion file
// (<database>.instance-lock), as the migration lock does. Why not a lock file with a pid in it:
// deciding whether a pid still lives is a guess (pids are reused; the other process may be on
// another machine sharing the folder), and two starters clearing the same stale file race. SQLite's
// lock is the operating system's file lock, which the kernel drops when the process ends in any
// way, SIGKILL included, so it can never go stale; and better-sqlite3 is already a dependency.
// It cannot be the database file itself, where Prisma's connection and the migration engine work.
//
// The holder's pid goes into a separate plain file (<database>.instance-lock.pid), only so a
// refused instance can name it. The lock file itself is never opened with plain fs calls (closing
// any descriptor of a file drops every POSIX lock this process holds on it) and never deleted
// (a starter could lock the unlinked file while another creates and locks a new one).
function lockSqliteFile(databaseFile: string): InstanceLock {
  const lockFile = `${databaseFile}.instance-lock`;
  const pidFile = `${lockFile}.pid`;
  const description = `the SQLite database ${databaseFile}`;
  // timeout 0: a held lock is an answer, not something to wait for.
  const db = new Database(lockFile, { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new InstanceLockedError(description, readPidFile(pidFile));
    throw err;
  }
  const mine = `${holderText()} since ${new Date().toISOString()}`;
  writeFileSync(pidFile, `${mine}\n`);
  let released = false;
  return {
    description,
    async release() {
      if (released) return;
      released = true;
      // The pid file goes first: once the lock is free, the next holder writes its own.
      if (readPidFile(pidFile) === mine) rmSync(pidFile, { force: true });
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

function readPidFile(pidFile: string): string | undefined {
  if (!existsSync(pidFile)) return undefined;
  try {
    return readFileSync(pidFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

// PostgreSQL: a session-level advisory lock on a connection of its own, held for the process's
// life. The server drops it when that session ends, however the process died. The two keys are
// a constant for this bot and the schema's hash: bots in different schemas (or databases; advisory
// locks are per database) do not exclude each other.
const LOCK_CLASS = 0x1b0_7a9e; // any fixed positive int4 no other program on the database uses
// A shard's lock: the class above plus one, and the hash of the schema and the shard's id.
const SHARD_LOCK_CLASS = LOCK_CLASS + 1;
// PostgreSQL keeps application names to 63 bytes.
const APP_NAME = 'image-bot';

function schemaKey(schema: string): number {
  let hash = 0;
  for (const ch of schema) hash = (Math.imul(hash, 31) + ch.codePointAt(0)!) | 0;
  return hash & 0x7fff_ffff;
}

async function lockPostgres(url: string, options: InstanceLockOptions): Promise<InstanceLock> {
  const { schema, ...config } = pgPoolConfig(url);
  const schemaName = schema ?? 'public';
  const shard = options.shard;
  const description = `${shard === undefined ? '' : `shard ${shard} of `}the PostgreSQL database ${redactUrl(url)}`;
  const lockClass = shard === undefined ? LOCK_CLASS : SHARD_LOCK_CLASS;
  // The application name is how a refused instance learns who holds the lock (pg_stat_activity).
  const client = new pg.Client({ ...config, application_name: `${APP_NAME} ${holderText()}`.slice(0, 63), keepAlive: true });
  let released = false;
  // Without a listener a broken connection would be an uncaught 'error' event.
  client.on('error', (err) => {
    if (!released) options.onLost?.(new Error(`lost the connection holding the instance lock on ${description}: ${err.message}`));
  });
  client.on('end', () => {
    if (!released) options.onLost?.(new Error(`the connection holding the instance lock on ${description} was closed`));
  });
  await client.connect();
  try {
    const key = schemaKey(shard === undefined ? schemaName : `${schemaName}#shard-${shard}`);
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int4, $2::int4) AS ok', [lockClass, key]);
    if (!rows[0].ok) {
      // The two-key form shows in pg_locks as classid, objid with objsubid 2.
      const holder = await client.query<{ application_name: string | null; pid: number }>(
        `SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid = $1::int4::oid AND l.objid = $2::int4::oid AND l.objsubid = 2`,
        [lockClass, key],
      );
      const row = holder.rows[0];
      throw new InstanceLockedError(description, row ? row.application_name?.replace(APP_NAME, '').trim() || `server process ${row.pid}` : undefined);
    }
  } catch (err) {
    released = true;
    await client.end().catch(() => undefined);
    throw err;
  }
  return {
    description,
    async release() {
      if (released) return;
      released = true;
      // Ending the session releases its advisory locks.
      await client.end().catch(() => undefined);
    },
  };
}
