/**
 * What kind of model a folder holds, and a clear refusal for the kinds the engine does not run
 * (SD3, Flux, inpainting UNets, the SDXL refiner): one message naming what was found and what is
 * supported, before onnxruntime is asked to run a graph it would fail on with a native stack trace.
 * Decided from the folder's layout, its configs and the UNet graph's inputs, never from a name.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ModelFolderError } from './model-folder-error.ts';

export const SUPPORTED_MODELS =
  'supported are Stable Diffusion 1.x and 2.x (epsilon or v-prediction) and SDXL (1.0, its fine-tunes, Turbo, Lightning) ' +
  'text-to-image UNet models in the diffusers / optimum ONNX layout';

function refuse(dir: string, what: string, found: string): never {
  throw new ModelFolderError(`model folder ${dir} holds ${what} (found ${found}), which this bot cannot run; ${SUPPORTED_MODELS}`);
}

/** Refusals decided from the folder and its configs alone (nothing is loaded yet). */
export function refuseUnsupported(dir: string, index: Record<string, unknown>, unetCfg: Record<string, unknown>): void {
  const has = (rel: string) => existsSync(path.join(dir, rel));
  const className = typeof index._class_name === 'string' ? index._class_name : '';
  const classNote = className ? `, model_index.json _class_name ${className}` : '';
  if (has('text_encoder_3') || /StableDiffusion3/.test(className)) {
    const parts = ['transformer/', 'text_encoder_3/'].filter(has);
    refuse(dir, 'a Stable Diffusion 3 model', `${parts.join(' and ') || 'no unet/'}${classNote}`);
  }
  if (has('transformer') && !has('unet')) {
    const what = /Flux/.test(className) ? 'a Flux model' : 'a diffusion-transformer model such as Flux';
    refuse(dir, what, `transformer/ and no unet/${classNote}`);
  }
  const inChannels = unetCfg.in_channels;
  if (inChannels === 9) refuse(dir, 'an inpainting model', 'unet/config.json in_channels 9: latents + mask + masked image');
  if (has('text_encoder_2') && !has('text_encoder')) {
    refuse(dir, 'an SDXL refiner', 'text_encoder_2/ without text_encoder/: the refiner conditions on an aesthetic score and only refines');
  }
}

export interface GraphInput {
  name: string;
  shape: readonly (number | string)[];
}

/** The UNet inputs the engine knows how to fill. */
const KNOWN_INPUTS = new Set(['sample', 'timestep', 'encoder_hidden_states', 'text_embeds', 'time_ids', 'timestep_cond']);

/**
 * Refusals decided from the UNet graph itself, for folders whose configs do not say (an export
 * without unet/config.json, or a folder assembled by hand).
 */
export function checkUnetInputs(dir: string, family: 'sd' | 'sdxl', latentChannels: number, inputs: readonly GraphInput[]): void {
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const sample = byName.get('sample');
  if (!sample) refuse(dir, 'a UNet without a "sample" input', `unet/model.onnx inputs ${inputs.map((i) => i.name).join(', ')}`);
  const channels = sample.shape[1];
  if (channels === 9) refuse(dir, 'an inpainting model', 'a UNet whose sample input has 9 channels: latents + mask + masked image');
  if (typeof channels === 'number' && channels !== latentChannels) {
    refuse(dir, `a UNet taking ${channels}-channel samples`, `the VAE's ${latentChannels} latent channels`);
  }
  const unknown = inputs.map((i) => i.name).filter((n) => !KNOWN_INPUTS.has(n));
  if (unknown.length > 0) refuse(dir, 'a UNet with inputs this engine does not fill', `unet/model.onnx inputs ${unknown.join(', ')}`);
  const sdxlInputs = byName.has('text_embeds') && byName.has('time_ids');
  if (family === 'sdxl' && !sdxlInputs) {
    refuse(dir, 'a model whose UNet lacks SDXL\'s inputs', 'text_encoder_2/ but no text_embeds and time_ids inputs on unet/model.onnx');
  }
  if (family === 'sd' && (byName.has('text_embeds') || byName.has('time_ids'))) {
    refuse(dir, 'an SDXL UNet without its second text encoder', 'text_embeds / time_ids UNet inputs but no text_encoder_2/ and tokenizer_2/');
  }
  const timeIds = byName.get('time_ids')?.shape[1];
  if (typeof timeIds === 'number' && timeIds !== 6) {
    refuse(dir, 'an SDXL refiner or another SDXL variant', `time_ids of ${timeIds} values (SDXL base takes 6: original size, crop, target size)`);
  }
}
