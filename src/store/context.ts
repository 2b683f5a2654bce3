// What every repository of the store works with: the Prisma client, the database kind and a clock.
import type { PrismaClient, Prisma } from '../generated/prisma/sqlite/client.ts';
import type { Provider } from './database-url.ts';

// Both generated clients (SQLite and PostgreSQL) come from the same models, so their model APIs
// are the same; the store is typed against the SQLite one and uses nothing provider-specific
// from it (raw SQL that differs per database goes through src/store/sql-values.ts).
export type Db = PrismaClient;

// A client or an open transaction: raw statements run on either.
export type Executor = Db | Prisma.TransactionClient;

export interface StoreContext {
  readonly db: Db;
  readonly provider: Provider;
  // Timestamps of rows; tests move it to cross quota periods.
  readonly now: () => Date;
}
