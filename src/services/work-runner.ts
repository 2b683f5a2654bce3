/**
 * Runs a work order on a loaded model: makes the pictures it starts from (decoding them, or making
 * a lost one again from its recipe), then the job's images or film, encoded and ready to save.
 * Needs the model and nothing else: no database, Discord or queue, so a worker process runs it as
 * the bot's own slot does.
 */
import type { DiffusionPipeline } from '../diffusion/pipeline.ts';
import { decodeImage } from '../diffusion/png.ts';
import type { GenerateOptions, GenerateRequest, RgbImage, StepProgress } from '../diffusion/types.ts';
import { canvasFor } from './canvas-ops.ts';
import { renderFilm, renderForwardFilm, renderJob, type RenderedFilm, type RenderedJob } from './generation.ts';
import type { Generation, Source, WorkOrder } from './work-order.ts';

export type Rendered = ({ kind: 'images' } & RenderedJob) | ({ kind: 'film' } & RenderedFilm);

export interface RunOptions {
  signal?: AbortSignal;
  onStep?: (progress: StepProgress) => void | Promise<void>;
  /** Called once before a lost picture is made again, and once when the job's own run begins. */
  onPhase?: (phase: 'regenerating-source' | 'generating') => void;
  log?: (message: string) => void;
}

export async function runWorkOrder(pipeline: DiffusionPipeline, order: WorkOrder, options: RunOptions = {}): Promise<Rendered> {
  const { signal } = options;
  let regenerating = false;
  const sources = {
    pipeline,
    signal,
    onRegenerate: (what: string, seed: number | undefined) => {
      if (!regenerating) options.onPhase?.('regenerating-source');
      regenerating = true;
      options.log?.(`${what} missing from the image store; regenerating it from seed ${seed}`);
    },
  };
  if (order.output === 'forward-film') {
    const image = await realize(sources, order.forward!.source);
    options.onPhase?.('generating');
    return { kind: 'film', ...(await renderForwardFilm(pipeline, image, order.forward!.seed)) };
  }
  const request = await requestWithPictures(sources, order.generation);
  options.onPhase?.('generating');
  const generateOptions: GenerateOptions = { signal, onStep: options.onStep };
  if (order.output === 'reverse-film') return { kind: 'film', ...(await renderFilm(pipeline, request, generateOptions)) };
  return { kind: 'images', ...(await renderJob(pipeline, request, generateOptions, order.model)) };
}

interface SourceContext {
  pipeline: DiffusionPipeline;
  signal?: AbortSignal;
  onRegenerate: (what: string, seed: number | undefined) => void;
}

async function requestWithPictures(ctx: SourceContext, generation: Generation): Promise<GenerateRequest> {
  const request: GenerateRequest = { ...generation.request };
  if (generation.init) request.init = { image: await realize(ctx, generation.init.source), strength: generation.init.strength };
  if (generation.outpaint) {
    const { op, source, width, height } = generation.outpaint;
    request.outpaint = await canvasFor(op, await realize(ctx, source), width, height);
  }
  return request;
}

async function realize(ctx: SourceContext, source: Source): Promise<RgbImage> {
  ctx.signal?.throwIfAborted();
  if ('png' in source) return decodeImage(Buffer.from(source.png, 'base64'));
  const request = await requestWithPictures(ctx, source.regenerate);
  ctx.onRegenerate(source.what, request.seed);
  return (await ctx.pipeline.generate(request, { signal: ctx.signal })).images[0];
}
