/**
 * Every environment variable the configuration reads is in .env.example and in README's table,
 * and neither documents a variable nobody reads: a host reading either learns the whole truth.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../support/repo-paths.ts';

const READ = /(?:str|int|strength|snowflake)\('([A-Z0-9_]+)'|env\.([A-Z0-9_]+)|env\['([A-Z0-9_]+)'\]/g;

/** Set by discord.js's ShardingManager in its shard processes' environment, never by a host. */
const SET_BY_DISCORD_JS = new Set(['SHARDING_MANAGER', 'SHARD_COUNT']);

function variablesRead(): string[] {
  const dir = path.join(repoRoot, 'src', 'config');
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(path.join(dir, file), 'utf8').matchAll(READ)) names.add(m[1] ?? m[2] ?? m[3]);
  }
  return [...names].filter((n) => !SET_BY_DISCORD_JS.has(n)).sort();
}

it('reads the variables that .env.example and README document, no more and no fewer', () => {
  const read = variablesRead();
  expect(read.length).toBeGreaterThan(30);
  const example = readFileSync(path.join(repoRoot, '.env.example'), 'utf8');
  const inExample = [...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const inReadme = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
  expect([...new Set(inExample)].sort()).toEqual(read);
  expect([...new Set(inReadme)].sort()).toEqual(read);
});
