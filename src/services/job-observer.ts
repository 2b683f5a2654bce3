/**
 * What a running job tells the outside world. The Discord layer implements it (edits the reply,
 * posts the grid); the job service only ever talks to this interface, so it knows no Discord.
 */
import type { JobKind } from '../store/index.ts';

export type { JobKind, JobStatus } from '../store/index.ts';

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
  chaos?: number | null;
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
  /**
   * Posts the result (the delivery stage calls it, never the inference slot); returns the id of the
   * message that shows it. Throws DeliveryRefusedError when Discord refuses the post for good
   * (no access, no permission, no channel, too large). Gives up when `signal` aborts (shutdown).
   */
  done(result: JobResult, signal?: AbortSignal): Promise<{ messageId: string } | void>;
  /** After the post succeeded and was recorded: what goes with it (reactions). */
  delivered?(shown: { messageId: string }, signal?: AbortSignal): Promise<void>;
  /** The result could not be posted and nothing was charged: tell the member where that is still possible. */
  undeliverable?(message: string): Promise<void>;
  failed(message: string): Promise<void>;
  cancelled(reason: string): Promise<void>;
}
