import { describe, expect, it } from 'vitest';
import { DiffusionPipeline } from '../../src/diffusion/pipeline.ts';
import { RequestError } from '../../src/diffusion/request-error.ts';
import type { StepProgress } from '../../src/diffusion/types.ts';
import { embeddedPipeline, meanAbsDiff } from '../support/model.ts';

const base = { prompt: 'a red circle', steps: 6, sampler: 'euler-a' as const, guidance: 7 };

describe('DiffusionPipeline on the embedded model', () => {
  it('makes n images of the native size, image k with seed + k', async () => {
    const p = await embeddedPipeline();
    const r = await p.generate({ ...base, seed: 40, n: 3 });
    expect(r.images).toHaveLength(3);
    expect(r.images.map((i) => i.seed)).toEqual([40, 41, 42]);
    for (const img of r.images) {
      expect([img.width, img.height]).toEqual([p.info.sizes.nativeWidth, p.info.sizes.nativeHeight]);
      expect(img.data.length).toBe(img.width * img.height * 3);
    }
    expect(r.request).toMatchObject({ prompt: 'a red circle', n: 3, seed: 40, steps: 6, sampler: 'euler-a', model: p.info.name });
  });

  it('gives the same pixels for the same request and seed, and other pixels for another seed', async () => {
    const p = await embeddedPipeline();
    const a = await p.generate({ ...base, seed: 7, n: 1 });
    const b = await p.generate({ ...base, seed: 7, n: 1 });
    const c = await p.generate({ ...base, seed: 8, n: 1 });
    expect(Buffer.from(a.images[0].data).equals(Buffer.from(b.images[0].data))).toBe(true);
    expect(meanAbsDiff(a.images[0], c.images[0])).toBeGreaterThan(1);
  });

  it('renders image k of a batch exactly as its seed alone, so a seed can be shared and re-run', async () => {
    const p = await embeddedPipeline();
    const batch = await p.generate({ ...base, seed: 100, n: 3 });
    const alone = await p.generate({ ...base, seed: 102, n: 1 });
    // Batched and single runs may differ in the last float bit inside onnxruntime; pixels must agree.
    expect(meanAbsDiff(batch.images[2], alone.images[0])).toBeLessThan(0.5);
  });

  it('reports every step with a preview per image, and decodes fully every N steps when asked', async () => {
    const p = await embeddedPipeline();
    const seen: StepProgress[] = [];
    await p.generate({ ...base, seed: 1, n: 2 }, { onStep: (s) => void seen.push(s), decodeEvery: 2 });
    expect(seen.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.every((s) => s.total === 6 && s.previews.length === 2)).toBe(true);
    const f = p.info.vaeFactor;
    expect(seen[0].previews[0].width).toBe(p.info.sizes.nativeWidth / f);
    expect(seen.filter((s) => s.decoded).map((s) => s.step)).toEqual([2, 4]);
    expect(seen[1].decoded?.[0].width).toBe(p.info.sizes.nativeWidth);
    // The preview follows the picture: the last preview differs from the first (noise -> image).
    expect(meanAbsDiff(seen[0].previews[0], seen[5].previews[0])).toBeGreaterThan(1);
  });

  it('cancels between steps when the signal aborts, and runs no further step', async () => {
    const p = await embeddedPipeline();
    const ac = new AbortController();
    const steps: number[] = [];
    const run = p.generate({ ...base, steps: 20, seed: 3 }, {
      signal: ac.signal,
      onStep: (s) => {
        steps.push(s.step);
        if (s.step === 3) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(steps).toEqual([1, 2, 3]);
  });

  it('starts img2img from an image: low strength stays close to it, and runs only that part of the schedule', async () => {
    const p = await embeddedPipeline();
    const src = (await p.generate({ ...base, seed: 5, n: 1 })).images[0];
    const steps: number[] = [];
    const low = await p.generate({ ...base, steps: 10, seed: 9, n: 1, init: { image: src, strength: 0.3 } }, { onStep: (s) => void steps.push(s.total) });
    const high = await p.generate({ ...base, steps: 10, seed: 9, n: 1, init: { image: src, strength: 1 } });
    expect(steps[0]).toBe(3); // diffusers' get_timesteps: floor(10 * 0.3) steps
    expect(low.request.strength).toBe(0.3);
    expect(meanAbsDiff(low.images[0], src)).toBeLessThan(meanAbsDiff(high.images[0], src));
  });

  it('upscales 2x: the image doubles in both sides and keeps its picture', async () => {
    const p = await embeddedPipeline();
    const src = (await p.generate({ ...base, seed: 11, n: 1 })).images[0];
    const up = await p.upscale(src, { prompt: base.prompt, seed: 11, steps: 6 });
    expect([up.images[0].width, up.images[0].height]).toEqual([src.width * 2, src.height * 2]);
    expect(up.request.strength).toBeGreaterThan(0);
  });

  it('gives the same pixels when a small UNET_MAX_BATCH splits the batch into chunks', async () => {
    const p = await embeddedPipeline();
    const small = await DiffusionPipeline.load(p.info.dir, { threads: 1, maxBatch: 3 });
    const a = await p.generate({ ...base, seed: 21, n: 2 });
    const b = await small.generate({ ...base, seed: 21, n: 2 });
    expect(meanAbsDiff(a.images[1], b.images[1])).toBeLessThan(0.5);
  });

  it('skips the unconditional pass when guidance <= 1 and still makes an image', async () => {
    const p = await embeddedPipeline();
    const r = await p.generate({ ...base, seed: 1, n: 1, guidance: 1 });
    expect(r.images).toHaveLength(1);
  });

  it.each([
    ['a blank prompt', { prompt: '   ' }, 'prompt', /must not be empty/],
    ['0 steps', { steps: 0 }, 'steps', /steps must be a whole number from 1 to 150, got 0/],
    ['2.5 steps', { steps: 2.5 }, 'steps', /got 2.5/],
    ['guidance -1', { guidance: -1 }, 'guidance', /from 0 to 30, got -1/],
    ['9 images', { n: 9 }, 'n', /from 1 to 8, got 9/],
    ['a negative seed', { seed: -4 }, 'seed', /from 0 to 4294967295, got -4/],
    ['an unknown sampler', { sampler: 'plms' }, 'sampler', /one of euler, euler-a, ddim, dpmpp-2m, dpmpp-2m-karras, lcm, got "plms"/],
    ['a size the UNet cannot take', { width: 100, height: 128 }, 'size', /size 100x128 is not allowed: width and height must be multiples of/],
    ['a 1001-character prompt', { prompt: 'x'.repeat(1001) }, 'prompt', /1001 characters long; at most 1000/],
  ])('refuses %s before running anything, naming the field and what is allowed', async (_label, bad, field, message) => {
    const p = await embeddedPipeline();
    const steps: number[] = [];
    const run = p.generate({ ...base, ...(bad as object) }, { onStep: (s) => void steps.push(s.step) });
    await expect(run).rejects.toBeInstanceOf(RequestError);
    await expect(run).rejects.toMatchObject({ field, message: expect.stringMatching(message) });
    expect(steps).toEqual([]);
  });

  it('refuses img2img strength outside (0, 1]', async () => {
    const p = await embeddedPipeline();
    const img = { width: 128, height: 128, data: new Uint8Array(128 * 128 * 3) };
    await expect(p.generate({ ...base, init: { image: img, strength: 0 } })).rejects.toMatchObject({ field: 'strength' });
    await expect(p.generate({ ...base, init: { image: img, strength: 1.5 } })).rejects.toMatchObject({ field: 'strength' });
  });

  it('says when a prompt was cut at the token limit', async () => {
    const p = await embeddedPipeline();
    const r = await p.generate({ ...base, steps: 1, n: 1, seed: 1, prompt: Array(90).fill('red').join(' ') });
    expect(r.warnings.join(' ')).toMatch(/longer than the model's 77 tokens/);
  });
});
