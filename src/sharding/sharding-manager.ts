/**
 * `npm start` with SHARDS: discord.js's ShardingManager runs one gateway process per shard (each
 * a whole gateway for its servers: commands, store, presenting, delivery), and this process keeps
 * the one global fair queue of all of them (global-queue.ts), releasing a job only when a worker
 * serving its model is free.
 *
 * Why the queue lives here rather than in a shard elected through Redis or PostgreSQL: the
 * manager exists exactly once and already talks to every shard over IPC, so there is nothing to
 * elect and no leader to lose; when it dies, its shards end too (they watch the IPC channel), and
 * the next start recovers every job from the database, as after a one-process restart.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShardingManager, type Shard } from 'discord.js';
import type { Config } from '../config/config.ts';
import { WorkerDirectory } from '../remote/worker-directory.ts';
import { acquireInstanceLock } from '../store/instance-lock.ts';
import { fetchGatewayBot } from './gateway-bot.ts';
import { GlobalQueue } from './global-queue.ts';
import { isEnvelope, type ShardMessage } from './protocol.ts';

/** Discord lets each identify bucket start one session per 5 seconds. */
const IDENTIFY_SPACING_MS = 5_500;

export interface ShardingOptions {
  /** The file each shard process runs (src/main.ts, which sees it is a shard). */
  script: string;
  /** Node options for the shard processes (the TypeScript loader). */
  execArgv: string[];
  log: (message: string, err?: unknown) => void;
  /** Something broke that leaves two bots possible (the instance lock was lost). */
  onFatal: (what: string, err: unknown) => void;
  /** How often the workers' signs of life are read. */
  workerPollMs?: number;
}

export interface RunningShards {
  readonly count: number;
  readonly queue: GlobalQueue;
  /** Stops every shard (each stops as a one-process bot does), then the manager. */
  stop(): Promise<void>;
}

export async function startShards(config: Config, options: ShardingOptions): Promise<RunningShards> {
  const { log } = options;
  if (config.sharding?.role !== 'manager' || !config.redis) throw new Error('startShards needs SHARDS and REDIS_URL');
  // The bot's own lock: no one-process bot and no other sharding manager on this database.
  const lock = await acquireInstanceLock(config.databaseUrl, { onLost: (err) => options.onFatal('instance lock lost', err) });
  let directory: WorkerDirectory | undefined;
  try {
    const gatewayBot = await fetchGatewayBot(config.discord.token, config.discord.apiUrl);
    const count = config.sharding.shards === 'auto' ? gatewayBot.shards : config.sharding.shards;
    if (gatewayBot.remaining < count) {
      throw new Error(
        `Discord lets this bot start ${gatewayBot.remaining} more gateway session(s) until ${new Date(Date.now() + gatewayBot.resetAfterMs).toISOString()}, fewer than the ${count} shards (SHARDS=${config.sharding.shards}) need`,
      );
    }
    let queue: GlobalQueue | undefined;
    directory = new WorkerDirectory({
      redisUrl: config.redis.url,
      prefix: config.redis.prefix,
      pollMs: options.workerPollMs,
      log,
      onChange: (workers) => {
        log(`global queue: workers ${workers.length ? workers.map((w) => `${w.name} (${w.models.join(', ')})`).join('; ') : 'none'}`);
        queue?.scheduler.setSlots(workers.length);
        queue?.scheduler.wake();
      },
    });
    queue = new GlobalQueue({ shardCount: count, canStart: directory.canStart });
    await directory.start();
    queue.scheduler.setSlots(directory.workers.length);
    const shards = await spawnShards(config, options, queue, count, gatewayBot.maxConcurrency);
    const dir = directory;
    return {
      count,
      queue,
      async stop() {
        shards.respawn = false;
        await Promise.all([...shards.shards.values()].map((shard) => stopShard(shard)));
        await dir.stop();
        await lock.release();
      },
    };
  } catch (err) {
    await directory?.stop();
    await lock.release();
    throw err;
  }
}

async function spawnShards(config: Config, options: ShardingOptions, queue: GlobalQueue, count: number, maxConcurrency: number): Promise<ShardingManager> {
  const { log } = options;
  const manager = new ShardingManager(options.script, {
    totalShards: count,
    token: config.discord.token,
    execArgv: options.execArgv,
    mode: 'process',
    // Off until every shard was ready once: a shard that cannot start (a lock held, a bad
    // setting) stops the start instead of being forked again and again.
    respawn: false,
  });
  let starting = true;
  let startFailed: ((err: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (startFailed = reject));
  failed.catch(() => undefined);
  manager.on('shardCreate', (shard: Shard) => {
    // mode 'process': each shard is a ChildProcess, never a Worker.
    shard.on('spawn', (spawned) => {
      const child = spawned as ChildProcess;
      // Messages are bound to this process of the shard: a dead one's last words are not the next one's.
      const token = queue.connect(shard.id, (message) => void shard.send({ fairQueue: message }).catch((err: unknown) => log(`shard ${shard.id}: could not send`, err)));
      child.on('message', (message: unknown) => {
        if (isEnvelope<ShardMessage>(message)) queue.receive(shard.id, message.fairQueue, token);
      });
    });
    shard.on('death', (died) => {
      const child = died as ChildProcess;
      queue.disconnect(shard.id);
      if (starting) startFailed?.(new Error(`shard ${shard.id} ended before it was ready (exit code ${child.exitCode ?? child.signalCode})`));
      else if (manager.respawn) log(`shard ${shard.id} ended (${child.exitCode ?? child.signalCode}); starting it again`);
    });
    shard.on('ready', () => log(`shard ${shard.id} of ${count} ready`));
  });
  try {
    // Shards in one identify bucket (id modulo max_concurrency) start 5 s apart, as Discord requires.
    for (let first = 0; first < count; first += maxConcurrency) {
      if (first > 0) await sleep(IDENTIFY_SPACING_MS);
      const batch: Array<Promise<unknown>> = [];
      for (let id = first; id < Math.min(count, first + maxConcurrency); id++) {
        const shard = manager.createShard(id);
        const ready = once(shard, 'ready');
        // -1: no time limit; a shard waits for a worker before it logs in.
        await shard.spawn(-1);
        batch.push(ready);
      }
      await Promise.race([Promise.all(batch), failed]);
    }
  } catch (err) {
    starting = false;
    await Promise.all([...manager.shards.values()].map((shard) => stopShard(shard)));
    throw err;
  }
  starting = false;
  manager.respawn = true;
  return manager;
}

/** SIGTERM, and the shard stops as a one-process bot does; its exit is awaited. */
async function stopShard(shard: Shard): Promise<void> {
  const child = shard.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  shard.kill();
  await exited;
}
