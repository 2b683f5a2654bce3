// The job as the rest of the bot sees it: typed kind and status, seeds as numbers.
import type { Job } from '../generated/prisma/sqlite/client.ts';
import { requireOneOf } from './validate.ts';

// 'film': the reverse process of its parent job (regenerated from the stored seed), posted as an animated WebP.
// 'diffuse': the forward process of one image of its parent job, or of a picture the member uploaded
// (that image dissolving into noise), also a WebP.
export const JOB_KINDS = ['imagine', 'upscale', 'vary', 'reroll', 'zoom', 'pan', 'film', 'diffuse'] as const;

// What a zoom or pan job did to its parent image, as the canvas column records it.
export const CANVAS_OPS = ['zoom:2', 'zoom:1.5', 'pan:left', 'pan:right', 'pan:up', 'pan:down'] as const;
export type CanvasOpName = (typeof CANVAS_OPS)[number];
export type JobKind = (typeof JOB_KINDS)[number];

/** Kinds whose result is an animated WebP: no Image rows, no buttons under it. */
export function isFilmKind(kind: JobKind): boolean {
  return kind === 'film' || kind === 'diffuse';
}

// 'generated': the images are made and saved (files and Image rows) but not yet posted; a restart
// posts them rather than running the engine again. 'done' means delivered.
export const JOB_STATUSES = ['queued', 'running', 'generated', 'done', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

// Statuses a restart must pick up again.
export const UNFINISHED_STATUSES: readonly JobStatus[] = ['queued', 'running', 'generated'];

// Statuses a member or moderator can still cancel: the engine has not finished.
export const CANCELLABLE_STATUSES: readonly JobStatus[] = ['queued', 'running'];

export interface JobRecord {
  id: number;
  kind: JobKind;
  parentJobId: number | null;
  parentImageIndex: number | null;
  guildId: string;
  channelId: string;
  userId: string;
  prompt: string;
  negativePrompt: string | null;
  steps: number;
  guidance: number;
  sampler: string;
  width: number;
  height: number;
  count: number;
  seed: number;
  strength: number | null;
  chaos: number | null;
  canvas: CanvasOpName | null;
  // An uploaded picture the job starts from (/diffuse image:), relative to IMAGE_DIR; null otherwise.
  inputPath: string | null;
  model: string;
  status: JobStatus;
  error: string | null;
  cost: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  interactionId: string | null;
  interactionToken: string | null;
  tokenExpiresAt: Date | null;
  replyMessageId: string | null;
  resultMessageId: string | null;
  fallbackMessageId: string | null;
  // Largest upload Discord takes for the result, in bytes; null: a server without boosts' limit.
  attachmentSizeLimit: number | null;
}

export interface NewJob {
  kind: JobKind;
  parentJobId?: number | null;
  parentImageIndex?: number | null;
  guildId: string;
  channelId: string;
  userId: string;
  // Recorded on the user row when given.
  userName?: string;
  prompt: string;
  negativePrompt?: string | null;
  steps: number;
  guidance: number;
  sampler: string;
  width: number;
  height: number;
  count: number;
  seed: number;
  strength?: number | null;
  chaos?: number | null;
  canvas?: CanvasOpName | null;
  inputPath?: string | null;
  model: string;
  cost?: number;
  interactionId?: string | null;
  interactionToken?: string | null;
  tokenExpiresAt?: Date | null;
  // The interaction message the job shows in, when known before it is queued (a permutation's followup).
  replyMessageId?: string | null;
  attachmentSizeLimit?: number | null;
}

// Where the bot's messages for a job are; null clears one (a deleted message, an expired token).
export interface JobMessagesPatch {
  replyMessageId?: string | null;
  resultMessageId?: string | null;
  fallbackMessageId?: string | null;
  interactionToken?: string | null;
  tokenExpiresAt?: Date | null;
}

export function toJobRecord(row: Job): JobRecord {
  return {
    ...row,
    kind: requireOneOf(`kind of job ${row.id}`, row.kind, JOB_KINDS),
    status: requireOneOf(`status of job ${row.id}`, row.status, JOB_STATUSES),
    seed: Number(row.seed),
    canvas: row.canvas == null ? null : requireOneOf(`canvas of job ${row.id}`, row.canvas, CANVAS_OPS),
  };
}

export function validateNewJob(job: NewJob): void {
  requireOneOf('job kind', job.kind, JOB_KINDS);
  for (const key of ['steps', 'width', 'height', 'count'] as const) {
    if (!Number.isSafeInteger(job[key]) || job[key] <= 0) {
      throw new Error(`expected job ${key} to be a whole number > 0, got ${String(job[key])}`);
    }
  }
  if (!Number.isSafeInteger(job.seed) || job.seed < 0) {
    throw new Error(`expected the job seed to be a whole number >= 0, got ${String(job.seed)}`);
  }
  if (job.attachmentSizeLimit != null && (!Number.isSafeInteger(job.attachmentSizeLimit) || job.attachmentSizeLimit <= 0)) {
    throw new Error(`expected the attachment size limit to be a whole number of bytes > 0, got ${String(job.attachmentSizeLimit)}`);
  }
  if (!Number.isFinite(job.guidance)) throw new Error(`expected a finite guidance, got ${String(job.guidance)}`);
  if (job.parentImageIndex != null && job.parentJobId == null) {
    throw new Error(`expected a parentJobId with parentImageIndex ${job.parentImageIndex}, got none`);
  }
  if ((job.kind === 'zoom' || job.kind === 'pan') !== (job.canvas != null)) {
    throw new Error(`expected a canvas (${CANVAS_OPS.join(', ')}) on zoom and pan jobs only, got ${String(job.canvas)} on a ${job.kind} job`);
  }
  if (job.canvas != null) {
    requireOneOf('job canvas', job.canvas, CANVAS_OPS);
    if (!job.canvas.startsWith(`${job.kind}:`)) throw new Error(`expected a ${job.kind} canvas, got ${job.canvas}`);
  }
  if (job.kind === 'film' && job.parentJobId == null) throw new Error('expected a film job to name the job it films, got none');
  if (job.inputPath != null) {
    // An upload is the whole source: a diffuse job of a picture from outside, with no parent.
    if (job.kind !== 'diffuse' || job.parentJobId != null) {
      throw new Error(`expected an uploaded picture on a diffuse job without a parent only, got one on a job of kind ${job.kind} with parent ${String(job.parentJobId)}`);
    }
    return;
  }
  // Upscale, vary, zoom, pan and diffuse start from one image of a grid (a reroll repeats a whole grid).
  if ((job.kind === 'upscale' || job.kind === 'vary' || job.kind === 'zoom' || job.kind === 'pan' || job.kind === 'diffuse') && (job.parentJobId == null || job.parentImageIndex == null)) {
    throw new Error(
      `expected a ${job.kind} job to name its parent job and image, got parentJobId ${String(job.parentJobId)} and parentImageIndex ${String(job.parentImageIndex)}`,
    );
  }
}
