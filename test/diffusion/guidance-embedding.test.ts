import { describe, expect, it } from 'vitest';
import { guidanceEmbedding } from '../../src/diffusion/unet-runner.ts';

describe('guidance embedding of LCM-distilled UNets (timestep_cond)', () => {
  it('matches diffusers get_guidance_scale_embedding (values computed with its code in torch float32)', () => {
    // w = guidance - 1 = 6.5, embedding_dim 8
    const expected = [-0.04478473961353302, 0.11015882343053818, 0.9911232590675354, 0.6051863431930542, -0.9989966750144958, 0.993914008140564, 0.13294602930545807, 0.7960838675498962];
    const got = guidanceEmbedding(6.5, 8);
    // sin/cos of arguments up to 6500 in float32: float32 rounding of the argument moves the result by ~3e-5.
    for (let i = 0; i < 8; i++) expect(Math.abs(got[i] - expected[i])).toBeLessThan(1e-4);
  });

  it('zero-pads an odd width and gives sin 0, cos 1 for w = 0', () => {
    expect(Array.from(guidanceEmbedding(0, 5))).toEqual([0, 0, 1, 1, 0]);
  });
});
