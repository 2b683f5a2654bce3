// Parameters inside raw SQL shared by SQLite and PostgreSQL. In `INSERT ... SELECT $1` PostgreSQL
// cannot infer a parameter's type from the target column and takes it as text, so values in a
// select list carry an explicit cast; where SQLite would mangle a cast (timestamps, stored as
// ISO-8601 text by the driver adapter) the cast is PostgreSQL-only.
import { sqltag as sql, type Sql } from '@prisma/client/runtime/client';
import type { Provider } from './database-url.ts';

export { sql, type Sql };

export function int(value: number | null): Sql {
  return sql`CAST(${value} AS INTEGER)`;
}

export function text(value: string | null): Sql {
  return sql`CAST(${value} AS TEXT)`;
}

export function timestamp(provider: Provider, value: Date): Sql {
  return provider === 'postgresql' ? sql`CAST(${value} AS TIMESTAMP(3))` : sql`${value}`;
}
