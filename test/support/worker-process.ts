/**
 * Worker processes for end-to-end tests (test/support/held-worker.ts, which is `npm run worker`
 * with a hand on it): spawn one, see the jobs it starts, hold one at a step, kill it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FromWorker, ToWorker } from './held-worker.ts';
import { repoRoot } from './repo-paths.ts';

export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves once it serves its models. */
  readonly ready: Promise<void>;
  /** Jobs it started, in order (a job taken over from a dead worker shows up again). */
  readonly started: Array<{ jobId: number; model: string; prompt: string }>;
  readonly finished: number[];
  /** Parks the next job whose prompt contains `prompt` after `step` (1-based) until released. */
  hold(prompt: string, step?: number): { reached: Promise<number>; release(): void };
  /** Resolves when a job whose prompt contains `prompt` has started (already, or later). */
  waitForStart(prompt: string): Promise<number>;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

let holdIds = 0;

export function spawnWorker(name: string, env: Record<string, string>): WorkerProcess {
  const tsx = pathToFileURL(path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'test', 'support', 'held-worker.ts')], {
    env: { PATH: process.env.PATH ?? '', ORT_THREADS: '1', WORKER_LOCK_MS: '2000', ...env, WORKER_NAME: name },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const started: WorkerProcess['started'] = [];
  const finished: number[] = [];
  const reached = new Map<number, (jobId: number) => void>();
  const startWaiters: Array<{ prompt: string; resolve: (jobId: number) => void }> = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.on('message', (m: FromWorker) => {
    if ('ready' in m) markReady();
    else if ('started' in m) {
      started.push(m.started);
      for (const w of startWaiters.filter((w) => m.started.prompt.includes(w.prompt))) w.resolve(m.started.jobId);
    } else if ('finished' in m) finished.push(m.finished.jobId);
    else if ('reached' in m) reached.get(m.reached.id)?.(m.reached.jobId);
  });
  const failOnExit = <T>(p: Promise<T>, what: string) =>
    Promise.race([p, exited.then((code) => Promise.reject(new Error(`worker ${name} exited (${code}) before ${what}:\n${output}`)))]);
  return {
    name,
    child,
    ready: failOnExit(ready, 'it was ready'),
    started,
    finished,
    output: () => output,
    exited,
    hold(prompt, step = 1) {
      const id = ++holdIds;
      const arrived = new Promise<number>((resolve) => reached.set(id, resolve));
      child.send({ hold: { id, prompt, step } } satisfies ToWorker);
      return { reached: failOnExit(arrived, `a job with "${prompt}" reached step ${step}`), release: () => void child.send({ release: id } satisfies ToWorker) };
    },
    waitForStart(prompt) {
      const done = started.find((s) => s.prompt.includes(prompt));
      if (done) return Promise.resolve(done.jobId);
      return failOnExit(new Promise<number>((resolve) => startWaiters.push({ prompt, resolve })), `a job with "${prompt}" started`);
    },
  };
}
