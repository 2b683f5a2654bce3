/**
 * An inpainting model (9-channel UNet: the tiny random-weight fixture sd15-inpaint-tiny) served by
 * the real bot: /info says what it is, /imagine runs it (a full mask), and Zoom Out and Pan on its
 * single image are painted by its own inpainting. The fixture's pictures are noise; what is checked
 * is that the jobs are made, sized and charged like any other, and that the original is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoomOutRect } from '../../src/diffusion/canvas.ts';
import { OUTPAINT_PIXEL_FEATHER } from '../../src/diffusion/pipeline.ts';
import { decodeImage } from '../../src/diffusion/png.ts';
import { resizeImage } from '../../src/diffusion/resize.ts';
import type { RgbImage } from '../../src/diffusion/types.ts';
import type { MessageRecord } from '../../src/sandbox/discord-server/index.ts';
import { hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import { EMBEDDED_MODEL_DIR } from '../support/model.ts';
import { fixturePath } from '../support/repo-paths.ts';

const MODEL = 'sd15-inpaint-tiny';
let h: Harness;
beforeAll(async () => {
  // Not the default model: the harness serves its default with the embedded model's pipeline.
  h = await startHarness({ MODEL_DIR: '', MODELS: `${EMBEDDED_MODEL_DIR},${MODEL}=${fixturePath('models', MODEL)}`, ORT_THREADS: '1', MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const imageOf = (m: MessageRecord) => decodeImage(m.attachments.find((a) => a.filename.startsWith('job-'))!.bytes);

/** Mean abs difference (0..255) of `img` inside `rect`, inset by `inset`, against `ref` laid over it. */
function insideDiff(img: RgbImage, rect: { x: number; y: number; width: number; height: number }, ref: RgbImage, inset: number): number {
  let s = 0;
  let n = 0;
  for (let y = inset; y < rect.height - inset; y++) {
    for (let x = inset; x < rect.width - inset; x++) {
      for (let ch = 0; ch < 3; ch++) {
        s += Math.abs(img.data[((rect.y + y) * img.width + rect.x + x) * 3 + ch] - ref.data[(y * ref.width + x) * 3 + ch]);
        n++;
      }
    }
  }
  return s / n;
}

describe('an inpainting model in the bot', () => {
  let single: MessageRecord;
  let parentId: number;
  beforeAll(async () => {
    single = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a red circle', model: MODEL, seed: 4, steps: 3, count: 1 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    parentId = (await jobOf(h, single.id)).id;
  });

  it('/info names it an inpainting model', async () => {
    const info = await h.discord.slashCommand({ name: 'info' }).waitForOriginal((m) => m.content.includes('**Models**'));
    expect(info.content).toContain(`• **${MODEL}** · loaded · native 64x64 · 25 steps, euler-a, guidance 7.5 · inpainting model (Zoom Out and Pan use its own inpainting)`);
  });

  it('/imagine on it makes a picture like any model', async () => {
    expect(await jobOf(h, single.id)).toMatchObject({ status: 'done', model: MODEL, count: 1, width: 64, height: 64 });
  });

  it('Zoom Out 1.5x keeps the original, shrunk, in the centre of a same-size picture', async () => {
    const result = await h.discord.clickButton(single, `z:${parentId}:0:1.5`).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, result.id)).toMatchObject({ kind: 'zoom', model: MODEL, parentJobId: parentId, width: 64, height: 64, status: 'done', cost: 1 });
    const out = await imageOf(result);
    const rect = zoomOutRect(64, 64, 1.5);
    const small = await resizeImage(await imageOf(single), rect.width, rect.height);
    // Inside the seam (it fades over two box blurs of OUTPAINT_PIXEL_FEATHER) the original is pasted back as it was.
    const centre = insideDiff(out, rect, small, 2 * OUTPAINT_PIXEL_FEATHER);
    const border = insideDiff(out, rect, small, 0);
    console.log(`inpainting model zoom out 1.5x: centre inset ${2 * OUTPAINT_PIXEL_FEATHER}px MAD ${centre.toFixed(2)}, whole ${rect.width}x${rect.height} centre MAD ${border.toFixed(2)} (0..255)`);
    expect(centre).toBeLessThan(1);
  });

  it('➡️ grows the picture by half and keeps the original strip', async () => {
    const result = await h.discord.clickButton(single, `p:${parentId}:0:right`).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, result.id)).toMatchObject({ kind: 'pan', model: MODEL, width: 96, height: 64, status: 'done' });
    const out = await imageOf(result);
    const kept = insideDiff(out, { x: 0, y: 0, width: 64 - 2 * OUTPAINT_PIXEL_FEATHER, height: 64 }, await imageOf(single), 0);
    console.log(`inpainting model pan right: kept strip MAD ${kept.toFixed(2)} (0..255) away from the seam`);
    expect(kept).toBeLessThan(1);
  });
});
