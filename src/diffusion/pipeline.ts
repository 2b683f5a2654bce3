/**
 * The text-to-image pipeline: tokenizer -> text encoder -> sampler loop over the UNet with
 * classifier-free guidance -> VAE decode. A thin loop over typed components, as diffusers' ONNX
 * Stable Diffusion pipeline; it knows nothing of Discord, queues or databases.
 */
import { performance } from 'node:perf_hooks';
import { resizeImage } from './resize.ts';
import { latentPreviews, SD15_LATENT_RGB, type LatentRgb } from './latent-preview.ts';
import { readModelFolder, type ModelFolder } from './model-folder.ts';
import { createSession, type InferenceSession, type RuntimeOptions } from './onnx-runtime.ts';
import { batchNoiseSource, SeededRandom } from './random.ts';
import { resolveRequest } from './resolve-request.ts';
import { createScheduler, img2imgStartIndex } from './schedulers/index.ts';
import { sizeRule, type SizeRule } from './image-sizes.ts';
import { stackConditioning, TextConditioner } from './text-conditioning.ts';
import { ClipTokenizer } from './tokenizer/clip-tokenizer.ts';
import type { GenerateOptions, GenerateRequest, GenerateResult, ResolvedRequest, RgbImage } from './types.ts';
import { UNetRunner } from './unet-runner.ts';
import { Vae } from './vae.ts';

export interface LoadOptions extends RuntimeOptions {
  /** Largest UNet batch per session.run (CFG doubles the image count). Default 8. */
  maxBatch?: number;
}

export interface ModelInfo {
  name: string;
  dir: string;
  sizes: SizeRule;
  defaults: ModelFolder['defaults'];
  latentChannels: number;
  vaeFactor: number;
  canImg2Img: boolean;
}

/** Default img2img strength of a 2x upscale: keeps the composition, re-draws the detail. */
export const UPSCALE_STRENGTH = 0.35;

export class DiffusionPipeline {
  readonly info: ModelInfo;
  readonly #text: TextConditioner;
  readonly #unet: UNetRunner;
  readonly #vae: Vae;
  readonly #folder: ModelFolder;
  readonly #preview: LatentRgb;
  readonly #sessions: Record<'textEncoder' | 'unet' | 'vaeDecoder', InferenceSession> & { vaeEncoder?: InferenceSession };

  private constructor(folder: ModelFolder, text: TextConditioner, unet: UNetRunner, vae: Vae, vaeFactor: number) {
    this.#folder = folder;
    this.#text = text;
    this.#unet = unet;
    this.#vae = vae;
    this.#preview = folder.latentRgb ?? SD15_LATENT_RGB;
    this.#sessions = { textEncoder: text.session, unet: unet.session, vaeDecoder: vae.decoder, vaeEncoder: vae.encoder };
    const downsamples = folder.unet.downsamples ?? 3;
    const nativeLatent = folder.unet.sampleSize ?? 64;
    const nativeW = folder.defaults.width ?? nativeLatent * vaeFactor;
    const nativeH = folder.defaults.height ?? nativeLatent * vaeFactor;
    this.info = {
      name: folder.name,
      dir: folder.dir,
      sizes: sizeRule(vaeFactor, downsamples, nativeW, nativeH),
      defaults: { ...folder.defaults, width: nativeW, height: nativeH },
      latentChannels: folder.vae.latentChannels,
      vaeFactor,
      canImg2Img: vae.encoder !== undefined,
    };
  }

  /** Load a model folder once; every job shares the sessions. */
  static async load(dir: string, opts: LoadOptions = {}): Promise<DiffusionPipeline> {
    const folder = readModelFolder(dir);
    const [tokenizer, textSession, unetSession, decoder, encoder] = await Promise.all([
      ClipTokenizer.fromFolder(folder.files.tokenizerDir),
      createSession(folder.files.textEncoder, opts),
      createSession(folder.files.unet, opts),
      createSession(folder.files.vaeDecoder, opts),
      folder.files.vaeEncoder ? createSession(folder.files.vaeEncoder, opts) : Promise.resolve(undefined),
    ]);
    const vae = new Vae(decoder, encoder, folder.vae.scalingFactor, folder.vae.shiftFactor, folder.vae.latentChannels);
    const factor = folder.vae.factor ?? (await vae.measureFactor());
    return new DiffusionPipeline(folder, new TextConditioner(tokenizer, textSession), new UNetRunner(unetSession, opts.maxBatch ?? 8), vae, factor);
  }

  /** The raw onnxruntime sessions, for benchmarks and diagnostics. */
  get sessions() {
    return this.#sessions;
  }

  /** Fill in defaults and validate; throws RequestError naming the field and what is allowed. */
  resolve(request: GenerateRequest): ResolvedRequest {
    return resolveRequest(request, this.info);
  }

  async generate(request: GenerateRequest, opts: GenerateOptions = {}): Promise<GenerateResult> {
    const t0 = performance.now();
    const req = this.resolve(request);
    const { signal } = opts;
    signal?.throwIfAborted();
    const c = this.info.latentChannels;
    const h = req.height / this.info.vaeFactor;
    const w = req.width / this.info.vaeFactor;
    const per = c * h * w;
    const n = req.n;
    const useCfg = req.guidance > 1; // guidance <= 1 is the conditional model alone (turbo / LCM)

    const cond = await this.#text.encode(req.prompt);
    const warnings: string[] = [];
    if (cond.truncated) warnings.push(`prompt is longer than the model's ${cond.sequence} tokens; the end was cut`);
    const parts = [{ c: cond, count: n }];
    if (useCfg) {
      const uncond = await this.#text.encode(req.negativePrompt);
      if (uncond.truncated) warnings.push(`negative prompt is longer than ${uncond.sequence} tokens; the end was cut`);
      parts.unshift({ c: uncond, count: n });
    }
    const batch = useCfg ? 2 * n : n;
    const hidden = this.#unet.prepareHidden(stackConditioning(parts), batch, cond.sequence, cond.dim);

    const generators = Array.from({ length: n }, (_, k) => new SeededRandom((req.seed + k) >>> 0));
    const noise = batchNoiseSource(generators, per);
    const scheduler = createScheduler(req.sampler, this.#folder.scheduler, req.steps, { noise });
    const initialNoise = noise(n * per);
    let x: Float32Array;
    let start = 0;
    if (request.init) {
      start = img2imgStartIndex(req.steps, req.strength ?? 1);
      const init = await resizeImage(request.init.image, req.width, req.height);
      const { latents: one } = await this.#vae.encode([init]);
      const x0 = new Float32Array(n * per);
      for (let k = 0; k < n; k++) x0.set(one, k * per);
      x = scheduler.addNoise(x0, initialNoise, start) as Float32Array;
    } else {
      x = initialNoise;
      const sigma = scheduler.initNoiseSigma;
      if (sigma !== 1) for (let i = 0; i < x.length; i++) x[i] *= sigma;
    }

    const total = req.steps - start;
    const stepMs: number[] = [];
    const unetInput = new Float32Array(batch * per);
    const eps = new Float32Array(n * per);
    for (let i = start; i < req.steps; i++) {
      signal?.throwIfAborted();
      const ts = performance.now();
      const xin = scheduler.scaleModelInput(x, i);
      unetInput.set(xin, 0);
      if (useCfg) unetInput.set(xin, n * per);
      const out = await this.#unet.run(unetInput, [batch, c, h, w], scheduler.timesteps[i], hidden);
      if (useCfg) {
        // uncond first, then cond: eps = u + g * (c - u)
        const g = req.guidance;
        const m = n * per;
        for (let j = 0; j < m; j++) eps[j] = out[j] + g * (out[m + j] - out[j]);
      } else {
        eps.set(out.subarray(0, n * per));
      }
      const { prevSample, denoised } = scheduler.step(eps, i, x);
      x = prevSample as Float32Array;
      stepMs.push(performance.now() - ts);
      if (opts.onStep) {
        const step = i + 1 - start;
        const decoded =
          opts.decodeEvery && step % opts.decodeEvery === 0 && step < total
            ? await this.#vae.decode(Float32Array.from(denoised), n, h, w)
            : undefined;
        await opts.onStep({ step, total, previews: latentPreviews(denoised, n, c, h, w, this.#preview), decoded });
      }
    }
    signal?.throwIfAborted();
    const images = await this.#vae.decode(x, n, h, w);
    return {
      images: images.map((img, k) => ({ ...img, seed: (req.seed + k) >>> 0 })),
      request: req,
      warnings,
      timings: { totalMs: performance.now() - t0, stepMs },
    };
  }

  /**
   * 2x upscale: resize with Lanczos, then img2img at the larger size and low strength so the
   * model redraws detail without changing the picture.
   */
  async upscale(image: RgbImage, request: Omit<GenerateRequest, 'init' | 'n' | 'width' | 'height'> & { strength?: number }, opts: GenerateOptions = {}): Promise<GenerateResult> {
    const width = image.width * 2;
    const height = image.height * 2;
    const big = await resizeImage(image, width, height);
    return this.generate({ ...request, n: 1, width, height, init: { image: big, strength: request.strength ?? UPSCALE_STRENGTH } }, opts);
  }
}
