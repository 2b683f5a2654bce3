/**
 * `npm run worker`: an inference worker for a gateway (`npm start` with REDIS_URL). It needs
 * REDIS_URL and its model settings only; one per GPU. SIGTERM/SIGINT: the current job finishes
 * (or is handed back after WORKER_SHUTDOWN_WAIT_MS), then it exits.
 */
import dotenv from 'dotenv';
import { ConfigError, redisSecrets } from './config/config.ts';
import { redactUrl } from './text/redact-url.ts';
import { loadWorkerConfig } from './config/worker-config.ts';
import { installProcessPolicy } from './process-policy.ts';
import { startWorker } from './remote/worker.ts';
import { configuredRegistry } from './services/model-registry.ts';

dotenv.config({ quiet: true });

async function main(): Promise<void> {
  let config;
  try {
    config = loadWorkerConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  const log = (message: string, err?: unknown) => console.error(`[worker ${config.name}] ${message}`, err instanceof Error ? err.message : (err ?? ''));
  const policy = installProcessPolicy({
    log: (m) => log(m),
    exit: (code) => process.exit(code),
    // The Redis URL may carry a password.
    secrets: redisSecrets(config.redis.url),
    stopTimeoutMs: config.shutdownWaitMs + 10_000,
  });
  const models = configuredRegistry({ models: config.models, runtime: config.model, log });
  console.log(`worker ${config.name}: models ${models.names.join(', ')} on ${config.model.provider}${config.model.provider === 'cuda' ? ` device ${config.model.deviceId}` : ''}, Redis ${redactUrl(config.redis.url)}`);
  const worker = await startWorker({
    redisUrl: config.redis.url,
    prefix: config.redis.prefix,
    name: config.name,
    models,
    provider: config.model.provider,
    lockMs: config.lockMs,
    shutdownWaitMs: config.shutdownWaitMs,
    log,
  });
  policy.setStop(async () => {
    await worker.stop();
    await models.close();
  });
  console.log(`worker ${config.name}: ready`);
  process.once('SIGINT', () => policy.shutdown('SIGINT', 0));
  process.once('SIGTERM', () => policy.shutdown('SIGTERM', 0));
}

main().catch((err: unknown) => {
  console.error(`worker failed to start: ${(err as Error).message}`);
  process.exit(1);
});
