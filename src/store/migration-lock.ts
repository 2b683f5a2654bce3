// One migrator at a time per SQLite file. Prisma's engine wants the file exclusively
// (locking_mode=EXCLUSIVE); two engines opening it together each hold the lock the other waits
// for, and both fail once the busy timeout runs out (seen with processes starting together on a
// new database). Prisma locks PostgreSQL itself (an advisory lock) but does nothing for SQLite.
import Database from 'better-sqlite3';

// Callers in this process queue here first: the file lock below blocks the thread while it
// waits, so a second caller in the same process would wait for a holder that cannot run.
const inProcess = new Map<string, Promise<unknown>>();

export async function withSqliteMigrationLock<T>(databaseFile: string, work: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  if (databaseFile === ':memory:') return work();
  const previous = inProcess.get(databaseFile) ?? Promise.resolve();
  const turn = previous.catch(() => {}).then(() => withFileLock(databaseFile, work, timeoutMs));
  inProcess.set(databaseFile, turn);
  try {
    return await turn;
  } finally {
    if (inProcess.get(databaseFile) === turn) inProcess.delete(databaseFile);
  }
}

// Between processes the lock is an exclusive transaction on a small companion file
// (<database>.migration-lock): SQLite's own file locks, which the operating system drops if the
// process dies, so a crash never leaves a stale lock behind. It cannot be the database file
// itself, which the engine needs to itself.
async function withFileLock<T>(databaseFile: string, work: () => Promise<T>, timeoutMs: number): Promise<T> {
  const lock = new Database(`${databaseFile}.migration-lock`, { timeout: timeoutMs });
  try {
    lock.exec('BEGIN EXCLUSIVE');
    try {
      return await work();
    } finally {
      lock.exec('ROLLBACK');
    }
  } finally {
    lock.close();
  }
}
