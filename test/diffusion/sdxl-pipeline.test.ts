/**
 * The SDXL path of the real pipeline on the tiny SDXL fixture (diffusers' own classes, optimum's
 * layout, UNet weights in model.onnx_data): previews with SDXL's latent-to-RGB factors, the empty
 * negative prompt as zeros, guidance <= 1 as one pass, and img2img (vary, upscale).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { latentPreviews, SD15_LATENT_RGB, SDXL_LATENT_RGB } from '../../src/diffusion/latent-preview.ts';
import { DiffusionPipeline } from '../../src/diffusion/pipeline.ts';
import type { StepProgress } from '../../src/diffusion/types.ts';
import { meanAbsDiff } from '../support/model.ts';
import { fixtureDir, maxAbsDiff } from './diffusers-fixtures.ts';

let loading: Promise<DiffusionPipeline> | undefined;
const sdxl = () => (loading ??= DiffusionPipeline.load(fixtureDir('sdxl-tiny'), { threads: 1 }));
const base = { prompt: 'a red circle on a blue square', steps: 3, sampler: 'euler' as const, guidance: 5, n: 1 };

describe('SDXL through the pipeline (sdxl-tiny fixture)', () => {
  it('loads as SDXL with its native size and SDXL\'s aspect sizes scaled to it', async () => {
    const p = await sdxl();
    expect(p.info.family).toBe('sdxl');
    expect(p.sessions.textEncoder2).toBeDefined();
    // Its UNet's weights are external, as optimum writes SDXL's: the session found them beside model.onnx.
    expect(existsSync(path.join(fixtureDir('sdxl-tiny'), 'unet', 'model.onnx_data'))).toBe(true);
    expect(p.info.sizes.buckets?.[0]).toEqual({ width: p.info.sizes.nativeWidth, height: p.info.sizes.nativeHeight });
    expect(p.info.defaults.guidance).toBe(5);
  });

  it('previews each step with SDXL\'s latent-to-RGB factors, not SD 1.5\'s', async () => {
    const p = await sdxl();
    const seen: StepProgress[] = [];
    const r = await p.generate({ ...base, seed: 3 }, { keepFloat: true, onStep: (s) => void seen.push(s) });
    const { width, height } = r.request;
    const f = p.info.vaeFactor;
    // Euler's last step lands on its own x0 estimate, so the last preview is of the final latents.
    const last = seen[seen.length - 1].previews[0];
    const xl = latentPreviews(r.latents!, 1, 4, height / f, width / f, SDXL_LATENT_RGB)[0];
    const sd15 = latentPreviews(r.latents!, 1, 4, height / f, width / f, SD15_LATENT_RGB)[0];
    expect(meanAbsDiff(last, xl)).toBeLessThan(0.01);
    expect(meanAbsDiff(last, sd15)).toBeGreaterThan(1);
  });

  it('conditions an empty negative prompt on zeros (force_zeros_for_empty_prompt), unlike the encoded ""', async () => {
    const p = await sdxl();
    const none = await p.generate({ ...base, seed: 4 }, { keepFloat: true });
    const empty = await p.encodePrompt('');
    expect(empty.hidden.some((v) => v !== 0)).toBe(true); // "" encodes to something: zeros are a choice
    const withText = await p.generate({ ...base, seed: 4, negativePrompt: 'blurry' }, { keepFloat: true });
    expect(maxAbsDiff(none.latents!, withText.latents!)).toBeGreaterThan(1e-3);
  });

  it('makes the same image with guidance 1 and guidance 0.5: both are one conditional pass', async () => {
    const p = await sdxl();
    const one = await p.generate({ ...base, seed: 6, guidance: 1, negativePrompt: 'blurry' }, { keepFloat: true });
    const half = await p.generate({ ...base, seed: 6, guidance: 0.5, negativePrompt: 'something else' }, { keepFloat: true });
    expect(maxAbsDiff(one.latents!, half.latents!)).toBe(0);
  });

  it('varies an image (img2img) from its VAE encoding, running the last part of the schedule, and upscales it 2x', async () => {
    // Random weights draw no picture, so "stays close to the source" means nothing here: this checks the
    // SDXL img2img path runs (latent_parameters mean x 0.13025, time_ids of the new size) and where it starts.
    const p = await sdxl();
    const src = (await p.generate({ ...base, seed: 8 })).images[0];
    const steps: number[] = [];
    const vary = await p.generate({ ...base, steps: 10, seed: 9, init: { image: src, strength: 0.3 } }, { keepFloat: true, onStep: (s) => void steps.push(s.step) });
    const fresh = await p.generate({ ...base, steps: 10, seed: 9 }, { keepFloat: true });
    expect(steps).toEqual([1, 2, 3]); // diffusers' get_timesteps: floor(10 x 0.3) steps
    expect([vary.images[0].width, vary.images[0].height]).toEqual([src.width, src.height]);
    expect(maxAbsDiff(vary.latents!, fresh.latents!)).toBeGreaterThan(1e-2);
    const up = await p.upscale(src, { prompt: base.prompt, seed: 8, steps: 4 });
    expect([up.images[0].width, up.images[0].height]).toEqual([src.width * 2, src.height * 2]);
    expect(up.request).toMatchObject({ width: src.width * 2, height: src.height * 2, strength: 0.35 });
  });
});
