/**
 * What the gateway and the workers say to each other through Redis: queue names, keys, and the
 * shapes of a job's data, progress and result. One queue per model, so a worker takes only the
 * jobs of the models it serves.
 */
import type { ModelInfo } from '../diffusion/pipeline.ts';
import type { WorkOrder } from '../services/work-order.ts';

/** The BullMQ queue of a model's jobs (BullMQ names may not hold ':'). */
export function queueName(model: string): string {
  return `model-${model}`;
}

/** Keys beside BullMQ's, under the same prefix. */
export const keys = {
  worker: (prefix: string, name: string) => `${prefix}:worker:${name}`,
  workerPattern: (prefix: string) => `${prefix}:worker:*`,
  model: (prefix: string, model: string) => `${prefix}:model:${model}`,
  result: (prefix: string, id: string) => `${prefix}:result:${id}`,
  cancelled: (prefix: string, id: string) => `${prefix}:cancelled:${id}`,
  cancelChannel: (prefix: string) => `${prefix}:cancel`,
};

/** A queue job's id: the bot's job id and its creation time, so a database made anew never meets an old result. */
export function remoteJobId(order: Pick<WorkOrder, 'jobId' | 'createdAt'>): string {
  return `job-${order.jobId}-${order.createdAt}`;
}

/** The bot's job id in a queue job id (`job-<id>-<created>`); null for anything else. */
export function jobIdOfRemote(id: string | null): number | null {
  const m = id ? /^job-(\d+)-/.exec(id) : null;
  return m ? Number(m[1]) : null;
}

export interface RemoteJobData {
  order: WorkOrder;
  /** The worker sends previews at most this often. */
  previewEveryMs: number;
}

export interface WirePreview {
  width: number;
  height: number;
  /** RGB bytes, base64. */
  data: string;
}

export type RemoteProgress =
  | { step: number; total: number; previews: WirePreview[] }
  | { phase: 'regenerating-source' | 'generating' };

/** A finished job's answer: its pictures wait under `resultKey` (a Redis hash) until the gateway has saved them. */
export interface RemoteReturn {
  resultKey: string;
  worker: string;
}

/** The `meta` field of a result hash; the pictures are the hash's other fields (img0.., grid, webp). */
export interface ResultMeta {
  kind: 'images' | 'film';
  warnings: string[];
  totalMs: number;
  /** images: one entry per image; film: the seeds. */
  images: Array<{ seed: number; width: number; height: number }>;
  seeds: number[];
  grid: boolean;
}

/** A worker's sign of life, renewed every few seconds; gone when the worker is. */
export interface WorkerBeat {
  name: string;
  models: string[];
  /** The queue job it is running, if any. */
  running: string | null;
  done: number;
  startedAt: number;
  provider: string;
  host: string;
  pid: number;
}

export type AnnouncedModel = ModelInfo;

/** How long a worker's sign of life lasts without being renewed. */
export const BEAT_TTL_MS = 10_000;
export const BEAT_EVERY_MS = 3_000;
/** Results and finished queue jobs are dropped after a day if the gateway never collected them. */
export const RESULT_TTL_S = 24 * 3600;
