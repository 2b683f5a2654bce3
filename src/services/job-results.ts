/**
 * A generated result between the engine and the post: saved (files, then Image rows) before the
 * job is marked generated, and loaded back for delivery, also after a restart, so a result is
 * never made twice. Saving is idempotent: a job resumed after a crash saves its images again.
 */
import { isFilmKind, type ImageFiles, type JobRecord, type Store } from '../store/index.ts';
import type { RenderedFilm, RenderedJob } from './generation.ts';
import type { JobResult, JobSummary } from './job-observer.ts';

/** What delivery needs: the picture and the seeds (warnings only while the process that made it lives). */
export interface StoredResult {
  /** The picture; a film job's animated WebP. */
  png: Buffer;
  seeds: number[];
  warnings: string[];
}

export async function saveResult(store: Store, files: ImageFiles, jobId: number, rendered: RenderedJob): Promise<StoredResult> {
  for (const [index, image] of rendered.images.entries()) {
    const path = await files.saveImage(jobId, index, image.png);
    await store.images.save(jobId, { index, seed: image.seed, path, width: image.width, height: image.height });
  }
  if (rendered.grid) await files.saveGrid(jobId, rendered.grid);
  return { png: rendered.grid ?? rendered.images[0].png, seeds: rendered.images.map((i) => i.seed), warnings: rendered.warnings };
}

/** A film has no Image rows (its pictures are the parent's): only its WebP, whose seeds are the job's. */
export async function saveFilmResult(files: ImageFiles, jobId: number, film: RenderedFilm): Promise<StoredResult> {
  await files.saveFilm(jobId, film.webp);
  return { png: film.webp, seeds: film.seeds, warnings: film.warnings };
}

const seedsOf = (job: JobRecord) => Array.from({ length: job.count }, (_, k) => (job.seed + k) >>> 0);

/** The saved result of a generated job, or undefined when a file is gone. */
export async function loadResult(store: Store, files: ImageFiles, job: JobRecord): Promise<StoredResult | undefined> {
  if (isFilmKind(job.kind)) {
    const webp = await files.load(files.filmPath(job.id));
    return webp && { png: webp, seeds: seedsOf(job), warnings: [] };
  }
  const images = await store.images.listByJob(job.id);
  if (images.length !== job.count || images.length === 0) return undefined;
  const png = await files.load(images.length === 1 ? images[0].path : files.gridPath(job.id));
  return png ? { png, seeds: images.map((i) => i.seed), warnings: [] } : undefined;
}

export function summary(job: JobRecord): JobSummary {
  return {
    id: job.id,
    kind: job.kind,
    userId: job.userId,
    guildId: job.guildId,
    channelId: job.channelId,
    prompt: job.prompt,
    negativePrompt: job.negativePrompt ?? '',
    seed: job.seed,
    steps: job.steps,
    guidance: job.guidance,
    sampler: job.sampler,
    width: job.width,
    height: job.height,
    count: job.count,
    model: job.model,
    chaos: job.chaos,
    parentJobId: job.parentJobId,
    parentImageIndex: job.parentImageIndex,
  };
}

export function jobResult(job: JobRecord, stored: StoredResult): JobResult {
  return { job: summary(job), png: stored.png, seeds: stored.seeds, durationMs: job.durationMs ?? 0, warnings: stored.warnings };
}
