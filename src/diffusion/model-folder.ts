/**
 * Reads a model folder in the diffusers / optimum ONNX layout and says precisely what is missing.
 * Nothing here touches onnxruntime: it only finds files and parses the JSON configs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelFolderError } from './model-folder-error.ts';
import { refuseUnsupported, SUPPORTED_MODELS } from './model-family.ts';
import type { SchedulerConfig } from './schedulers/types.ts';
import type { SamplerName } from './types.ts';

/** `sd`: SD 1.x / 2.x (one CLIP text encoder). `sdxl`: SDXL and its fine-tunes, Turbo and Lightning. */
export type ModelFamily = 'sd' | 'sdxl';

/** What the engine needs to know about a model beyond its ONNX graphs. */
export interface ModelFolder {
  dir: string;
  name: string;
  family: ModelFamily;
  files: {
    textEncoder: string;
    unet: string;
    vaeDecoder: string;
    vaeEncoder?: string;
    tokenizerDir: string;
    /** SDXL's second (OpenCLIP bigG) text encoder and its tokenizer. */
    textEncoder2?: string;
    tokenizer2Dir?: string;
  };
  /** SDXL: an empty negative prompt is an all-zero conditioning, not the encoding of "" (model_index.json). */
  forceZerosForEmptyPrompt: boolean;
  scheduler: SchedulerConfig;
  vae: { scalingFactor: number; shiftFactor: number; latentChannels: number; factor?: number };
  /** inChannels: unet/config.json's in_channels (9 for inpainting UNets); the graph's own sample shape decides first. */
  unet: { sampleSize?: number; downsamples?: number; timeCondProjDim?: number; inChannels?: number };
  defaults: { steps: number; guidance: number; sampler: SamplerName; width?: number; height?: number };
  /** Linear latent -> RGB preview (RGB in -1..1), one row of 3 per latent channel. */
  latentRgb?: { factors: number[][]; bias: number[] };
}

export { ModelFolderError };

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ModelFolderError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

function readOptionalJson(file: string): Record<string, unknown> | undefined {
  return existsSync(file) ? readJson(file) : undefined;
}

function need(dir: string, rel: string): string {
  const file = path.join(dir, rel);
  if (!existsSync(file)) {
    throw new ModelFolderError(
      `model folder ${dir} has no ${rel}: expected the diffusers ONNX layout (model_index.json, tokenizer/, ` +
        'text_encoder/model.onnx, unet/model.onnx, vae_decoder/model.onnx, scheduler/scheduler_config.json, ' +
        `and for SDXL tokenizer_2/ and text_encoder_2/model.onnx); ${SUPPORTED_MODELS}; see README "Bringing your own model"`,
    );
  }
  return file;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The sampler a scheduler class stands for: the folder's own choice is the best default. */
function samplerOfScheduler(scheduler: SchedulerConfig): SamplerName {
  switch (scheduler._class_name) {
    case 'EulerDiscreteScheduler':
      return 'euler';
    case 'DDIMScheduler':
      return 'ddim';
    case 'DPMSolverMultistepScheduler':
      return scheduler.use_karras_sigmas === true ? 'dpmpp-2m-karras' : 'dpmpp-2m';
    case 'LCMScheduler':
      return 'lcm';
    default:
      // PNDM (SD 1.x exports) and the rest: Euler ancestral is the usual substitute.
      return 'euler-a';
  }
}

export function readModelFolder(dir: string): ModelFolder {
  const abs = path.resolve(dir);
  if (!existsSync(abs)) throw new ModelFolderError(`model folder ${abs} does not exist (MODEL_DIR)`);
  const index = readJson(need(abs, 'model_index.json'));
  const unetCfg = readOptionalJson(path.join(abs, 'unet/config.json')) ?? {};
  refuseUnsupported(abs, index, unetCfg);
  const family: ModelFamily = existsSync(path.join(abs, 'text_encoder_2')) ? 'sdxl' : 'sd';
  const files = {
    textEncoder: need(abs, 'text_encoder/model.onnx'),
    unet: need(abs, 'unet/model.onnx'),
    vaeDecoder: need(abs, 'vae_decoder/model.onnx'),
    vaeEncoder: existsSync(path.join(abs, 'vae_encoder/model.onnx')) ? path.join(abs, 'vae_encoder/model.onnx') : undefined,
    tokenizerDir: need(abs, 'tokenizer'),
    ...(family === 'sdxl' ? { textEncoder2: need(abs, 'text_encoder_2/model.onnx'), tokenizer2Dir: need(abs, 'tokenizer_2') } : {}),
  };
  const scheduler = readJson(need(abs, 'scheduler/scheduler_config.json')) as SchedulerConfig;
  const vaeCfg = readOptionalJson(path.join(abs, 'vae_decoder/config.json')) ?? {};
  const extra = readOptionalJson(path.join(abs, 'imagine-model.json')) ?? {};
  const blockOut = Array.isArray(vaeCfg.block_out_channels) ? vaeCfg.block_out_channels.length : undefined;
  const unetBlocks = Array.isArray(unetCfg.block_out_channels) ? unetCfg.block_out_channels.length : undefined;
  const defaults = (extra.defaults ?? {}) as Partial<ModelFolder['defaults']>;
  const factors = extra.latent_rgb_factors as number[][] | undefined;
  return {
    dir: abs,
    name: typeof extra.name === 'string' ? extra.name : path.basename(abs),
    family,
    files,
    // diffusers' StableDiffusionXLPipeline defaults it to true when model_index.json does not say.
    forceZerosForEmptyPrompt: family === 'sdxl' && index.force_zeros_for_empty_prompt !== false,
    scheduler,
    vae: {
      // SD 1.x/2.x VAEs leave scaling_factor at 0.18215, SDXL's is 0.13025; neither has a shift.
      scalingFactor: num(vaeCfg.scaling_factor) ?? (family === 'sdxl' ? 0.13025 : 0.18215),
      shiftFactor: num(vaeCfg.shift_factor) ?? 0,
      latentChannels: num(vaeCfg.latent_channels) ?? 4,
      factor: blockOut ? 2 ** (blockOut - 1) : undefined,
    },
    unet: {
      sampleSize: num(unetCfg.sample_size),
      // diffusers' UNet2DConditionModel downsamples between each of its blocks.
      downsamples: unetBlocks ? unetBlocks - 1 : undefined,
      ...(num(unetCfg.time_cond_proj_dim) ? { timeCondProjDim: num(unetCfg.time_cond_proj_dim) } : {}),
      ...(num(unetCfg.in_channels) ? { inChannels: num(unetCfg.in_channels) } : {}),
    },
    defaults: {
      steps: num(defaults.steps) ?? 25,
      // diffusers' own defaults: 5 for SDXL, 7.5 for SD.
      guidance: num(defaults.guidance) ?? (family === 'sdxl' ? 5 : 7.5),
      sampler: (defaults.sampler as SamplerName) ?? samplerOfScheduler(scheduler),
      width: num(defaults.width),
      height: num(defaults.height),
    },
    latentRgb: factors ? { factors, bias: (extra.latent_rgb_factors_bias as number[]) ?? [0, 0, 0] } : undefined,
  };
}
