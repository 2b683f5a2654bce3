/**
 * Gateway sharding end to end, with separate processes: `npm start` with SHARDS=2 (the sharding
 * manager and its two shard processes, forked by discord.js's ShardingManager), workers
 * (`npm run worker` with a hand on them), a throwaway Redis and PostgreSQL, and the fake Discord
 * routing each guild to its shard's connection. One fair queue serves both shards; a shard
 * SIGKILLed mid-job comes back and loses nothing.
 */
import { expectDeliveredOnce, jobsWithPrompts, releaseInStartOrder } from '../support/exactly-once.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord, type GuildRecord, type InteractionHandle, type UserRecord } from '../../src/sandbox/discord-server/index.ts';
import { openStore } from '../../src/store/index.ts';
import { hasImage } from '../support/bot-harness.ts';
import { botEnvironment, registerCommands } from '../support/bot-environment.ts';
import { spawnBot, type BotProcess } from '../support/bot-process.ts';
import { findPostgres, startPostgres, type PostgresCluster } from '../support/postgres.ts';
import { redisRequirement, startRedis } from '../support/redis.ts';
import { requirement } from '../support/requirements.ts';
import { spawnWorker, type WorkerProcess } from '../support/worker-process.ts';

const LONG = { timeoutMs: 90_000 };
const needsRedis = redisRequirement();
const found = await findPostgres();
const needsPostgres = requirement('PostgreSQL', 'POSTGRES', found.ok ? undefined : found.reason);

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('SHARDS without what several gateway processes need', () => {
  it('refuses to start on SQLite (exit 1), naming DATABASE_URL and why, and without REDIS_URL, naming it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shards-refused-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const base = { PATH: process.env.PATH ?? '', DISCORD_TOKEN: 'x.y.z', DISCORD_CLIENT_ID: '123456789012345678', SHARDS: '2' };
    const onSqlite = spawnBot({ ...base, REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: `file:${path.join(dir, 'bot.db')}` });
    expect(await onSqlite.exited).toBe(1);
    expect(onSqlite.output().stderr).toContain(`SHARDS=2 needs PostgreSQL (DATABASE_URL=postgresql://...): DATABASE_URL is SQLite (file:${path.join(dir, 'bot.db')})`);
    expect(onSqlite.output().stderr).toContain("several gateway processes on it would each resume the others' jobs");
    const noRedis = spawnBot({ ...base, SHARDS: 'auto', DATABASE_URL: 'postgresql://bot@127.0.0.1:1/bot' });
    expect(await noRedis.exited).toBe(1);
    expect(noRedis.output().stderr).toContain('SHARDS=auto needs REDIS_URL');
    expect(noRedis.output().stderr).not.toContain('needs PostgreSQL');
    // Nothing was made on the way out: no database file.
    expect(onSqlite.output().stdout).not.toContain('starting');
  });
});

const missing = needsRedis.missing ?? needsPostgres.missing;
describe.skipIf(missing)(`a sharded gateway (SHARDS=2) ${needsRedis.title}, ${needsPostgres.title}`, () => {
  let postgres: PostgresCluster;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
  });

  interface World {
    discord: FakeDiscord;
    env: Record<string, string>;
    workerEnv: Record<string, string>;
    /** Guilds on shard 0 and shard 1. */
    a: GuildRecord;
    b: GuildRecord;
    start(): Promise<BotProcess>;
    worker(name: string): WorkerProcess;
  }

  /** `shards`: SHARDS; the fake recommends 2, so `auto` is 2 as well. */
  async function world(shards = '2'): Promise<World> {
    const redis = await startRedis();
    // Both shards may identify at once, as Discord lets large bots do (max_concurrency).
    const discord = await FakeDiscord.start({ maxConcurrency: 2, recommendedShards: 2 });
    const dir = mkdtempSync(path.join(tmpdir(), 'sharded-'));
    const a = await guildOnShard(discord, 0);
    const b = await guildOnShard(discord, 1);
    for (const g of [a, b]) await registerCommands(discord, g.id);
    const databaseUrl = await postgres.createDatabase();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...botEnvironment(discord, dir),
      ORT_THREADS: '1',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'shards',
      SHARDS: shards,
      MAX_JOBS_PER_USER: '10',
    };
    const workerEnv = { REDIS_URL: redis.url, REDIS_PREFIX: 'shards', MODEL_DIR: env.MODEL_DIR };
    const processes: Array<BotProcess | WorkerProcess> = [];
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => discord.close(),
      () => redis.stop(),
      async () => {
        if (process.env.DEBUG_E2E) for (const p of processes) console.log(p.output());
        // SIGTERM first: the manager stops its shards (a SIGKILLed manager leaves them to notice on their own).
        for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
        await Promise.race([Promise.all(processes.map((p) => p.exited)), new Promise((r) => setTimeout(r, 20_000))]);
        for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        await Promise.all(processes.map((p) => p.exited));
      },
    );
    return {
      discord,
      env,
      workerEnv,
      a,
      b,
      async start() {
        const bot = spawnBot(env);
        processes.push(bot);
        await bot.waitForOutput('sharding: all 2 shard(s) ready');
        return bot;
      },
      worker(name) {
        const worker = spawnWorker(name, workerEnv);
        processes.push(worker);
        return worker;
      },
    };
  }

  it('SHARDS=auto takes Discord\'s count (2); one worker serves /imagine in servers on both shards, in one fair order across them (A1 B1 A2 B2 A3), and members see their global places', async () => {
    const w = await world('auto');
    const announcer = w.worker('announcer');
    await announcer.ready;
    const bot = await w.start();
    // Both shards connected, each for its own guild.
    expect(w.discord.connectedShards.map((s) => [...s]).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    announcer.child.kill('SIGTERM');
    await announcer.exited;
    await w.discord.waitFor(() => lastLine(bot, '[sharding] global queue: workers ') === 'none', LONG);

    const aMember = w.discord.newMember({ username: 'a-member', guild: w.a });
    const bMember = w.discord.newMember({ username: 'b-member', guild: w.b });
    const handles: InteractionHandle[] = [];
    for (const job of [
      { prompt: 'a one', user: aMember, guild: w.a },
      { prompt: 'a two', user: aMember, guild: w.a },
      { prompt: 'a three', user: aMember, guild: w.a },
      { prompt: 'b one', user: bMember, guild: w.b },
      { prompt: 'b two', user: bMember, guild: w.b },
    ]) {
      const cmd = imagine(w.discord, job.prompt, job.user, job.guild);
      // No worker: every job waits, in line before the next is sent.
      await cmd.waitForOriginal((m) => m.content.startsWith('Queued: position'), LONG);
      handles.push(cmd);
    }
    // Shard 1's members are told their places in the one queue: B1 goes second, B2 fourth.
    expect(handles[3].original?.content).toMatch(/^Queued: position 2\b/);
    expect(handles[4].original?.content).toMatch(/^Queued: position 4\b/);

    const one = w.worker('one');
    const prompts = ['a one', 'a two', 'a three', 'b one', 'b two'];
    const store = await openStore(w.env.DATABASE_URL);
    try {
      await releaseInStartOrder(w.discord, store, [one], prompts);
      for (const cmd of handles) await cmd.waitForOriginal(hasImage, LONG);
      // Marked done once Discord has the post: a moment after the picture shows.
      await w.discord.waitFor(async () => (await jobsWithPrompts(store, prompts)).every((r) => r.status === 'done'), LONG);
      const rows = await jobsWithPrompts(store, prompts);
      expect(rows.sort((x, y) => x.startedAt!.getTime() - y.startedAt!.getTime() || x.id - y.id).map((r) => r.prompt)).toEqual(['a one', 'b one', 'a two', 'b two', 'a three']);
      await expectDeliveredOnce(store, [w.a, w.b].flatMap((g) => w.discord.messages(w.discord.defaultChannel(g))), rows.map((r) => r.id));
    } finally {
      await store.close();
    }
    // SIGTERM: the manager stops its shards, each as a one-process bot stops, and exits 0.
    const shardPids = [...bot.output().stdout.matchAll(/starting shard \d of 2 \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(shardPids.filter(alive)).toEqual([]);
  });

  it('a shard SIGKILLed mid-job is started again: its running job is not made twice, and it and a waiting job are delivered once and charged once', async () => {
    const w = await world();
    const worker = w.worker('only');
    await worker.ready;
    const bot = await w.start();
    const held = worker.hold('running', 2);
    const member = w.discord.newMember({ username: 'b-member', guild: w.b });
    const running = imagine(w.discord, 'a running red circle', member, w.b, 6);
    const runningId = await held.reached;
    await running.waitForOriginal((m) => m.attachments.some((a) => a.filename === 'preview.png'), LONG);
    const waiting = imagine(w.discord, 'a waiting blue star', member, w.b);
    await waiting.waitForOriginal((m) => m.content.startsWith('Queued: position 1'), LONG);

    const pid = Number(/starting shard 1 of 2 \(pid (\d+)\)/.exec(bot.output().stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    // The ShardingManager forks shard 1 again; it logs in and recovers its jobs.
    await w.discord.waitFor(() => (bot.output().stdout.match(/shard 1: logged in as/g) ?? []).length === 2, LONG);
    held.release();
    await running.waitForOriginal(hasImage, LONG);
    await waiting.waitForOriginal(hasImage, LONG);
    // The running job's worker went on with it; the new shard process collected its result.
    expect(worker.started.filter((s) => s.jobId === runningId)).toHaveLength(1);
    expect(bot.output().stderr).toMatch(/shard 1 ended \(SIGKILL\); starting it again/);
    const store = await openStore(w.env.DATABASE_URL);
    try {
      await w.discord.waitFor(async () => (await Promise.all([runningId, runningId + 1].map((id) => store.jobs.get(id)))).every((j) => j?.status === 'done'), LONG);
      await expectDeliveredOnce(store, w.discord.messages(w.discord.defaultChannel(w.b)), [runningId, runningId + 1]);
    } finally {
      await store.close();
    }
    // The other shard was never disturbed: still one session per shard.
    expect(w.discord.connectedShards.map((s) => [...s]).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });
  it('the sharding manager SIGKILLed mid-job: its shards stop too, and the next start delivers the running job (made once) and a waiting one, once each', async () => {
    const w = await world();
    const worker = w.worker('only');
    await worker.ready;
    const first = await w.start();
    const held = worker.hold('running', 2);
    const aMember = w.discord.newMember({ username: 'a-member', guild: w.a });
    const running = imagine(w.discord, 'a running red circle', aMember, w.a, 6);
    const runningId = await held.reached;
    const waiting = imagine(w.discord, 'a waiting blue star', w.discord.newMember({ username: 'b-member', guild: w.b }), w.b);
    await waiting.waitForOriginal((m) => m.content.startsWith('Queued: position 1'), LONG);
    const shardPids = [...first.output().stdout.matchAll(/starting shard \d of 2 \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(shardPids).toHaveLength(2);
    first.child.kill('SIGKILL');
    await first.exited;
    // No shard is left behind holding its servers' jobs with nobody to start them.
    await w.discord.waitFor(() => shardPids.every((pid) => !alive(pid)), LONG);
    held.release();
    await w.discord.waitFor(() => worker.finished.includes(runningId), LONG);
    const again = await w.start();
    await running.waitForOriginal(hasImage, LONG);
    await waiting.waitForOriginal(hasImage, LONG);
    expect(worker.started.filter((s) => s.jobId === runningId)).toHaveLength(1);
    expect(again.output().stderr).toMatch(/\[shard 0\] restart: resumed 1 job\(s\), failed 0/);
    expect(again.output().stderr).toMatch(/\[shard 1\] restart: resumed 1 job\(s\), failed 0/);
    const store = await openStore(w.env.DATABASE_URL);
    try {
      await w.discord.waitFor(async () => (await Promise.all([runningId, runningId + 1].map((id) => store.jobs.get(id)))).every((j) => j?.status === 'done'), LONG);
      await expectDeliveredOnce(store, [w.a, w.b].flatMap((g) => w.discord.messages(w.discord.defaultChannel(g))), [runningId, runningId + 1]);
    } finally {
      await store.close();
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A guild whose events go to `shard` of 2; ids carry their creation time, so a later one may land elsewhere. */
async function guildOnShard(discord: FakeDiscord, shard: number): Promise<GuildRecord> {
  for (;;) {
    const guild = discord.addGuild({ name: `on shard ${shard}` });
    if (discord.shardOf(guild, 2) === shard) return guild;
    await new Promise((r) => setTimeout(r, 1));
  }
}

function imagine(discord: FakeDiscord, prompt: string, user: UserRecord, guild: GuildRecord, steps = 4): InteractionHandle {
  return discord.slashCommand({ name: 'imagine', user, guild: guild.id, options: { prompt, steps, count: 1, seed: 3 } });
}

/** What the last stderr line starting with `prefix` says after it. */
function lastLine(bot: BotProcess, prefix: string): string | undefined {
  const line = bot.output().stderr.split('\n').filter((l) => l.startsWith(prefix)).at(-1);
  return line?.slice(prefix.length).trim();
}
