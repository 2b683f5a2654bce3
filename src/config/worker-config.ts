/**
 * An inference worker's configuration (`npm run worker`): Redis and the models it serves, nothing
 * else. It never reads the Discord token or the database URL, so a rented GPU box holds no secret
 * beyond the Redis URL.
 */
import os from 'node:os';
import { ConfigError, loadConfig, type Config } from './config.ts';

export interface WorkerConfig {
  redis: { url: string; prefix: string };
  /** Shown in /mod workers; unique among the workers (host and pid by default). */
  name: string;
  model: Config['model'];
  models: Config['models'];
  /** How long SIGTERM lets the current job finish before handing it back to the queue. */
  shutdownWaitMs: number;
  /**
   * How long a job stays locked to a worker without a sign of life; after that another worker
   * takes it over (a killed worker's job runs again elsewhere).
   */
  lockMs: number;
}

/** The variables a worker reads; anything else in its environment is ignored. */
const WORKER_VARIABLES = ['REDIS_URL', 'REDIS_PREFIX', 'MODEL_DIR', 'MODELS', 'DEFAULT_MODEL', 'MAX_LOADED_MODELS', 'ORT_PROVIDER', 'ORT_DEVICE_ID', 'ORT_THREADS', 'UNET_MAX_BATCH'];

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const problems: string[] = [];
  const mine = Object.fromEntries(WORKER_VARIABLES.map((k) => [k, env[k]]));
  if (!(env.REDIS_URL ?? '').trim()) problems.push('REDIS_URL is not set: a worker takes its jobs from the gateway\'s Redis (redis://[user:password@]host:port, or rediss:// for TLS)');
  let base: Config | undefined;
  try {
    base = loadConfig(mine);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  const name = (env.WORKER_NAME ?? '').trim() || `${os.hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) problems.push(`WORKER_NAME must be 1 to 64 letters, digits, dots, dashes or underscores, got "${name}"`);
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const raw = (env[key] ?? '').trim();
    if (!raw) return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${key} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return v;
  };
  const shutdownWaitMs = int('WORKER_SHUTDOWN_WAIT_MS', 60_000, 0, 3_600_000);
  const lockMs = int('WORKER_LOCK_MS', 30_000, 1_000, 600_000);
  if (problems.length || !base?.redis) throw new ConfigError(problems);
  return Object.freeze({ redis: base.redis, name, model: base.model, models: base.models, shutdownWaitMs, lockMs });
}
