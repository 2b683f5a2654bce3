/**
 * What a running job tells the outside world. The Discord layer implements it (edits the reply,
 * posts the grid); the job service only ever talks to this interface, so it knows no Discord.
 */

export type JobKind = 'imagine' | 'upscale' | 'vary' | 'reroll';
export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** The parameters of a job as shown to its owner. */
export interface JobSummary {
  id: number;
  kind: JobKind;
  userId: string;
  guildId: string;
  channelId: string;
  prompt: string;
  negativePrompt: string;
  seed: number;
  steps: number;
  guidance: number;
  sampler: string;
  width: number;
  height: number;
  count: number;
  model: string;
  parentJobId?: number | null;
  parentImageIndex?: number | null;
}

export interface JobResult {
  job: JobSummary;
  /** The picture to post: a grid of all images, or the single image. */
  png: Buffer;
  /** Seeds of the images, in grid order. */
  seeds: number[];
  durationMs: number;
  warnings: string[];
}

export interface JobProgress {
  step: number;
  total: number;
  /** Builds the preview PNG; only called when the observer will really send it (previews are cheap, PNGs less so). */
  preview: () => Promise<Buffer>;
}

export interface JobObserver {
  /** Waiting at `position` (1 = next); null while the server's queue is paused. */
  queued(position: number | null, etaMs: number | undefined): void | Promise<void>;
  progress(p: JobProgress): void;
  /** Posts the result; returns the id of the message that shows it (reactions start from it). */
  done(result: JobResult): Promise<{ messageId: string } | void>;
  failed(message: string): Promise<void>;
  cancelled(reason: string): Promise<void>;
}
