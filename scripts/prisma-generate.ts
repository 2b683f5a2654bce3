// Generates both Prisma clients (SQLite and PostgreSQL) from prisma/schema.prisma, offline.
// Run by `npm install` (postinstall) and `npm run db:generate`; the output is git-ignored.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDERS } from '../src/store/database-url.ts';
import { SCHEMA_PATH, generatedClientDirFor, schemaVariant } from '../src/store/schema-files.ts';

const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');

const env = {
  ...process.env,
  // The CLI downloads a native schema engine before any command, and the download server is
  // unreachable here. Generation never runs the engine, so any existing executable satisfies it.
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  // No telemetry or update checks: they would wait on the network.
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};

const schema = await readFile(SCHEMA_PATH, 'utf8');
const workDir = await mkdtemp(join(tmpdir(), 'prisma-generate-'));
try {
  for (const provider of PROVIDERS) {
    const schemaPath = join(workDir, provider, 'schema.prisma');
    await mkdir(join(workDir, provider), { recursive: true });
    await writeFile(schemaPath, schemaVariant(schema, provider, generatedClientDirFor(provider)));
    const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schemaPath], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      process.stderr.write(result.stdout + result.stderr);
      throw new Error(`expected prisma generate for ${provider} to exit with 0, it exited with ${result.status}`);
    }
    console.log(`prisma client (${provider}) -> ${generatedClientDirFor(provider)}`);
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}
