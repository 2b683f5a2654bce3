/**
 * Models the engine does not run are refused with one message naming what was found and what is
 * supported, before onnxruntime runs anything: from the folder's layout and configs (SD3, Flux,
 * SDXL inpainting, the SDXL refiner) or from the UNet graph's inputs when no config says. SD 1.x /
 * 2.x inpainting UNets (9 channels) are run (test/diffusion/inpainting.test.ts loads one).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkUnetInputs, SUPPORTED_MODELS, type GraphInput } from '../../src/diffusion/model-family.ts';
import { ModelFolderError, readModelFolder } from '../../src/diffusion/model-folder.ts';
import { DiffusionPipeline } from '../../src/diffusion/pipeline.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'model-family-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let count = 0;

/** A model folder of configs and placeholder files: `files` maps a relative path to JSON (object) or raw text. */
function folder(files: Record<string, unknown>): string {
  const dir = path.join(tmp, `model-${++count}`);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    if (rel.endsWith('/')) mkdirSync(file, { recursive: true });
    else if (typeof content === 'string' && content.startsWith('graph:')) copyFileSync(path.join(import.meta.dirname, 'fake-graphs', content.slice(6)), file);
    else writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

/** The parts every SD folder has, as placeholders (nothing here is loaded before the refusal). */
const SD_PARTS = {
  'model_index.json': { _class_name: 'StableDiffusionPipeline' },
  'tokenizer/': '',
  'text_encoder/model.onnx': 'not a graph',
  'unet/model.onnx': 'not a graph',
  'vae_decoder/model.onnx': 'not a graph',
  'scheduler/scheduler_config.json': { _class_name: 'PNDMScheduler' },
};

async function refusal(dir: string): Promise<string> {
  // Through the real loader: what a user with MODEL_DIR gets.
  const err = await DiffusionPipeline.load(dir, { threads: 1 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelFolderError);
  const message = (err as Error).message;
  expect(message).toContain(`model folder ${dir} holds`);
  expect(message).toContain(SUPPORTED_MODELS);
  expect(message).not.toMatch(/onnxruntime|\n/);
  return message;
}

describe('refusing models the engine cannot run', () => {
  it('refuses Stable Diffusion 3 (transformer/ and text_encoder_3/), naming both', async () => {
    const dir = folder({
      'model_index.json': { _class_name: 'StableDiffusion3Pipeline' },
      'transformer/model.onnx': 'x',
      'text_encoder/model.onnx': 'x',
      'text_encoder_2/model.onnx': 'x',
      'text_encoder_3/model.onnx': 'x',
      'vae_decoder/model.onnx': 'x',
    });
    const message = await refusal(dir);
    expect(message).toContain('holds a Stable Diffusion 3 model (found transformer/ and text_encoder_3/, model_index.json _class_name StableDiffusion3Pipeline)');
  });

  it('refuses Flux (transformer/ and no unet/), naming what it found', async () => {
    const dir = folder({
      'model_index.json': { _class_name: 'FluxPipeline' },
      'transformer/model.onnx': 'x',
      'text_encoder/model.onnx': 'x',
      'text_encoder_2/model.onnx': 'x',
      'vae_decoder/model.onnx': 'x',
    });
    expect(await refusal(dir)).toContain('holds a Flux model (found transformer/ and no unet/, model_index.json _class_name FluxPipeline)');
  });

  it('refuses any other transformer-only folder as a diffusion transformer, without relying on a class name', async () => {
    const dir = folder({ 'model_index.json': {}, 'transformer/model.onnx': 'x', 'vae_decoder/model.onnx': 'x' });
    expect(await refusal(dir)).toContain('holds a diffusion-transformer model such as Flux (found transformer/ and no unet/)');
  });

  it('no longer refuses a 9-channel SD inpainting UNet named by unet/config.json in_channels', () => {
    const dir = folder({ ...SD_PARTS, 'model_index.json': { _class_name: 'StableDiffusionInpaintPipeline' }, 'unet/config.json': { in_channels: 9, out_channels: 4 } });
    expect(readModelFolder(dir).unet.inChannels).toBe(9);
  });

  it('refuses an SDXL inpainting UNet (in_channels 9 beside text_encoder_2/), saying inpainting is run for SD 1.x and 2.x', async () => {
    const dir = folder({ ...SD_PARTS, 'text_encoder_2/model.onnx': 'x', 'tokenizer_2/': '', 'unet/config.json': { in_channels: 9 } });
    expect(await refusal(dir)).toContain(
      'holds an SDXL inpainting model (found unet/config.json in_channels 9 and text_encoder_2/; inpainting UNets are run for SD 1.x and 2.x only)',
    );
  });

  it('refuses an SDXL inpainting UNet from the graph when the folder has no unet/config.json', async () => {
    const dir = folder({ ...SD_PARTS, 'text_encoder_2/model.onnx': 'x', 'tokenizer_2/': '', 'unet/model.onnx': 'graph:unet-inpainting-9ch.onnx' });
    expect(await refusal(dir)).toContain('holds an SDXL inpainting model (found a UNet whose sample input has 9 channels and text_encoder_2/');
  });

  it.each([
    ['unet-depth-5ch.onnx', 5, 'SD 2 depth'],
    ['unet-pix2pix-8ch.onnx', 8, 'InstructPix2Pix'],
  ])('still refuses a UNet taking other extra channels (%s: %i, %s), naming the channels it fills', async (graph, channels) => {
    const dir = folder({ ...SD_PARTS, 'unet/model.onnx': `graph:${graph}` });
    expect(await refusal(dir)).toContain(
      `holds a UNet taking ${channels}-channel samples (found the VAE's 4 latent channels; the engine fills 4 (text-to-image) or 9 (inpainting: latents + mask + masked image))`,
    );
  });

  it('refuses the SDXL refiner (text_encoder_2 only) from the layout', async () => {
    const { 'text_encoder/model.onnx': _, ...rest } = SD_PARTS;
    const dir = folder({ ...rest, 'text_encoder_2/model.onnx': 'x', 'tokenizer_2/': '' });
    expect(await refusal(dir)).toContain('holds an SDXL refiner (found text_encoder_2/ without text_encoder/');
  });

  it('refuses a UNet whose time_ids are not SDXL base\'s 6 values', async () => {
    const dir = folder({ ...SD_PARTS, 'text_encoder_2/model.onnx': 'x', 'tokenizer_2/': '', 'unet/model.onnx': 'graph:unet-refiner-signature.onnx' });
    expect(await refusal(dir)).toContain('(found time_ids of 5 values (SDXL base takes 6: original size, crop, target size))');
  });

  it('refuses an SDXL UNet in a folder without text_encoder_2/, instead of failing at the first step', async () => {
    const dir = folder({ ...SD_PARTS, 'unet/model.onnx': 'graph:unet-sdxl-signature.onnx' });
    expect(await refusal(dir)).toContain('holds an SDXL UNet without its second text encoder (found text_embeds / time_ids UNet inputs but no text_encoder_2/');
  });

  it('refuses a UNet with inputs the engine does not fill (e.g. ControlNet residuals), naming them', async () => {
    const dir = folder({ ...SD_PARTS, 'unet/model.onnx': 'graph:unet-controlnet-inputs.onnx' });
    expect(await refusal(dir)).toContain('(found unet/model.onnx inputs down_block_additional_residuals)');
  });
});

describe('telling an inpainting UNet by its graph', () => {
  const inputs = (channels: number | string): GraphInput[] => [
    { name: 'sample', shape: ['batch', channels, 'height', 'width'] },
    { name: 'timestep', shape: ['steps'] },
    { name: 'encoder_hidden_states', shape: ['batch', 'sequence', 32] },
  ];

  it('a sample input of 9 channels is an inpainting UNet, 4 a text-to-image one, whatever the config says', () => {
    expect(checkUnetInputs('/m', 'sd', 4, inputs(9))).toEqual({ inpainting: true });
    expect(checkUnetInputs('/m', 'sd', 4, inputs(4), 9)).toEqual({ inpainting: false });
  });

  it('a symbolic channel axis falls back to unet/config.json in_channels, and to text-to-image without one', () => {
    expect(checkUnetInputs('/m', 'sd', 4, inputs('channels'), 9)).toEqual({ inpainting: true });
    expect(checkUnetInputs('/m', 'sd', 4, inputs('channels'))).toEqual({ inpainting: false });
  });

  it('a 9-channel graph in an SDXL folder is refused as SDXL inpainting', () => {
    expect(() => checkUnetInputs('/m', 'sdxl', 4, inputs(9))).toThrow('holds an SDXL inpainting model (found a UNet whose sample input has 9 channels and text_encoder_2/');
  });
});

describe('telling SDXL from SD by the layout', () => {
  it('reads a folder with text_encoder_2/ and tokenizer_2/ as SDXL: both encoders, SDXL VAE scaling, force_zeros, guidance 5', () => {
    const dir = folder({ ...SD_PARTS, 'text_encoder_2/model.onnx': 'x', 'tokenizer_2/': '', 'scheduler/scheduler_config.json': { _class_name: 'EulerDiscreteScheduler' } });
    const m = readModelFolder(dir);
    expect(m.family).toBe('sdxl');
    expect(m.files.textEncoder2).toBe(path.join(dir, 'text_encoder_2/model.onnx'));
    expect(m.files.tokenizer2Dir).toBe(path.join(dir, 'tokenizer_2'));
    expect(m.forceZerosForEmptyPrompt).toBe(true);
    expect(m.vae.scalingFactor).toBe(0.13025);
    expect(m.defaults).toMatchObject({ guidance: 5, sampler: 'euler' });
  });

  it('honours force_zeros_for_empty_prompt false and the VAE config\'s own scaling factor', () => {
    const dir = folder({
      ...SD_PARTS,
      'model_index.json': { force_zeros_for_empty_prompt: false },
      'text_encoder_2/model.onnx': 'x',
      'tokenizer_2/': '',
      'vae_decoder/config.json': { scaling_factor: 0.5 },
    });
    const m = readModelFolder(dir);
    expect(m.forceZerosForEmptyPrompt).toBe(false);
    expect(m.vae.scalingFactor).toBe(0.5);
  });

  it('says tokenizer_2/ is missing when an SDXL folder lacks it', () => {
    const dir = folder({ ...SD_PARTS, 'text_encoder_2/model.onnx': 'x' });
    expect(() => readModelFolder(dir)).toThrow(`model folder ${dir} has no tokenizer_2`);
  });

  it('reads a folder with one text encoder as SD, with SD 1.x scaling and no zeroed negative prompt', () => {
    const m = readModelFolder(folder(SD_PARTS));
    expect(m.family).toBe('sd');
    expect(m.files.textEncoder2).toBeUndefined();
    expect(m.forceZerosForEmptyPrompt).toBe(false);
    expect(m.vae.scalingFactor).toBe(0.18215);
    expect(m.defaults).toMatchObject({ guidance: 7.5, sampler: 'euler-a' });
  });
});
