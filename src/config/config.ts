/**
 * Configuration, parsed once from the environment (and `.env` via dotenv) into a typed, frozen
 * object. Every missing or malformed value is reported at once, naming the variable and what is
 * allowed. Nothing else in the project reads process.env.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { redactUrl } from '../text/redact-url.ts';

export interface Config {
  discord: {
    /** Bot token; empty when only the CLI is used. Never logged. */
    token: string;
    clientId: string;
    devGuildId?: string;
    /** REST base, e.g. https://discord.com/api (discord.js appends /v10). */
    apiUrl?: string;
  };
  databaseUrl: string;
  imageDir: string;
  /** Image files older than this many days are deleted (buttons then regenerate them); null keeps them forever. */
  imageRetentionDays: number | null;
  /** How models run; `dir` is the default model's folder (the CLI and benchmarks use it). */
  model: { dir: string; provider: 'cpu' | 'cuda'; deviceId: number; threads: number; maxBatch: number };
  /**
   * Scale-out: with a Redis URL, `npm start` is the gateway (Discord, store, fair order) and
   * `npm run worker` processes run the models. Null: one process does everything.
   */
  redis: { url: string; prefix: string } | null;
  /**
   * Gateway sharding (SHARDS). `manager`: `npm start` runs discord.js's ShardingManager, one
   * process per shard, and the one fair queue of all shards. `shard`: this process is one of
   * those shards (discord.js's ShardingManager sets SHARDS to the shard's id in its env). Null:
   * one gateway process for every server, as before.
   */
  sharding: { role: 'manager'; shards: number | 'auto' } | { role: 'shard'; id: number; count: number } | null;
  /** The models the bot offers (MODELS, or MODEL_DIR alone). */
  models: {
    list: readonly ModelEntry[];
    /** Name of the model a job gets when neither the member nor the server chose one. */
    defaultName: string;
    /** Models kept in memory at once; the least recently used idle one is unloaded to make room. */
    maxLoaded: number;
  };
  queue: {
    previewIntervalMs: number;
    maxQueuePerGuild: number;
    maxJobsPerUser: number;
    /** Inference slots in this process: 1 by default alone; 0 by default on a gateway (its workers run the jobs). */
    slots: number;
    /** Jobs one /imagine with {a, b} permutations may become. */
    maxPermutations: number;
  };
  /** Posting results, apart from the inference slots. */
  delivery: {
    /** Results posted at once. */
    concurrency: number;
    /** How long shutdown lets results being posted arrive before it stops (the next start posts the rest). */
    shutdownWaitMs: number;
  };
  quota: {
    defaultDaily: number;
    resetHourUtc: number;
    /** Credits per image made, by kind of job (per default-sized image in compute mode). */
    costPerImage: { imagine: number; reroll: number; upscale: number; vary: number; zoom: number; pan: number };
    /** `image`: every image costs the same; `compute`: images are weighed by steps × pixels against the model's default job. */
    creditMode: 'image' | 'compute';
  };
  /** img2img strengths of the Vary (Strong) and Vary (Subtle) buttons on a single image. */
  vary: { strong: number; subtle: number };
}

/** One model the bot offers: the name members pick it by, and its folder. */
export interface ModelEntry {
  name: string;
  dir: string;
}

/** Discord offers at most 25 choices for an option. */
export const MAX_MODELS = 25;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}\nSee .env.example for every variable.`);
  }
}

export const DEFAULT_MODEL_DIR = 'models/tiny-shapes';

const SNOWFLAKE = /^\d{17,20}$/;

export function loadConfig(env: Record<string, string | undefined> = process.env, { requireDiscord = false } = {}): Config {
  const problems: string[] = [];
  const str = (name: string, fallback = ''): string => (env[name] ?? '').trim() || fallback;
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (!raw) return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return v;
  };
  /** A fraction in (0, 1]: img2img strength. */
  const strength = (name: string, fallback: number): number => {
    const raw = str(name);
    if (!raw) return fallback;
    const v = Number(raw);
    if (!/^\d*\.?\d+$/.test(raw) || !(v > 0 && v <= 1)) {
      problems.push(`${name} must be a number above 0 and at most 1 (the share of the image repainted), got "${raw}"`);
      return fallback;
    }
    return v;
  };
  const snowflake = (name: string, required: boolean): string | undefined => {
    const raw = str(name);
    if (!raw) {
      if (required) problems.push(`${name} is not set: the application id from the Discord developer portal`);
      return undefined;
    }
    if (!SNOWFLAKE.test(raw)) problems.push(`${name} must be a Discord id (17 to 20 digits), got "${raw}"`);
    return raw;
  };

  const token = str('DISCORD_TOKEN');
  if (requireDiscord && !token) problems.push('DISCORD_TOKEN is not set: the bot token from the Discord developer portal (Bot > Reset Token)');
  const clientId = snowflake('DISCORD_CLIENT_ID', requireDiscord) ?? '';
  const devGuildId = snowflake('DEV_GUILD_ID', false);
  const apiUrl = str('DISCORD_API_URL') || undefined;
  if (apiUrl && !/^https?:\/\/[^/\s]+/.test(apiUrl)) problems.push(`DISCORD_API_URL must be an http(s) URL, got "${apiUrl}"`);

  const databaseUrl = str('DATABASE_URL', 'file:./data/bot.db');
  if (!/^(file:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    problems.push(`DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL), got "${redactUrl(databaseUrl)}"`);
  }
  const provider = str('ORT_PROVIDER', 'cpu');
  if (provider !== 'cpu' && provider !== 'cuda') problems.push(`ORT_PROVIDER must be cpu or cuda, got "${provider}"`);

  const creditMode = str('CREDIT_MODE', 'image');
  if (creditMode !== 'image' && creditMode !== 'compute') problems.push(`CREDIT_MODE must be image or compute, got "${creditMode}"`);

  const redisUrl = str('REDIS_URL');
  if (redisUrl && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) problems.push(`REDIS_URL must start with redis:// or rediss:// (TLS), got "${redactUrl(redisUrl)}"`);
  const redisPrefix = str('REDIS_PREFIX', 'imagine-bot');
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(redisPrefix)) problems.push(`REDIS_PREFIX must be 1 to 64 letters, digits, dots, dashes or underscores, got "${redisPrefix}"`);

  const sharding = parseSharding(str, databaseUrl, redisUrl, problems);

  const modelDir = path.resolve(str('MODEL_DIR', DEFAULT_MODEL_DIR));
  const models = parseModels(str('MODELS'), str('MODEL_DIR'), modelDir, str('DEFAULT_MODEL'), problems);
  const maxLoaded = int('MAX_LOADED_MODELS', 1, 1, MAX_MODELS);

  const config: Config = {
    discord: { token, clientId, devGuildId, apiUrl },
    databaseUrl,
    imageDir: path.resolve(str('IMAGE_DIR', 'data/images')),
    imageRetentionDays: int('IMAGE_RETENTION_DAYS', 0, 0, 36_500) || null,
    model: {
      dir: models.list.find((m) => m.name === models.defaultName)?.dir ?? modelDir,
      provider: provider === 'cuda' ? 'cuda' : 'cpu',
      deviceId: int('ORT_DEVICE_ID', 0, 0, 63),
      threads: int('ORT_THREADS', 0, 0, 256),
      maxBatch: int('UNET_MAX_BATCH', 8, 1, 64),
    },
    models: { ...models, maxLoaded },
    redis: redisUrl ? { url: redisUrl, prefix: redisPrefix } : null,
    sharding,
    queue: {
      previewIntervalMs: int('PREVIEW_INTERVAL_MS', 2000, 250, 60_000),
      maxQueuePerGuild: int('MAX_QUEUE_PER_GUILD', 20, 1, 1000),
      // 4: a default permutation ({a, b} {c, d}, MAX_PERMUTATIONS) must fit in one member's limit.
      maxJobsPerUser: int('MAX_JOBS_PER_USER', 4, 1, 100),
      // A gateway runs no inference unless asked: its workers do.
      slots: redisUrl ? int('INFERENCE_SLOTS', 0, 0, 16) : int('INFERENCE_SLOTS', 1, 1, 16),
      maxPermutations: int('MAX_PERMUTATIONS', 4, 1, 16),
    },
    delivery: {
      concurrency: int('DELIVERY_CONCURRENCY', 4, 1, 64),
      shutdownWaitMs: int('DELIVERY_SHUTDOWN_WAIT_MS', 30_000, 0, 600_000),
    },
    quota: {
      defaultDaily: int('DEFAULT_DAILY_QUOTA', 40, 0, 1_000_000),
      resetHourUtc: int('QUOTA_RESET_HOUR_UTC', 0, 0, 23),
      costPerImage: {
        imagine: int('CREDITS_PER_IMAGE', 1, 0, 1000),
        reroll: int('CREDITS_PER_IMAGE', 1, 0, 1000),
        upscale: int('CREDITS_PER_UPSCALE', 1, 0, 1000),
        vary: int('CREDITS_PER_VARIATION', 1, 0, 1000),
        // Zoom Out and Pan are img2img variations of one image: charged like one.
        zoom: int('CREDITS_PER_VARIATION', 1, 0, 1000),
        pan: int('CREDITS_PER_VARIATION', 1, 0, 1000),
      },
      creditMode: creditMode === 'compute' ? 'compute' : 'image',
    },
    vary: {
      strong: strength('VARY_STRONG_STRENGTH', 0.75),
      subtle: strength('VARY_SUBTLE_STRENGTH', 0.35),
    },
  };
  if (sharding?.role === 'manager' && config.redis && config.queue.slots > 0) {
    problems.push(`INFERENCE_SLOTS=${config.queue.slots} with SHARDS: every shard process would run its own workers and load the models; leave INFERENCE_SLOTS unset and run npm run worker processes instead`);
  }
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** Discord allows far fewer in practice; this only keeps a typo from forking thousands of processes. */
export const MAX_SHARDS = 1024;

/**
 * SHARDS: unset for one gateway process; `auto` (Discord's recommendation) or a number for one
 * process per shard. Several gateway processes share the database and the jobs, so they need
 * PostgreSQL (SQLite is one file for one process: each process would resume the others' jobs,
 * which is what the instance lock refuses) and Redis (the jobs run on workers, `npm run worker`).
 * Inside a shard that discord.js's ShardingManager started, SHARDS is the shard's id instead.
 */
function parseSharding(
  str: (name: string) => string,
  databaseUrl: string,
  redisUrl: string,
  problems: string[],
): Config['sharding'] {
  const raw = str('SHARDS');
  if (!raw) return null;
  if (str('SHARDING_MANAGER')) {
    const id = Number(raw);
    const count = Number(str('SHARD_COUNT'));
    if (!Number.isInteger(id) || !Number.isInteger(count) || id < 0 || id >= count) {
      problems.push(`this process was started as a shard, but SHARDS="${raw}" and SHARD_COUNT="${str('SHARD_COUNT')}" are not a shard id below the shard count`);
      return null;
    }
    return { role: 'shard', id, count };
  }
  let shards: number | 'auto';
  if (raw.toLowerCase() === 'auto') shards = 'auto';
  else if (/^\d+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= MAX_SHARDS) shards = Number(raw);
  else {
    problems.push(`SHARDS must be auto (Discord's recommended count) or a whole number from 1 to ${MAX_SHARDS}, got "${raw}"`);
    return null;
  }
  if (!redisUrl) {
    problems.push(`SHARDS=${raw} needs REDIS_URL: the shards share one fair queue whose jobs run on workers (npm run worker) through Redis`);
  }
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(
      `SHARDS=${raw} needs PostgreSQL (DATABASE_URL=postgresql://...): DATABASE_URL is SQLite (${databaseUrl}), a file for one process, ` +
        'and several gateway processes on it would each resume the others\' jobs. Leave SHARDS unset to run one gateway on SQLite',
    );
  }
  return { role: 'manager', shards };
}

/**
 * MODELS is a comma-separated list of model folders, each `path` or `name=path`; without a name, a
 * model is called by its imagine-model.json `name`, else by its folder's name. Unset, MODEL_DIR is
 * the one model, as before there were several.
 */
function parseModels(raw: string, rawModelDir: string, modelDir: string, rawDefault: string, problems: string[]): Omit<Config['models'], 'maxLoaded'> {
  if (!raw) {
    const only = { name: modelNameOf(modelDir), dir: modelDir };
    if (rawDefault && rawDefault !== only.name) {
      problems.push(`DEFAULT_MODEL is "${rawDefault}", but the only model is "${only.name}" (MODEL_DIR); list the models in MODELS to offer several`);
    }
    return { list: [only], defaultName: only.name };
  }
  if (rawModelDir) problems.push('MODELS and MODEL_DIR are both set: list every model folder in MODELS and remove MODEL_DIR');
  const list: ModelEntry[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const given = eq > 0 ? item.slice(0, eq).trim() : undefined;
    const rawPath = (eq > 0 ? item.slice(eq + 1) : item).trim();
    const dir = path.resolve(rawPath);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      problems.push(`MODELS: the model folder "${rawPath}" does not exist (resolved to ${dir})`);
      continue;
    }
    const name = given ?? modelNameOf(dir);
    if (!MODEL_NAME.test(name)) {
      problems.push(`MODELS: model name "${name}" (${rawPath}) must be 1 to 64 letters, digits, dots, dashes or underscores; name it with name=path`);
      continue;
    }
    const same = list.find((m) => m.name === name);
    if (same) {
      problems.push(`MODELS: two models are named "${name}" (${same.dir} and ${dir}); give one another name with name=path`);
      continue;
    }
    list.push({ name, dir });
  }
  if (list.length === 0 && problems.length === 0) problems.push(`MODELS names no model folder, got "${raw}"`);
  if (list.length > MAX_MODELS) problems.push(`MODELS lists ${list.length} models; Discord offers at most ${MAX_MODELS} choices`);
  const defaultName = rawDefault || list[0]?.name || '';
  if (rawDefault && list.length && !list.some((m) => m.name === rawDefault)) {
    problems.push(`DEFAULT_MODEL "${rawDefault}" is not one of the models in MODELS: ${list.map((m) => m.name).join(', ')}`);
  }
  return { list, defaultName };
}

/** The name a model folder gives itself (imagine-model.json), else the folder's name, as the engine names it. */
function modelNameOf(dir: string): string {
  try {
    const extra = JSON.parse(readFileSync(path.join(dir, 'imagine-model.json'), 'utf8')) as { name?: unknown };
    if (typeof extra.name === 'string' && extra.name.trim()) return extra.name.trim();
  } catch {
    // No file, or not JSON: the engine reports a broken folder when it loads it.
  }
  return path.basename(dir);
}

/** What must never reach a log for a Redis URL: the URL itself and its password. */
export function redisSecrets(url: string): string[] {
  return [url, new URL(url).password].filter(Boolean);
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}
