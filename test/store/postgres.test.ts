// The migration and ledger contracts against a real PostgreSQL: a throwaway cluster started
// for this file, one database per test. Skipped, with the reason in the suite name, when the
// PostgreSQL server binaries are not installed, unless CI or REQUIRE_POSTGRES=1 makes that a failure.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { requirement } from '../support/requirements.ts';
import { findPostgres, startPostgres, type PostgresCluster } from '../support/postgres.ts';
import { ledgerContract } from './ledger-contract.ts';
import { migrationContract } from './migration-contract.ts';
import { ALICE, GUILD, newJob } from './fixtures.ts';

const found = await findPostgres();
const postgres = requirement('PostgreSQL', 'POSTGRES', found.ok ? undefined : found.reason);
const title = postgres.missing ? `on PostgreSQL (skipped: ${postgres.missing})` : 'on PostgreSQL';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe.skipIf(!found.ok)(title, () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  describe('migrations', () => {
    migrationContract({
      provider: 'postgresql',
      freshDatabaseUrl: () => cluster.createDatabase(),
      appliedMigrations: async (url) =>
        (
          await query<{ migration_name: string; finished_at: Date | null }>(
            url,
            'SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name',
          )
        ).map((row) => ({ name: row.migration_name, finished: row.finished_at !== null })),
      tables: async (url) =>
        (await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).map(
          (row) => row.tablename,
        ),
    });
  });

  describe('credit ledger', () => {
    ledgerContract(() => cluster.createDatabase());

    // A ledger insert normally takes well under a millisecond, so unsynchronised reservations
    // would rarely overlap. A trigger that sleeps before each insert holds every statement open
    // after it has read the balance: without the member lock all of them would succeed.
    it('keeps concurrent reservations exact when every ledger insert is slow', async () => {
      const url = await cluster.createDatabase();
      const store = await openStore(url);
      try {
        await query(
          url,
          `CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$;
           CREATE TRIGGER slow_insert BEFORE INSERT ON "QuotaLedger" FOR EACH ROW EXECUTE FUNCTION slow_insert();`,
        );
        const member = { guildId: GUILD, userId: ALICE, periodStart: new Date(0), defaultAllowance: 2 };
        const jobs = await Promise.all(Array.from({ length: 8 }, () => store.jobs.create(newJob())));
        const results = await Promise.all(jobs.map((job) => store.ledger.reserve({ ...member, jobId: job.id, amount: 1 })));
        expect(results.filter((result) => result.ok)).toHaveLength(2);
        expect(await store.ledger.balance(member)).toMatchObject({ dailyUsed: 2, available: 0 });
      } finally {
        await store.close();
      }
    });
  });
});
