// Where the Prisma schema and the per-database migration histories live, and how the schema
// is turned into its variant for each database (see the header of prisma/schema.prisma).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Provider } from './database-url.ts';

export const PRISMA_DIR = fileURLToPath(new URL('../../prisma/', import.meta.url));
export const SCHEMA_PATH = join(PRISMA_DIR, 'schema.prisma');
export const GENERATED_CLIENTS_DIR = fileURLToPath(new URL('../generated/prisma/', import.meta.url));

export function migrationsDirFor(provider: Provider): string {
  return join(PRISMA_DIR, 'migrations', provider);
}

export function generatedClientDirFor(provider: Provider): string {
  return join(GENERATED_CLIENTS_DIR, provider);
}

// The committed schema is written for SQLite; the PostgreSQL variant differs only in the
// datasource provider. `clientOutput`, when given, replaces the generator's output path.
export function schemaVariant(schemaText: string, provider: Provider, clientOutput?: string): string {
  const datasource = /(datasource\s+db\s*\{[^}]*?provider\s*=\s*)"[^"]*"/;
  if (!datasource.test(schemaText)) {
    throw new Error('expected the schema to have a `datasource db { provider = "..." }` block, found none');
  }
  let text = schemaText.replace(datasource, `$1"${provider}"`);
  if (clientOutput !== undefined) {
    const output = /(generator\s+client\s*\{[^}]*?output\s*=\s*)"[^"]*"/;
    if (!output.test(text)) {
      throw new Error('expected the schema to have a `generator client { output = "..." }` block, found none');
    }
    text = text.replace(output, `$1${JSON.stringify(clientOutput)}`);
  }
  return text;
}
