/**
 * A worker process for end-to-end tests: the real `startWorker` on the real model, configured from
 * its environment as `npm run worker` is, plus a hand the test holds over IPC: it reports every job
 * it starts, and can park a job at a step until the test says go (so "kill it mid-job" is an event,
 * not a race with the model's speed).
 */
import { loadWorkerConfig } from '../../src/config/worker-config.ts';
import { startWorker } from '../../src/remote/worker.ts';
import { configuredRegistry } from '../../src/services/model-registry.ts';
import { runWorkOrder } from '../../src/services/work-runner.ts';

export type ToWorker = { hold: { id: number; prompt: string; step: number } } | { release: number };
export type FromWorker =
  | { ready: string }
  | { started: { jobId: number; model: string; prompt: string } }
  | { finished: { jobId: number } }
  | { reached: { id: number; jobId: number } };

const send = (m: FromWorker) => process.send?.(m);
const holds: Array<{ id: number; prompt: string; step: number; taken?: boolean }> = [];
const releases = new Map<number, () => void>();
process.on('message', (m: ToWorker) => {
  if ('hold' in m) holds.push(m.hold);
  else releases.get(m.release)?.();
});

const config = loadWorkerConfig(process.env);
const log = (message: string, err?: unknown) => console.error(`[worker ${config.name}] ${message}`, err instanceof Error ? err.message : (err ?? ''));
// As npm run worker configures its models: the test worker differs only in its hand on the engine.
const models = configuredRegistry({ models: config.models, runtime: config.model, log });
const worker = await startWorker({
  redisUrl: config.redis.url,
  prefix: config.redis.prefix,
  name: config.name,
  models,
  lockMs: config.lockMs,
  shutdownWaitMs: config.shutdownWaitMs,
  log,
  runOrder: async (pipeline, order, options) => {
    const prompt = order.generation.request.prompt;
    send({ started: { jobId: order.jobId, model: order.model, prompt } });
    const rendered = await runWorkOrder(pipeline, order, {
      ...options,
      onStep: async (p) => {
        await options.onStep?.(p);
        const hold = holds.find((h) => !h.taken && prompt.includes(h.prompt) && h.step === p.step);
        if (!hold) return;
        hold.taken = true;
        const released = new Promise<void>((resolve) => {
          releases.set(hold.id, resolve);
          // A parked job still hears its signal (a cancel, or the worker handing it back on SIGTERM), as a running engine would at its next step.
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
        send({ reached: { id: hold.id, jobId: order.jobId } });
        await released;
      },
    });
    send({ finished: { jobId: order.jobId } });
    return rendered;
  },
});
send({ ready: config.name });
const stop = () => void worker.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
