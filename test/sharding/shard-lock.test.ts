/**
 * The instance lock with gateway shards on PostgreSQL: the sharding manager holds the bot's lock,
 * each shard process the lock of its own shard, so the shards of one bot run side by side while a
 * second process of the same shard is refused (or waits for the first to end).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acquireInstanceLock, InstanceLockedError, type InstanceLock } from '../../src/store/instance-lock.ts';
import { findPostgres, startPostgres, type PostgresCluster } from '../support/postgres.ts';
import { requirement } from '../support/requirements.ts';

const found = await findPostgres();
const needs = requirement('PostgreSQL', 'POSTGRES', found.ok ? undefined : found.reason);

describe.skipIf(needs.missing)(`shard locks ${needs.title}`, () => {
  let cluster: PostgresCluster;
  const held: InstanceLock[] = [];
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterEach(async () => {
    for (const lock of held.splice(0)) await lock.release();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('the bot\'s lock and each shard\'s lock are held at once; a second process of the same shard is refused, naming the shard', async () => {
    const url = await cluster.createDatabase();
    held.push(await acquireInstanceLock(url), await acquireInstanceLock(url, { shard: 0 }), await acquireInstanceLock(url, { shard: 1 }));
    const refused = await acquireInstanceLock(url, { shard: 1 }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InstanceLockedError);
    expect((refused as Error).message).toMatch(/^another bot is already running on shard 1 of the PostgreSQL database postgresql:\/\/postgres@127\.0\.0\.1:\d+\/\w+ \(pid \d+ on /);
    // The bot's own lock still refuses a second bot (or a second sharding manager).
    await expect(acquireInstanceLock(url)).rejects.toBeInstanceOf(InstanceLockedError);
  });

  it('with waitMs, a shard\'s next process waits for its old one to let go, then holds the lock', async () => {
    const url = await cluster.createDatabase();
    const old = await acquireInstanceLock(url, { shard: 2 });
    let got = false;
    const next = acquireInstanceLock(url, { shard: 2, waitMs: 30_000 }).then((lock) => {
      got = true;
      return lock;
    });
    // It keeps trying while the old one holds it.
    await new Promise((r) => setTimeout(r, 600));
    expect(got).toBe(false);
    await old.release();
    held.push(await next);
    await expect(acquireInstanceLock(url, { shard: 2 })).rejects.toBeInstanceOf(InstanceLockedError);
  });
});
