/**
 * The text-to-image pipeline: tokenizer -> text encoder(s) -> sampler loop over the UNet with
 * classifier-free guidance -> VAE decode. A thin loop over typed components, as diffusers' Stable
 * Diffusion and Stable Diffusion XL pipelines (and, for 9-channel inpainting UNets, its Stable
 * Diffusion inpaint pipeline); it knows nothing of Discord, queues or databases.
 */
import { mixChaos } from './chaos.ts';
import { performance } from 'node:perf_hooks';
import { resizeImage } from './resize.ts';
import { latentPreviews, SD15_LATENT_RGB, SDXL_LATENT_RGB, type LatentRgb } from './latent-preview.ts';
import { InpaintInput, latentMask, maskedImage, paintMaskOfCanvas, type InpaintConditioning } from './inpaint.ts';
import { checkUnetInputs } from './model-family.ts';
import { ModelFolderError, readModelFolder, type ModelFamily, type ModelFolder } from './model-folder.ts';
import { createSession, type InferenceSession, type RuntimeOptions } from './onnx-runtime.ts';
import { batchNoiseSource, SeededRandom } from './random.ts';
import { resolveRequest } from './resolve-request.ts';
import { createScheduler, img2imgStartIndex } from './schedulers/index.ts';
import { sdxlSizeRule, sizeForAspect, sizeRule, type SizeRule } from './image-sizes.ts';
import { FORWARD_FRAMES, forwardCaption, forwardTimesteps, noiseTo, type FilmFrame } from './film.ts';
import { trainingAlphasCumprod } from './schedulers/betas.ts';
import { BASE_DEFAULTS, resolveConfig } from './schedulers/config.ts';
import { stackConditioning, stackPooled, TextConditioner, TextEncoder, zeroConditioning, type Conditioning } from './text-conditioning.ts';
import { ClipTokenizer } from './tokenizer/clip-tokenizer.ts';
import type { GenerateOptions, GenerateRequest, GenerateResult, ResolvedRequest, RgbImage } from './types.ts';
import { UNetRunner } from './unet-runner.ts';
import { chwToImages, imagesToChw, Vae } from './vae.ts';
import { downsampleMask, featherMask } from './canvas.ts';

/** Seam feathering of an outpaint: in latents (each one 8 pixels on SD) and in pixels at the end. */
export const OUTPAINT_LATENT_FEATHER = 2;
export const OUTPAINT_PIXEL_FEATHER = 8;

export interface LoadOptions extends RuntimeOptions {
  /** Largest UNet batch per session.run (CFG doubles the image count). Default 8. */
  maxBatch?: number;
}

export interface ModelInfo {
  name: string;
  dir: string;
  /** `sd` (SD 1.x / 2.x) or `sdxl` (SDXL, Turbo, Lightning), from the folder's layout and UNet inputs. */
  family: ModelFamily;
  /** What the UNet predicts, from the scheduler config: epsilon (most), v_prediction (SD 2.x 768), or sample. */
  predictionType: string;
  sizes: SizeRule;
  defaults: ModelFolder['defaults'];
  latentChannels: number;
  vaeFactor: number;
  canImg2Img: boolean;
  /**
   * A 9-channel inpainting UNet (latents + mask + masked image's latents): Zoom Out and Pan use its
   * own inpainting, and every other job runs it with a full mask, as diffusers' inpaint pipeline does.
   */
  inpainting: boolean;
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
  readonly #sessions: Record<'textEncoder' | 'unet' | 'vaeDecoder', InferenceSession> & { vaeEncoder?: InferenceSession; textEncoder2?: InferenceSession };

  /** Masked-image latents of an all-paint canvas (a zero image) by size: the same for every job of that size. */
  readonly #blankLatents = new Map<string, Promise<Float32Array>>();

  private constructor(folder: ModelFolder, text: TextConditioner, unet: UNetRunner, vae: Vae, vaeFactor: number, inpainting: boolean) {
    this.#folder = folder;
    this.#text = text;
    this.#unet = unet;
    this.#vae = vae;
    this.#preview = folder.latentRgb ?? (folder.family === 'sdxl' ? SDXL_LATENT_RGB : SD15_LATENT_RGB);
    this.#sessions = {
      textEncoder: text.encoders[0].session,
      unet: unet.session,
      vaeDecoder: vae.decoder,
      vaeEncoder: vae.encoder,
      textEncoder2: text.encoders[1]?.session,
    };
    const downsamples = folder.unet.downsamples ?? 3;
    const nativeLatent = folder.unet.sampleSize ?? 64;
    const nativeW = folder.defaults.width ?? nativeLatent * vaeFactor;
    const nativeH = folder.defaults.height ?? nativeLatent * vaeFactor;
    this.info = {
      name: folder.name,
      dir: folder.dir,
      family: folder.family,
      predictionType: typeof folder.scheduler.prediction_type === 'string' ? folder.scheduler.prediction_type : 'epsilon',
      sizes: folder.family === 'sdxl' ? sdxlSizeRule(vaeFactor, downsamples, nativeW, nativeH) : sizeRule(vaeFactor, downsamples, nativeW, nativeH),
      defaults: { ...folder.defaults, width: nativeW, height: nativeH },
      latentChannels: folder.vae.latentChannels,
      vaeFactor,
      canImg2Img: vae.encoder !== undefined,
      inpainting,
    };
  }

  /**
   * Load a model folder once; every job shares the sessions. Sessions are created from the file
   * paths, so onnxruntime finds external weights (`model.onnx_data`) beside each `model.onnx`.
   */
  static async load(dir: string, opts: LoadOptions = {}): Promise<DiffusionPipeline> {
    const folder = readModelFolder(dir);
    const { files } = folder;
    // The UNet first: its inputs can still refuse the folder before the rest is loaded.
    const unetSession = await createSession(files.unet, opts);
    const { inpainting } = checkUnetInputs(
      folder.dir,
      folder.family,
      folder.vae.latentChannels,
      unetSession.inputMetadata.map((m) => ({ name: m.name, shape: m.isTensor ? m.shape : [] })),
      folder.unet.inChannels,
    );
    if (inpainting && !files.vaeEncoder) {
      throw new ModelFolderError(
        `model folder ${folder.dir} holds an inpainting model but has no vae_encoder/model.onnx: its UNet takes the masked image's latents at every step, even for /imagine`,
      );
    }
    const [tokenizer, textSession, tokenizer2, textSession2, decoder, encoder] = await Promise.all([
      ClipTokenizer.fromFolder(files.tokenizerDir),
      createSession(files.textEncoder, opts),
      files.tokenizer2Dir ? ClipTokenizer.fromFolder(files.tokenizer2Dir) : undefined,
      files.textEncoder2 ? createSession(files.textEncoder2, opts) : undefined,
      createSession(files.vaeDecoder, opts),
      files.vaeEncoder ? createSession(files.vaeEncoder, opts) : undefined,
    ]);
    const encoders =
      tokenizer2 && textSession2
        ? [new TextEncoder(tokenizer, textSession, 'penultimate'), new TextEncoder(tokenizer2, textSession2, 'penultimate', 'text_embeds')]
        : [new TextEncoder(tokenizer, textSession)];
    const vae = new Vae(decoder, encoder, folder.vae.scalingFactor, folder.vae.shiftFactor, folder.vae.latentChannels);
    const factor = folder.vae.factor ?? (await vae.measureFactor());
    const unet = new UNetRunner(unetSession, opts.maxBatch ?? 8, folder.unet.timeCondProjDim);
    return new DiffusionPipeline(folder, new TextConditioner(encoders), unet, vae, factor, inpainting);
  }

  /** The raw onnxruntime sessions, for benchmarks and diagnostics. */
  get sessions() {
    return this.#sessions;
  }

  /** A prompt's text conditioning as the UNet receives it: hidden states [sequence, dim] and, for SDXL, the pooled embedding. */
  encodePrompt(prompt: string): Promise<Conditioning> {
    return this.#text.encode(prompt);
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
    // guidance <= 1 is the conditional model alone (turbo / LCM); an LCM-distilled UNet applies guidance itself.
    const useCfg = req.guidance > 1 && !this.#unet.embedsGuidance;

    const cond = await this.#text.encode(req.prompt);
    const warnings: string[] = [];
    if (cond.truncated) warnings.push(`prompt is longer than the model's ${cond.sequence} tokens; the end was cut`);
    const parts = [{ c: cond, count: n }];
    if (useCfg) {
      // SDXL's force_zeros_for_empty_prompt: no negative prompt means a zero conditioning, not the encoding of "".
      const zeros = req.negativePrompt === '' && this.#folder.forceZerosForEmptyPrompt;
      const uncond = zeros ? zeroConditioning(cond) : await this.#text.encode(req.negativePrompt);
      if (uncond.truncated) warnings.push(`negative prompt is longer than ${uncond.sequence} tokens; the end was cut`);
      parts.unshift({ c: uncond, count: n });
    }
    const batch = useCfg ? 2 * n : n;
    const conditioning = this.#unet.prepare(
      {
        hidden: stackConditioning(parts),
        seq: cond.sequence,
        dim: cond.dim,
        pooled: stackPooled(parts),
        // SDXL micro-conditioning (Podell et al. 2023, sec. 2.2): original size, crop top-left, target size, as (height, width).
        timeIds: [req.height, req.width, 0, 0, req.height, req.width],
        guidanceW: req.guidance - 1,
      },
      batch,
    );

    const generators = Array.from({ length: n }, (_, k) => new SeededRandom((req.seed + k) >>> 0));
    const seeded = batchNoiseSource(generators, per);
    const noise = opts.stepNoise ?? seeded;
    const scheduler = createScheduler(req.sampler, this.#folder.scheduler, req.steps, { noise });
    const initialNoise = seeded(n * per);
    if (req.chaos !== undefined) mixChaos(initialNoise, n, per, req.chaos);
    if (opts.initialLatents) {
      if (opts.initialLatents.length !== n * per) {
        throw new Error(`initialLatents must hold n x ${c} x ${h} x ${w} = ${n * per} values, got ${opts.initialLatents.length}`);
      }
      initialNoise.set(opts.initialLatents);
    }
    let x: Float32Array;
    let start = 0;
    // Outpaint (RePaint, Lugmayr et al. 2022): after every step the known area is replaced by the
    // original's latents noised to the next step's level, so the model paints the rest to match.
    let known: { x0: Float32Array; noise: Float32Array; mask: Float32Array } | undefined;
    // An inpainting UNet paints from its extra inputs instead (diffusers' inpaint pipeline, in_channels 9).
    const inpaint = this.info.inpainting ? await this.#inpaintConditioning(request, req.width, req.height) : undefined;
    if (request.outpaint && !inpaint) {
      const { latents: one } = await this.#vae.encode([request.outpaint.image]);
      const x0 = new Float32Array(n * per);
      for (let k = 0; k < n; k++) x0.set(one, k * per);
      const f = this.info.vaeFactor;
      // A latent counts as known only when its whole 8x8 block is; the feather then fades it inwards.
      const blocks = downsampleMask(request.outpaint.mask, req.width, req.height, f).map((v) => (v >= 1 - 1e-6 ? 1 : 0));
      known = { x0, noise: Float32Array.from(initialNoise), mask: featherMask(blocks, w, h, OUTPAINT_LATENT_FEATHER) };
    }
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

    if (known) x = replaceKnown(x, known, scheduler.addNoise(known.x0, known.noise, 0) as Float32Array, n, c, h * w);
    const total = req.steps - start;
    const stepMs: number[] = [];
    const unetInput = inpaint ? new InpaintInput(inpaint, batch, c, h * w) : undefined;
    const plainInput = new Float32Array(inpaint ? 0 : batch * per);
    const eps = new Float32Array(n * per);
    for (let i = start; i < req.steps; i++) {
      signal?.throwIfAborted();
      const ts = performance.now();
      const xin = scheduler.scaleModelInput(x, i);
      let out: Float32Array;
      if (unetInput) {
        out = await this.#unet.run(unetInput.fill(xin, n), [batch, unetInput.channels, h, w], scheduler.timesteps[i], conditioning);
      } else {
        plainInput.set(xin, 0);
        if (useCfg) plainInput.set(xin, n * per);
        out = await this.#unet.run(plainInput, [batch, c, h, w], scheduler.timesteps[i], conditioning);
      }
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
      if (known) x = replaceKnown(x, known, i + 1 < req.steps ? (scheduler.addNoise(known.x0, known.noise, i + 1) as Float32Array) : known.x0, n, c, h * w);
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
    const decoded = await this.#vae.decodeFloat(x, n, h, w);
    if (decoded.pixels.some((p) => p.some(Number.isNaN))) {
      // SDXL's own VAE overflows in float16 (diffusers upcasts it: force_upcast); an ONNX graph cannot.
      throw new Error(
        `the VAE decoder of ${this.info.name} produced NaN pixels; SDXL's VAE overflows in float16: export the VAE in float32 ` +
          'or use an fp16-safe SDXL VAE (e.g. madebyollin/sdxl-vae-fp16-fix)',
      );
    }
    if (request.outpaint) blendPixels(decoded.pixels, request.outpaint.image, featherMask(request.outpaint.mask, req.width, req.height, OUTPAINT_PIXEL_FEATHER));
    const images = decoded.pixels.map((p, k) => ({ ...chwToImages(p, 1, decoded.height, decoded.width)[0], seed: (req.seed + k) >>> 0 }));
    return {
      images,
      request: req,
      warnings,
      timings: { totalMs: performance.now() - t0, stepMs },
      ...(opts.keepFloat ? { pixels: decoded.pixels, latents: x } : {}),
    };
  }

  /**
   * The mask and masked-image latents an inpainting UNet gets with every step, as diffusers'
   * StableDiffusionInpaintPipeline makes them. An outpaint canvas paints where it is unknown. Any
   * other job (text-to-image, and img2img, which diffusers' inpaint pipeline does with strength < 1)
   * paints everywhere: a full mask and a zero (mid-grey) masked image, which is what that pipeline
   * makes of an all-white mask_image whatever the image.
   */
  async #inpaintConditioning(request: GenerateRequest, width: number, height: number): Promise<InpaintConditioning> {
    const f = this.info.vaeFactor;
    const encode = async (chw: Float32Array) => (await this.#vae.encodeChw(chw, 1, height, width)).latents;
    if (request.outpaint) {
      const paint = paintMaskOfCanvas(request.outpaint.mask);
      return { mask: latentMask(paint, width, height, f), maskedLatents: await encode(maskedImage(request.outpaint.image, paint)) };
    }
    const key = `${width}x${height}`;
    let blank = this.#blankLatents.get(key);
    if (!blank) {
      blank = encode(new Float32Array(3 * width * height));
      this.#blankLatents.set(key, blank);
      blank.catch(() => this.#blankLatents.delete(key));
    }
    return { mask: new Float32Array((width / f) * (height / f)).fill(1), maskedLatents: await blank };
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

  /**
   * The forward process: `image` noised at this model's own schedule, x_t = sqrt(ᾱ_t)·x0 + sqrt(1-ᾱ_t)·ε,
   * at `frames` timesteps from 0 to the last. In latent space (VAE encode, noise, VAE decode: the space
   * the model actually diffuses in) when the model has a VAE encoder, else in pixel space.
   */
  async forwardProcess(image: RgbImage, opts: { seed?: number; frames?: number } = {}): Promise<{ frames: FilmFrame[]; space: 'latent' | 'pixel' }> {
    const cfg = resolveConfig(this.#folder.scheduler, BASE_DEFAULTS);
    const alphaBar = trainingAlphasCumprod(cfg);
    const steps = forwardTimesteps(cfg.numTrainTimesteps, opts.frames ?? FORWARD_FRAMES);
    const rng = new SeededRandom((opts.seed ?? 0) >>> 0);
    const caption = (t: number) => forwardCaption(t, cfg.numTrainTimesteps, alphaBar[t]);
    if (!this.info.canImg2Img) {
      const x0 = imagesToChw([image]);
      const eps = rng.fillGaussian(new Float32Array(x0.length));
      return {
        space: 'pixel',
        frames: steps.map((t) => ({ image: chwToImages(noiseTo(x0, eps, alphaBar[t]), 1, image.height, image.width)[0], caption: caption(t) })),
      };
    }
    const size = sizeForAspect(this.info.sizes, image.width, image.height);
    const fitted = await resizeImage(image, size.width, size.height);
    const { latents: x0, h, w } = await this.#vae.encode([fitted]);
    const eps = rng.fillGaussian(new Float32Array(x0.length));
    const frames: FilmFrame[] = [];
    for (const t of steps) {
      const [decoded] = await this.#vae.decode(noiseTo(x0, eps, alphaBar[t]), 1, h, w);
      frames.push({ image: decoded, caption: caption(t) });
    }
    return { space: 'latent', frames };
  }
}

/** x = m * known + (1 - m) * x, per latent position (the mask is shared by every channel and image). */
function replaceKnown(x: Float32Array, k: { mask: Float32Array }, level: Float32Array, n: number, c: number, plane: number): Float32Array {
  for (let b = 0; b < n * c; b++) {
    const o = b * plane;
    for (let j = 0; j < plane; j++) {
      const m = k.mask[j];
      if (m > 0) x[o + j] = m * level[o + j] + (1 - m) * x[o + j];
    }
  }
  return x;
}

/** The final seam: decoded pixels (CHW, -1..1) blended with the canvas under a feathered mask. */
function blendPixels(pixels: Float32Array[], canvas: RgbImage, mask: Float32Array): void {
  const plane = canvas.width * canvas.height;
  for (const p of pixels) {
    for (let j = 0; j < plane; j++) {
      const m = mask[j];
      if (m === 0) continue;
      for (let ch = 0; ch < 3; ch++) p[ch * plane + j] = m * (canvas.data[j * 3 + ch] / 127.5 - 1) + (1 - m) * p[ch * plane + j];
    }
  }
}
