/**
 * Wires the bot together: model, database, queue, services, Discord. `startBot` is what
 * `npm start` runs, and what the end-to-end tests run against a local Discord-compatible server.
 */
import { Events, type Client } from 'discord.js';
import { once } from 'node:events';
import path from 'node:path';
import type { Config } from './config/config.ts';
import type { DiffusionPipeline } from './diffusion/pipeline.ts';
import type { BotContext } from './discord/bot-context.ts';
import { createDiscordClient } from './discord/discord-client.ts';
import { registerEventHandlers } from './discord/event-handlers.ts';
import { presenterFor, submitJob, type SubmissionDeps } from './discord/job-submission.ts';
import { FairScheduler, type Scheduler } from './queue/index.ts';
import { DeliveryStage } from './services/delivery.ts';
import { LocalInference, type InferenceStatus } from './services/inference.ts';
import { startGateway, type Gateway } from './remote/gateway.ts';
import { UserError } from './services/user-error.ts';
import { ImageRetention } from './services/image-retention.ts';
import { JobService } from './services/job-service.ts';
import { uploadPng } from './services/upload-source.ts';
import { configuredRegistry, folderLoader, releaseSessions, type ModelRegistry } from './services/model-registry.ts';
import { ModerationService } from './services/moderation-service.ts';
import { MemberSettingsService } from './services/member-settings.ts';
import { QuotaService } from './services/quota-service.ts';
import { ImageFiles, openStore, type Store } from './store/index.ts';
import { acquireInstanceLock, type InstanceLock } from './store/instance-lock.ts';
import { connectToManager } from './sharding/manager-link.ts';
import { shardOf } from './sharding/shard-of.ts';

export const DISCORD_TOKEN_LIFETIME_MS = 15 * 60_000;

export interface StartOptions {
  /** Reuse a loaded model for the model whose folder it was loaded from (tests load it once per file); it is never unloaded. */
  pipeline?: DiffusionPipeline;
  /** Interaction token lifetime; Discord's is 15 minutes (tests shorten it). */
  tokenLifetimeMs?: number;
  /** Clock for quota periods and the spacing of reaction refusals (tests move it). */
  now?: () => Date;
  /** Clock for interaction-token expiry and preview pacing, in ms (tests move it past a token's life). */
  clock?: () => number;
  log?: (message: string, err?: unknown) => void;
  /** Debug lines (reaction refusals not posted); none by default. */
  debug?: (message: string) => void;
  /** Something broke that leaves two bots possible (the PostgreSQL instance lock was lost); npm start stops. */
  onFatal?: (what: string, err: unknown) => void;
  /** Gateway: how often the workers' signs of life are read (tests read them often). */
  workerPollMs?: number;
}

export interface RunningBot {
  client: Client;
  store: Store;
  jobs: JobService;
  /** This process's fair queue, or (a gateway shard) its proxy of the sharding manager's one queue. */
  scheduler: Scheduler;
  context: BotContext;
  recovered: { resumed: number; failed: number };
  /** Present when IMAGE_RETENTION_DAYS is set. */
  retention?: ImageRetention;
  /**
   * Disconnect. Generation stops at once (waiting and running jobs are resumed by the next start);
   * results being posted get DELIVERY_SHUTDOWN_WAIT_MS (or `deliveryWaitMs`) to arrive, the rest
   * are posted by the next start.
   */
  stop(options?: { deliveryWaitMs?: number }): Promise<void>;
}

const defaultLog = (message: string, err?: unknown) => console.error(`[bot] ${message}`, err instanceof Error ? err.message : (err ?? ''));

export async function startBot(config: Config, opts: StartOptions = {}): Promise<RunningBot> {
  const log = opts.log ?? defaultLog;
  // One process per database, before anything is loaded: a second bot refuses at once (exit 1 in npm start).
  // A gateway shard locks its own shard: the sharding manager holds the bot's lock.
  const shard = config.sharding?.role === 'shard' ? config.sharding.id : undefined;
  const lock = await acquireInstanceLock(config.databaseUrl, { onLost: (err) => (opts.onFatal ?? log)('instance lock lost', err), shard, waitMs: shard === undefined ? 0 : 30_000 });
  try {
    return await startLocked(config, opts, log, lock);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function startLocked(config: Config, opts: StartOptions, log: NonNullable<StartOptions['log']>, lock: InstanceLock): Promise<RunningBot> {
  const given = opts.pipeline;
  const loadFolder = folderLoader(config.model, log);
  const models = configuredRegistry({
    models: config.models,
    runtime: config.model,
    log,
    load: (entry) =>
      // A gateway never loads a model: it plans with what its workers announced.
      config.redis
        ? Promise.reject(new UserError('model.no-worker', `no worker serving the model "${entry.name}" has started yet, so its jobs cannot be planned; nothing was queued or charged`))
        : given && path.resolve(entry.dir) === path.resolve(given.info.dir)
          ? Promise.resolve(given)
          : loadFolder(entry),
    unload: (_entry, pipeline) => (pipeline === given ? Promise.resolve() : releaseSessions(pipeline)),
  });
  const gateway = config.redis ? await startGateway(config, { models, log, pollMs: opts.workerPollMs }) : undefined;
  try {
    return await startWith(config, opts, log, lock, models, gateway);
  } catch (err) {
    await gateway?.close();
    throw err;
  }
}

async function startWith(config: Config, opts: StartOptions, log: NonNullable<StartOptions['log']>, lock: InstanceLock, models: ModelRegistry, gateway: Gateway | undefined): Promise<RunningBot> {
  // The default model loads at start, as a single model always did: a broken folder stops the
  // start with its error, and the first job does not wait. The others load on first use. A
  // gateway has its sizes and defaults from the workers instead.
  const info = gateway ? gateway.defaultInfo : (await models.planner(config.models.defaultName)).info;
  const store = await openStore(config.databaseUrl, opts.now ? { now: opts.now } : {});
  // Limits come from each server's settings and are checked by the job service. On a gateway,
  // slots are the workers alive, and a job starts only where a worker serves its model.
  // A gateway shard's jobs wait in the sharding manager's one queue, fair across all shards.
  const sharding = config.sharding?.role === 'shard' ? config.sharding : undefined;
  const owns = sharding && ((guildId: string) => shardOf(guildId, sharding.count) === sharding.id);
  const manager = sharding && connectToManager(log);
  let scheduler: Scheduler;
  if (manager) scheduler = manager.queue;
  else {
    const local = new FairScheduler({ slots: gateway ? 1 : config.queue.slots, canStart: gateway?.directory.canStart });
    gateway?.attach(local);
    scheduler = local;
  }
  const { defaults } = info;
  const quota = new QuotaService(
    store,
    {
      defaultDaily: config.quota.defaultDaily,
      resetHourUtc: config.quota.resetHourUtc,
      costPerImage: config.quota.costPerImage,
      creditMode: config.quota.creditMode,
      referenceJob: { steps: defaults.steps, width: defaults.width ?? info.sizes.nativeWidth, height: defaults.height ?? info.sizes.nativeHeight },
    },
    opts.now,
  );
  const moderation = new ModerationService(store);
  // A moderator's /mod pause outlives a restart: pause before recovered jobs are queued again.
  for (const guildId of await moderation.pausedGuilds()) if (!owns || owns(guildId)) scheduler.pause(guildId);
  const files = new ImageFiles(config.imageDir);
  const delivery = new DeliveryStage({ store, files, quota, concurrency: config.delivery.concurrency, log });
  const jobs = new JobService({
    models,
    store,
    scheduler,
    files,
    quota,
    delivery,
    inference: gateway ? gateway.inference : new LocalInference(models, (m) => log(m)),
    ownSource: (job) => uploadPng(files, job),
    limits: { maxQueuePerGuild: config.queue.maxQueuePerGuild, maxJobsPerUser: config.queue.maxJobsPerUser },
    varyStrengths: config.vary,
    log,
  });
  const settings = new MemberSettingsService(store, models);
  const client = createDiscordClient(config.discord.apiUrl);
  const deps: SubmissionDeps = {
    rest: client.rest,
    applicationId: () => client.application?.id ?? config.discord.clientId,
    jobs,
    moderation,
    settings,
    previewIntervalMs: config.queue.previewIntervalMs,
    maxPermutations: config.queue.maxPermutations,
    tokenLifetimeMs: opts.tokenLifetimeMs ?? DISCORD_TOKEN_LIFETIME_MS,
    clock: opts.clock,
    log,
  };
  const inferenceStatus = (): InferenceStatus => gateway?.status() ?? { mode: 'local', slots: config.queue.slots };
  const context: BotContext = { config, jobs, quota, moderation, settings, inferenceStatus, submitJob: (i, ask) => submitJob(deps, i, ask) };
  const now = opts.now;
  registerEventHandlers(client, context, deps, { ...(now ? { now: () => now().getTime() } : {}), debug: opts.debug });
  client.on(Events.Error, (err) => log('discord client error', err));

  const ready = once(client, Events.ClientReady);
  await client.login(config.discord.token);
  await ready;
  // Only once Discord answers can restored jobs show anything.
  const recovered = await jobs.recover((job) => presenterFor(deps, job), owns);
  manager?.queue.recovered();
  if (recovered.resumed || recovered.failed) log(`restart: resumed ${recovered.resumed} job(s), failed ${recovered.failed}`);
  // One sweep of the image folder is enough: with shards, shard 0 does it.
  const retention = config.imageRetentionDays === null || (sharding && sharding.id !== 0) ? undefined : new ImageRetention({ files, store, days: config.imageRetentionDays, now: opts.now, log });
  retention?.start();

  return {
    client,
    store,
    jobs,
    scheduler,
    context,
    recovered,
    retention,
    async stop(options = {}) {
      retention?.stop();
      // Unfinished jobs stay queued/running/generated in the database and are resumed on the next start.
      await jobs.halt(options.deliveryWaitMs ?? config.delivery.shutdownWaitMs);
      await client.destroy();
      // Jobs running on workers go on; their results wait in Redis for the next start.
      await gateway?.close();
      await models.close();
      await store.close();
      manager?.close();
      await lock.release();
    },
  };
}
