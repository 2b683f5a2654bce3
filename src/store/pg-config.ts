// Connection settings for PostgreSQL from a postgres:// URL, as discrete pg options.
import type pg from 'pg';

// Discrete fields rather than pg's `connectionString`: pg lets a connection string override every
// other field, so the pg adapter's shadow database (`{ ...config, database: shadow }`, used when
// the schema engine replays migrations) would silently land in the main database.
export function pgPoolConfig(databaseUrl: string): pg.PoolConfig & { schema?: string } {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('expected a PostgreSQL URL like postgresql://user:password@host:5432/database, got one that does not parse');
  }
  const params = url.searchParams;
  const config: pg.PoolConfig & { schema?: string } = {
    host: params.get('host') ?? (decodeURIComponent(url.hostname) || 'localhost'),
    port: url.port ? Number(url.port) : 5432,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined,
  };
  const sslmode = params.get('sslmode');
  if (sslmode && sslmode !== 'disable') {
    // require/prefer encrypt without checking the certificate, as libpq does; verify-* check it.
    config.ssl = { rejectUnauthorized: sslmode.startsWith('verify') };
  }
  const schema = params.get('schema');
  if (schema) config.schema = schema;
  return config;
}
