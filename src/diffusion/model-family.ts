/**
 * What kind of model a folder holds, and a clear refusal for the kinds the engine does not run
 * (SD3, Flux, SDXL inpainting UNets, the SDXL refiner, UNets with other inputs): one message naming
 * what was found and what is supported, before onnxruntime is asked to run a graph it would fail on
 * with a native stack trace. Decided from the folder's layout, its configs and the UNet graph's
 * inputs, never from a name. SD 1.x / 2.x inpainting UNets (9 input channels) are run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ModelFolderError } from './model-folder-error.ts';

export const SUPPORTED_MODELS =
  'supported are Stable Diffusion 1.x and 2.x (epsilon or v-prediction) and SDXL (1.0, its fine-tunes, Turbo, Lightning) ' +
  'text-to-image UNet models, and SD 1.x / 2.x inpainting UNets (9 input channels), in the diffusers / optimum ONNX layout';

/** Input channels of an inpainting UNet: noisy latents, the mask (1 channel), the masked image's latents. */
export const inpaintingChannels = (latentChannels: number) => 2 * latentChannels + 1;

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
  if (unetCfg.in_channels === 9 && has('text_encoder_2')) refuseSdxlInpainting(dir, 'unet/config.json in_channels 9 and text_encoder_2/');
  if (has('text_encoder_2') && !has('text_encoder')) {
    refuse(dir, 'an SDXL refiner', 'text_encoder_2/ without text_encoder/: the refiner conditions on an aesthetic score and only refines');
  }
}

/**
 * SDXL inpainting UNets (e.g. diffusers/stable-diffusion-xl-1.0-inpainting-0.1) take the same
 * concatenation, but no fixture of one has been checked against diffusers' SDXL inpaint pipeline
 * here, so they are refused rather than run on trust.
 */
function refuseSdxlInpainting(dir: string, found: string): never {
  refuse(dir, 'an SDXL inpainting model', `${found}; inpainting UNets are run for SD 1.x and 2.x only`);
}

export interface GraphInput {
  name: string;
  shape: readonly (number | string)[];
}

/** The UNet inputs the engine knows how to fill. */
const KNOWN_INPUTS = new Set(['sample', 'timestep', 'encoder_hidden_states', 'text_embeds', 'time_ids', 'timestep_cond']);

/**
 * What the UNet graph itself says, for folders whose configs do not (an export without
 * unet/config.json, or a folder assembled by hand): refusals, and whether it is an inpainting UNet.
 * The graph's sample channels decide; unet/config.json's in_channels only where the graph leaves
 * that axis symbolic.
 */
export function checkUnetInputs(
  dir: string,
  family: 'sd' | 'sdxl',
  latentChannels: number,
  inputs: readonly GraphInput[],
  configInChannels?: number,
): { inpainting: boolean } {
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const sample = byName.get('sample');
  if (!sample) refuse(dir, 'a UNet without a "sample" input', `unet/model.onnx inputs ${inputs.map((i) => i.name).join(', ')}`);
  const declared = sample.shape[1];
  const channels = typeof declared === 'number' ? declared : configInChannels;
  const inpainting = channels === inpaintingChannels(latentChannels);
  if (inpainting && family === 'sdxl') refuseSdxlInpainting(dir, `a UNet whose sample input has ${channels} channels and text_encoder_2/`);
  if (channels !== undefined && channels !== latentChannels && !inpainting) {
    refuse(
      dir,
      `a UNet taking ${channels}-channel samples`,
      `the VAE's ${latentChannels} latent channels; the engine fills ${latentChannels} (text-to-image) or ` +
        `${inpaintingChannels(latentChannels)} (inpainting: latents + mask + masked image)`,
    );
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
  return { inpainting };
}
