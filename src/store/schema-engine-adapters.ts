// Driver adapters for the schema engine, with the fixes the engine needs on top of Prisma's
// adapters (each explained where it is made). The bot's own client does not use these.
import { randomUUID } from 'node:crypto';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DatabaseTarget } from './database-url.ts';
import { pgPoolConfig } from './pg-config.ts';

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

// The engine reads PostgreSQL's catalogs, whose one-byte `"char"` columns (relkind, contype, ...)
// the pg adapter rejects as an unsupported type ("Column type 'char' could not be deserialized").
// pg already returns their values as one-character strings, so announcing them as text is exact.
class CatalogCharAsTextClient extends pg.Client {
  // One loose signature stands for pg's overloads. The pool calls it with a callback,
  // a pool client without: both paths get the fix-up.
  override query(...args: any[]): any {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (error: Error | null, result?: pg.QueryResult) => void;
      args[last] = (error: Error | null, result?: pg.QueryResult) => callback(error, result && charAsText(result));
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(charAsText) : result;
  }
}

function charAsText(result: pg.QueryResult): pg.QueryResult {
  for (const field of result?.fields ?? []) {
    if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
  }
  return result;
}

export function adapterFactoryFor(target: DatabaseTarget): SqlMigrationAwareDriverAdapterFactory {
  if (target.provider === 'sqlite') {
    // The engine holds the file exclusively while it migrates; a process starting meanwhile
    // waits this long for it.
    const factory = new PrismaBetterSqlite3({ url: target.filePath, timeout: 30_000 });
    return {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: () => factory.connect(),
      connectToShadowDb: async () => scriptsAsScripts(await factory.connectToShadowDb()),
    };
  }
  const { schema, ...config } = pgPoolConfig(target.url);
  const options = schema ? { schema } : undefined;
  const factory = new PrismaPg({ ...config, Client: CatalogCharAsTextClient }, options);
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => factory.connect(),
    connectToShadowDb: () => connectPgShadow(config, options),
  };
}

// The engine replays a migration into SQLite's shadow database as one executeRaw call, which
// better-sqlite3 refuses ("contains more than one statement"). A parameterless call is a script
// here; executeScript runs it whole.
function scriptsAsScripts(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    if (query.args.length > 0) return executeRaw(query);
    await adapter.executeScript(query.sql);
    return 0;
  };
  return adapter;
}

// The adapter's own shadow database is dropped while its pool still holds a connection, which
// PostgreSQL refuses ("is being accessed by other users"); this one closes the pool first.
async function connectPgShadow(config: pg.PoolConfig, options: { schema: string } | undefined): Promise<SqlDriverAdapter> {
  const admin = await new PrismaPg({ ...config, Client: CatalogCharAsTextClient }).connect();
  const name = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
  try {
    await admin.executeScript(`CREATE DATABASE "${name}"`);
    const shadow: SqlDriverAdapter = await new PrismaPg(
      { ...config, database: name, Client: CatalogCharAsTextClient },
      options,
    ).connect();
    const closeShadow = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      try {
        await closeShadow();
        await admin.executeScript(`DROP DATABASE IF EXISTS "${name}"`);
      } finally {
        await admin.dispose();
      }
    };
    return shadow;
  } catch (error) {
    await admin.dispose();
    throw error;
  }
}
