// Which database a DATABASE_URL names, and how PostgreSQL URLs become connection settings.
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { parseDatabaseUrl, DEFAULT_DATABASE_URL } from '../../src/store/index.ts';
import { pgPoolConfig } from '../../src/store/pg-config.ts';

it('defaults to the SQLite file data/bot.db under the working directory', () => {
  expect(DEFAULT_DATABASE_URL).toBe('file:./data/bot.db');
  expect(parseDatabaseUrl()).toEqual({ provider: 'sqlite', url: 'file:./data/bot.db', filePath: resolve('data/bot.db') });
  expect(parseDatabaseUrl('file:/srv/bot/bot.db?mode=rwc')).toMatchObject({ provider: 'sqlite', filePath: '/srv/bot/bot.db' });
});

it('takes postgres:// and postgresql:// URLs as PostgreSQL', () => {
  expect(parseDatabaseUrl('postgres://bot:pw@db:5432/bot')).toEqual({ provider: 'postgresql', url: 'postgres://bot:pw@db:5432/bot' });
  expect(parseDatabaseUrl('postgresql://db/bot').provider).toBe('postgresql');
});

it('refuses other URLs without repeating their password', () => {
  expect(() => parseDatabaseUrl('mysql://bot:secret@db/bot')).toThrow(
    'expected the database URL to start with file:, postgres:// or postgresql://, got "mysql://bot:***@db/bot"',
  );
  expect(() => parseDatabaseUrl('file:')).toThrow('expected a file path after "file:" in the database URL, got "file:"');
});

it('reads host, port, credentials, database, sslmode and schema from a PostgreSQL URL', () => {
  expect(pgPoolConfig('postgresql://bot:p%40ss@db.example:6543/imagine?sslmode=require&schema=bot')).toEqual({
    host: 'db.example',
    port: 6543,
    user: 'bot',
    password: 'p@ss',
    database: 'imagine',
    ssl: { rejectUnauthorized: false },
    schema: 'bot',
  });
  expect(pgPoolConfig('postgres://localhost/bot?host=/var/run/postgresql')).toMatchObject({
    host: '/var/run/postgresql',
    port: 5432,
    database: 'bot',
  });
});
