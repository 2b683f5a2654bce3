/** Planning a job with the real model's limits: refusals name what the member typed, not the engine's fields. */
import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiffusionPipeline } from '../../src/diffusion/pipeline.ts';
import { parseInlineOptions } from '../../src/services/imagine-options.ts';
import { planJob } from '../../src/services/job-requests.ts';
import { UserError } from '../../src/services/user-error.ts';
import { EMBEDDED_MODEL_DIR, embeddedPipeline } from '../support/model.ts';

let pipeline: DiffusionPipeline;
beforeAll(async () => {
  pipeline = await embeddedPipeline();
});

function refusal(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('planJob refusals', () => {
  it('/imagine count:0 names `count` and its range 1 to 4, not the engine\'s n from 1 to 8', () => {
    const err = refusal(() => planJob(pipeline, { kind: 'imagine', options: { prompt: 'a cat', count: 0 } }));
    expect(err.identifier).toBe('option.count');
    expect(err.message).toBe('`count` must be a whole number from 1 to 4, got 0');
    expect(err.message).not.toMatch(/\bn\b|8/);
  });

  it('refuses count:5, which the engine alone would have run', () => {
    expect(() => planJob(pipeline, { kind: 'imagine', options: { prompt: 'a cat', count: 5 } })).toThrow(/`count` must be a whole number from 1 to 4, got 5/);
  });

  it('an inline --cfg out of range is named as the guidance option and --cfg', () => {
    const err = refusal(() => planJob(pipeline, { kind: 'imagine', options: parseInlineOptions('a cat --cfg 40') }));
    expect(err.message).toBe('`guidance` (`--cfg`) must be a number from 0 to 30, got 40');
  });

  it('plans a job at the ends of the ranges', () => {
    const plan = planJob(pipeline, { kind: 'imagine', options: { prompt: 'a cat', count: 4, steps: 150, guidance: 30 } });
    expect(plan.resolved).toMatchObject({ n: 4, steps: 150, guidance: 30 });
  });
});

describe('planJob upscales', () => {
  const parent = (width: number, height: number) =>
    ({ id: 7, status: 'done', prompt: 'a red circle', negativePrompt: null, steps: 20, guidance: 7, sampler: 'euler-a', width, height, count: 4, seed: 3, model: pipeline.info.name }) as never;

  it('U on a 3:2 grid image goes to the largest size the model allows at that shape, not a refused 2x', () => {
    const plan = planJob(pipeline, { kind: 'upscale', parent: parent(192, 128), index: 0 });
    expect(plan.resolved).toMatchObject({ width: 256, height: 160, n: 1 });
  });

  it('U on an image already at the largest size is refused, naming the size and pointing to V', () => {
    const err = refusal(() => planJob(pipeline, { kind: 'upscale', parent: parent(256, 256), index: 1 }));
    expect(err.identifier).toBe('job.upscale-size');
    expect(err.message).toBe(`image 2 of job 7 is already 256x256, the largest ${pipeline.info.name} makes at this shape; a variation (V2) works`);
  });
});

describe('planJob variations', () => {
  const parent = (steps = 20) =>
    ({ id: 9, status: 'done', prompt: 'a red circle', negativePrompt: null, steps, guidance: 7, sampler: 'euler-a', width: 128, height: 128, count: 1, seed: 3, chaos: null, model: pipeline.info.name }) as never;

  it('Vary (Strong) and Vary (Subtle) use their strengths, the configured ones when given; V keeps 0.6', () => {
    expect(planJob(pipeline, { kind: 'vary', parent: parent(), index: 0, mode: 'strong' }).resolved.strength).toBe(0.75);
    expect(planJob(pipeline, { kind: 'vary', parent: parent(), index: 0, mode: 'subtle' }).resolved.strength).toBe(0.35);
    expect(planJob(pipeline, { kind: 'vary', parent: parent(), index: 0 }).resolved.strength).toBe(0.6);
    const configured = { strong: 0.9, subtle: 0.2 };
    expect(planJob(pipeline, { kind: 'vary', parent: parent(), index: 0, mode: 'subtle' }, undefined, configured).resolved.strength).toBe(0.2);
  });

  it('Vary (Subtle) of a 2-step job, which would run no step, is refused saying so', () => {
    const err = refusal(() => planJob(pipeline, { kind: 'vary', parent: parent(2), index: 0, mode: 'subtle' }));
    expect(err.message).toBe('strength 0.35 with 2 steps runs no step; use at least 0.500 or more steps');
  });
});

describe('planJob for Zoom Out and Pan', () => {
  const parent = (width: number, height: number) =>
    ({ id: 11, status: 'done', prompt: 'a red circle', negativePrompt: null, steps: 10, guidance: 7, sampler: 'euler', width, height, count: 1, seed: 5, chaos: null, model: pipeline.info.name }) as never;

  it('zoom keeps the size; a pan grows by half in its direction; each names its canvas', () => {
    expect(planJob(pipeline, { kind: 'zoom', parent: parent(128, 128), index: 0, op: 'zoom:1.5' })).toMatchObject({ kind: 'zoom', canvas: 'zoom:1.5', parentJobId: 11, parentImageIndex: 0, resolved: { width: 128, height: 128, n: 1, seed: 5 } });
    expect(planJob(pipeline, { kind: 'pan', parent: parent(128, 128), index: 0, op: 'pan:left' }).resolved).toMatchObject({ width: 192, height: 128 });
    expect(planJob(pipeline, { kind: 'pan', parent: parent(128, 128), index: 0, op: 'pan:down' }).resolved).toMatchObject({ width: 128, height: 192 });
  });

  it('a pan past the largest size is refused naming the size it would make and what is allowed', () => {
    const err = refusal(() => planJob(pipeline, { kind: 'pan', parent: parent(256, 128), index: 0, op: 'pan:right' }));
    expect(err.identifier).toBe('job.pan-size');
    expect(err.message).toMatch(/^panning job 11 \(256x128\) would make 384x128, which .+ cannot: size 384x128 is not allowed: width and height must be multiples of \d+ from \d+ to 256/);
  });

  it('a model folder without a VAE encoder refuses zoom and pan, naming the model', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'no-encoder-'));
    cpSync(EMBEDDED_MODEL_DIR, copy, { recursive: true });
    rmSync(path.join(copy, 'vae_encoder'), { recursive: true });
    const bare = await DiffusionPipeline.load(copy, { threads: 1 });
    try {
      const err = refusal(() => planJob(bare, { kind: 'zoom', parent: parent(128, 128), index: 0, op: 'zoom:2' }, 'bare'));
      expect(err.message).toBe('bare has no VAE encoder, so it cannot zoom out or pan an image. Nothing was queued or charged.');
      expect(() => planJob(bare, { kind: 'pan', parent: parent(128, 128), index: 0, op: 'pan:up' }, 'bare')).toThrow(/no VAE encoder/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
