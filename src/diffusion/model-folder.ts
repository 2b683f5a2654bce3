/**
 * Reads a model folder in the diffusers / optimum ONNX layout and says precisely what is missing.
 * Nothing here touches onnxruntime: it only finds files and parses the JSON configs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SchedulerConfig } from './schedulers/types.ts';
import type { SamplerName } from './types.ts';

/** What the engine needs to know about a model beyond its ONNX graphs. */
export interface ModelFolder {
  dir: string;
  name: string;
  files: { textEncoder: string; unet: string; vaeDecoder: string; vaeEncoder?: string; tokenizerDir: string };
  scheduler: SchedulerConfig;
  vae: { scalingFactor: number; shiftFactor: number; latentChannels: number; factor?: number };
  unet: { sampleSize?: number; downsamples?: number };
  defaults: { steps: number; guidance: number; sampler: SamplerName; width?: number; height?: number };
  /** Linear latent -> RGB preview (RGB in -1..1), one row of 3 per latent channel. */
  latentRgb?: { factors: number[][]; bias: number[] };
}

export class ModelFolderError extends Error {
  override name = 'ModelFolderError';
}

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
        'text_encoder/model.onnx, unet/model.onnx, vae_decoder/model.onnx, scheduler/scheduler_config.json); see README "Bringing your own model"',
    );
  }
  return file;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function readModelFolder(dir: string): ModelFolder {
  const abs = path.resolve(dir);
  if (!existsSync(abs)) throw new ModelFolderError(`model folder ${abs} does not exist (MODEL_DIR)`);
  need(abs, 'model_index.json');
  const files = {
    textEncoder: need(abs, 'text_encoder/model.onnx'),
    unet: need(abs, 'unet/model.onnx'),
    vaeDecoder: need(abs, 'vae_decoder/model.onnx'),
    vaeEncoder: existsSync(path.join(abs, 'vae_encoder/model.onnx')) ? path.join(abs, 'vae_encoder/model.onnx') : undefined,
    tokenizerDir: need(abs, 'tokenizer'),
  };
  const scheduler = readJson(need(abs, 'scheduler/scheduler_config.json')) as SchedulerConfig;
  const vaeCfg = readOptionalJson(path.join(abs, 'vae_decoder/config.json')) ?? {};
  const unetCfg = readOptionalJson(path.join(abs, 'unet/config.json')) ?? {};
  const extra = readOptionalJson(path.join(abs, 'imagine-model.json')) ?? {};
  const blockOut = Array.isArray(vaeCfg.block_out_channels) ? vaeCfg.block_out_channels.length : undefined;
  const unetBlocks = Array.isArray(unetCfg.block_out_channels) ? unetCfg.block_out_channels.length : undefined;
  const defaults = (extra.defaults ?? {}) as Partial<ModelFolder['defaults']>;
  const factors = extra.latent_rgb_factors as number[][] | undefined;
  return {
    dir: abs,
    name: typeof extra.name === 'string' ? extra.name : path.basename(abs),
    files,
    scheduler,
    vae: {
      // SD 1.x/2.x VAEs leave scaling_factor at 0.18215 and have no shift.
      scalingFactor: num(vaeCfg.scaling_factor) ?? 0.18215,
      shiftFactor: num(vaeCfg.shift_factor) ?? 0,
      latentChannels: num(vaeCfg.latent_channels) ?? 4,
      factor: blockOut ? 2 ** (blockOut - 1) : undefined,
    },
    unet: {
      sampleSize: num(unetCfg.sample_size),
      // diffusers' UNet2DConditionModel downsamples between each of its blocks.
      downsamples: unetBlocks ? unetBlocks - 1 : undefined,
    },
    defaults: {
      steps: num(defaults.steps) ?? 25,
      guidance: num(defaults.guidance) ?? 7.5,
      sampler: (defaults.sampler as SamplerName) ?? 'euler-a',
      width: num(defaults.width),
      height: num(defaults.height),
    },
    latentRgb: factors ? { factors, bias: (extra.latent_rgb_factors_bias as number[]) ?? [0, 0, 0] } : undefined,
  };
}
