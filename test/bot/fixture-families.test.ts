/**
 * The three model families diffusers makes (SD 1.5, SD 2 v-prediction, SDXL), served by one bot
 * end to end: `/imagine model:` on each, then U1 (an img2img upscale) and V1 on the result, so the
 * text encoders, the UNet's extra SDXL inputs and the VAE encoder all run through the real bot.
 * The models are the tiny random-weight fixtures (test/fixtures/models): their pictures are noise,
 * what is checked is that each family's job is made, posted and charged like any other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngText } from '../../src/diffusion/png.ts';
import { buttonIds, hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import type { MessageRecord } from '../../src/sandbox/discord-server/index.ts';
import { fixturePath } from '../support/repo-paths.ts';

const FAMILIES = ['sd15-tiny', 'sd2-v-tiny', 'sdxl-tiny'] as const;
let h: Harness;

beforeAll(async () => {
  const models = FAMILIES.map((name) => `${name}=${fixturePath('models', name)}`).join(',');
  h = await startHarness({ MODEL_DIR: '', MODELS: models, MAX_LOADED_MODELS: '2', ORT_THREADS: '1' });
});
afterAll(async () => {
  await h?.close();
});

const picture = (m: MessageRecord) => m.attachments.find((a) => a.filename.startsWith('job-'))!;

describe.each(FAMILIES)('the %s fixture through the bot', (model) => {
  it('makes a grid with /imagine model:, then upscales and varies its first image with U1 and V1', async () => {
    // 6 steps: an upscale (strength 0.35) then runs 2 of them, a variation 3.
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a red circle', model, steps: 6, count: 2, seed: 5 } });
    const grid = await cmd.waitForOriginal(hasImage);
    const job = await jobOf(h, grid.id);
    expect(job).toMatchObject({ status: 'done', model, count: 2 });
    expect(readPngText(picture(grid).bytes).parameters).toMatch(new RegExp(`Model: ${model}$`));

    const ids = buttonIds(grid.components).flat();
    const u1 = ids.find((id) => id.startsWith('u:'))!;
    const upscale = await h.discord.clickButton(grid, u1).waitForOriginal(hasImage);
    const up = await jobOf(h, upscale.id);
    expect(up).toMatchObject({ kind: 'upscale', model, parentJobId: job!.id, width: job!.width * 2, height: job!.height * 2 });

    const v1 = ids.find((id) => id.startsWith('v:'))!;
    const variation = await h.discord.clickButton(grid, v1).waitForOriginal(hasImage);
    expect(await jobOf(h, variation.id)).toMatchObject({ kind: 'vary', model, parentJobId: job!.id });
  });
});
