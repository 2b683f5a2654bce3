/**
 * Scale-out as the gateway sees it: jobs run on workers (RemoteInference), slots are the workers
 * alive (WorkerDirectory), models are planned with the sizes and defaults the workers announced.
 * With INFERENCE_SLOTS above 0, the gateway also runs that many workers itself (a gateway box
 * with a GPU).
 */
import type { Config } from '../config/config.ts';
import type { ModelInfo } from '../diffusion/pipeline.ts';
import type { FairScheduler } from '../queue/index.ts';
import type { InferenceStatus } from '../services/inference.ts';
import { configuredRegistry, type ModelRegistry } from '../services/model-registry.ts';
import { jobIdOfRemote } from './protocol.ts';
import { RemoteInference } from './remote-inference.ts';
import { startWorker, type RunningWorker } from './worker.ts';
import { WorkerDirectory } from './worker-directory.ts';

export interface Gateway {
  inference: RemoteInference;
  directory: WorkerDirectory;
  /** The default model's sizes and defaults (as its workers announced them). */
  defaultInfo: ModelInfo;
  /** Slots follow the workers from now on. */
  attach(scheduler: FairScheduler): void;
  status(): InferenceStatus;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** The gateway's registry: it loads nothing, it learns what workers announce. */
  models: ModelRegistry;
  /** How often the workers' signs of life are read. */
  pollMs?: number;
  log: (message: string, err?: unknown) => void;
}

export async function startGateway(config: Config, options: GatewayOptions): Promise<Gateway> {
  const redis = config.redis!;
  const { models, log } = options;
  let scheduler: FairScheduler | undefined;
  const directory = new WorkerDirectory({
    redisUrl: redis.url,
    prefix: redis.prefix,
    pollMs: options.pollMs,
    log,
    onChange: (workers) => {
      log(`workers: ${workers.length ? workers.map((w) => `${w.name} (${w.models.join(', ')})`).join('; ') : 'none'}`);
      void learn().catch((err) => log('could not read the models the workers announced', err));
      scheduler?.setSlots(workers.length);
      scheduler?.wake();
    },
  });
  const learn = async () => {
    for (const name of models.names) {
      const info = await directory.modelInfo(name);
      if (info) models.learn(name, info);
    }
  };
  const own: RunningWorker[] = [];
  const inference = new RemoteInference({ redisUrl: redis.url, prefix: redis.prefix, previewEveryMs: Math.max(250, Math.floor(config.queue.previewIntervalMs / 2)), log });
  try {
    if (config.queue.slots > 0) {
      // This box has a GPU too: its own workers load the models for real.
      const local = configuredRegistry({ models: config.models, runtime: config.model, log });
      for (let i = 0; i < config.queue.slots; i++) {
        own.push(await startWorker({ redisUrl: redis.url, prefix: redis.prefix, name: `gateway-${process.pid}-${i + 1}`, models: local, provider: config.model.provider, log }));
      }
    }
    await directory.start();
    await learn();
    // Jobs are planned with the default model's sizes: wait until some worker has announced them.
    let told = false;
    while (!models.plannerNow(models.defaultName)) {
      if (!told) log(`waiting for a worker serving the default model "${models.defaultName}" (start one with npm run worker)`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
      await learn();
    }
  } catch (err) {
    for (const w of own) await w.stop().catch(() => undefined);
    await directory.stop();
    await inference.close();
    throw err;
  }
  return {
    inference,
    directory,
    defaultInfo: models.plannerNow(models.defaultName)!.info,
    attach(s) {
      scheduler = s;
      s.setSlots(directory.workers.length);
    },
    status: () => ({
      mode: 'workers',
      workers: directory.workers.map((w) => ({ name: w.name, models: w.models, job: jobIdOfRemote(w.running), done: w.done, since: w.startedAt, provider: w.provider })),
    }),
    async close() {
      await directory.stop();
      // The gateway's own workers finish or hand back their jobs like any worker.
      for (const w of own) await w.stop().catch((err) => log('own worker did not stop cleanly', err));
      await inference.close();
    },
  };
}
