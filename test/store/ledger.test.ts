// The ledger on SQLite, one database file per test (the same contract runs on PostgreSQL in
// postgres.test.ts).
import { afterEach, describe } from 'vitest';
import { ledgerContract } from './ledger-contract.ts';
import { tempSqliteUrl } from './fixtures.ts';

describe('credit ledger on SQLite', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  ledgerContract(async () => {
    const db = await tempSqliteUrl();
    cleanups.push(db.cleanup);
    return db.url;
  });
});
