/**
 * The samplers diffusers-parity.test.ts does not cover (Euler ancestral, DPM++ 2M plain and Karras,
 * LCM), on the v-prediction and SDXL fixtures, against diffusers' own pipelines with those
 * schedulers (parity-extra/make_reference.py). The noise stochastic samplers draw inside a step is
 * a fixed formula on both sides, fed to the engine through generate()'s stepNoise option.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiffusionPipeline } from '../../src/diffusion/pipeline.ts';
import type { SamplerName } from '../../src/diffusion/types.ts';
import { fixtureDir, maxAbsDiff, toDiffusersNp } from './diffusers-fixtures.ts';

interface ExtraReference {
  prompt: string;
  negative_prompt: string;
  steps: number;
  guidance: number;
  width: number;
  height: number;
  seed: number;
  families: Record<string, { prompt_embeds_first16: number[]; cases: Record<string, { timesteps: number[]; noise_draws: number; image_offset: number }> }>;
}

const dir = path.join(import.meta.dirname, 'parity-extra');
const ref = JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8')) as ExtraReference;
const bin = readFileSync(path.join(dir, 'reference.bin'));
const imageAt = (offset: number) => {
  const n = ref.width * ref.height * 3;
  return Float32Array.from({ length: n }, (_, i) => bin.readFloatLE(offset + 4 * i));
};

/** The k-th draw: sin(1.7 i + 0.37 (k + 1)) * 1.2, as make_reference.py gives diffusers. */
function formulaNoise() {
  let k = 0;
  const source = (length: number) => {
    k++;
    return Float32Array.from({ length }, (_, i) => Math.sin(1.7 * i + 0.37 * k) * 1.2);
  };
  return { source, draws: () => k };
}

for (const [name, family] of Object.entries(ref.families)) {
  describe(`${name}: more samplers against diffusers`, () => {
    let loading: Promise<DiffusionPipeline> | undefined;
    const load = () => (loading ??= DiffusionPipeline.load(fixtureDir(name), { threads: 1 }));

    it('has the weights the reference was made with (prompt embeddings agree)', async () => {
      const got = await (await load()).encodePrompt(ref.prompt);
      expect(maxAbsDiff(got.hidden.subarray(0, 16), family.prompt_embeds_first16)).toBeLessThan(1e-4);
    });

    it.each(Object.entries(family.cases))('%s: decoded image within 1e-3 of diffusers', async (sampler, c) => {
      const p = await load();
      const noise = formulaNoise();
      const r = await p.generate(
        { prompt: ref.prompt, negativePrompt: ref.negative_prompt, steps: ref.steps, guidance: ref.guidance, sampler: sampler as SamplerName, width: ref.width, height: ref.height, seed: ref.seed, n: 1 },
        { keepFloat: true, stepNoise: noise.source },
      );
      const diff = maxAbsDiff(toDiffusersNp(r.pixels![0], ref.height, ref.width), imageAt(c.image_offset));
      console.log(`parity: ${name} ${sampler} (${ref.steps} steps, cfg ${ref.guidance}, ${ref.width}x${ref.height}): max abs diff image ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-3);
      // Euler ancestral skips diffusers' last draw, which diffusers multiplies by 0.
      expect(noise.draws()).toBeGreaterThanOrEqual(c.noise_draws - (sampler === 'euler-a' ? 1 : 0));
      expect(noise.draws()).toBeLessThanOrEqual(c.noise_draws);
    });
  });
}
