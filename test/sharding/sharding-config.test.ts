/** SHARDS as `npm start` reads it: unset, auto or a number; what several gateway processes need; a shard's own id. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

const PG = 'postgresql://bot@db.example:5432/bot';
const REDIS = 'redis://127.0.0.1:6379';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('SHARDS', () => {
  it('unset: one gateway process, as before, on SQLite with nothing else', () => {
    expect(loadConfig({}).sharding).toBeNull();
  });

  it('auto or a number: the sharding manager, with PostgreSQL and Redis', () => {
    expect(loadConfig({ SHARDS: 'auto', DATABASE_URL: PG, REDIS_URL: REDIS }).sharding).toEqual({ role: 'manager', shards: 'auto' });
    expect(loadConfig({ SHARDS: '4', DATABASE_URL: PG, REDIS_URL: REDIS }).sharding).toEqual({ role: 'manager', shards: 4 });
  });

  it('refuses a value that is neither, naming it and what is allowed', () => {
    for (const bad of ['0', '-1', '2.5', 'two', '1025']) {
      expect(problems({ SHARDS: bad, DATABASE_URL: PG, REDIS_URL: REDIS })).toEqual([
        `SHARDS must be auto (Discord's recommended count) or a whole number from 1 to 1024, got "${bad}"`,
      ]);
    }
  });

  it('refuses SQLite and a missing REDIS_URL, saying why each is needed', () => {
    expect(problems({ SHARDS: '2' })).toEqual([
      'SHARDS=2 needs REDIS_URL: the shards share one fair queue whose jobs run on workers (npm run worker) through Redis',
      "SHARDS=2 needs PostgreSQL (DATABASE_URL=postgresql://...): DATABASE_URL is SQLite (file:./data/bot.db), a file for one process, and several gateway processes on it would each resume the others' jobs. Leave SHARDS unset to run one gateway on SQLite",
    ]);
  });

  it('refuses INFERENCE_SLOTS beside SHARDS: each shard would load the models', () => {
    expect(problems({ SHARDS: '2', DATABASE_URL: PG, REDIS_URL: REDIS, INFERENCE_SLOTS: '1' })).toEqual([
      'INFERENCE_SLOTS=1 with SHARDS: every shard process would run its own workers and load the models; leave INFERENCE_SLOTS unset and run npm run worker processes instead',
    ]);
  });

  it('in a process the ShardingManager forked, SHARDS is the shard\'s id and SHARD_COUNT the count', () => {
    expect(loadConfig({ SHARDING_MANAGER: 'true', SHARDS: '1', SHARD_COUNT: '3', DATABASE_URL: PG, REDIS_URL: REDIS }).sharding).toEqual({ role: 'shard', id: 1, count: 3 });
    expect(problems({ SHARDING_MANAGER: 'true', SHARDS: '3', SHARD_COUNT: '3', DATABASE_URL: PG, REDIS_URL: REDIS })).toEqual([
      'this process was started as a shard, but SHARDS="3" and SHARD_COUNT="3" are not a shard id below the shard count',
    ]);
  });
});
