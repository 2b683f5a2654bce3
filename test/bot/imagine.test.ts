import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngText } from '../../src/diffusion/png.ts';
import { buttonIds, hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const pngSize = async (bytes: Buffer) => {
  const meta = await sharp(bytes).metadata();
  return [meta.width, meta.height];
};

describe('/imagine end to end', () => {
  it('acknowledges at once, previews the picture, then posts a 2x2 grid with U1-U4, V1-V4 and reroll', async () => {
    const held = h.engine.hold({ prompt: 'a red circle' });
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a red circle', seed: 42, steps: 12 } });
    await held.reached;
    // At once: the deferral (Discord's 3 s rule; the fake refuses a late one) was the first thing the
    // bot sent for this command, and it was in before the picture's first step was done.
    expect(cmd.callback).toMatchObject({ type: 5 });
    const mine = h.discord.requests.filter((r) => r.path.includes(cmd.token));
    expect(mine[0]).toMatchObject({ method: 'POST', path: `/interactions/${cmd.id}/${cmd.token}/callback`, status: 204 });
    held.release();
    const result = await cmd.waitForOriginal(hasImage);
    const previews = result.revisions.filter((r) => r.attachments.some((a) => a.filename === 'preview.png'));
    expect(previews.length).toBeGreaterThanOrEqual(1);
    expect(previews[0].content).toMatch(/^Step \d+\/12$/);
    expect(buttonIds(result.components)).toEqual([
      [expect.stringMatching(/^u:\d+:0$/), expect.stringMatching(/^u:\d+:1$/), expect.stringMatching(/^u:\d+:2$/), expect.stringMatching(/^u:\d+:3$/)],
      [expect.stringMatching(/^v:\d+:0$/), expect.stringMatching(/^v:\d+:1$/), expect.stringMatching(/^v:\d+:2$/), expect.stringMatching(/^v:\d+:3$/)],
      [expect.stringMatching(/^r:\d+$/), expect.stringMatching(/^f:\d+$/)],
    ]);
    expect(result.content).toMatch(/a red circle/);
    expect(result.content).toMatch(/tiny-shapes · seeds 42–45 · 12 steps · Euler a · CFG 7 · 128x128/);
    const grid = result.attachments.find((a) => a.filename.startsWith('job-'))!;
    expect(await pngSize(grid.bytes)).toEqual([256, 256]);
    expect(readPngText(grid.bytes).parameters).toBe(
      `a red circle\nSteps: 12, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 128x128, Model: ${h.bot.jobs.models.defaultName}`,
    );
    const job = await jobOf(h, result.id);
    expect(buttonIds(result.components)[2][0]).toBe(`r:${job.id}`);
    expect(job).toMatchObject({ status: 'done', kind: 'imagine', seed: 42, count: 4 });
    expect(await h.bot.store.images.listByJob(job!.id)).toHaveLength(4);
    expect(h.discord.unknownRequests).toEqual([]);
  });

  it('U2 upscales that image 2x as a single image with 🔍 🔀 🔁 reactions; the presser owns the job', async () => {
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'two blue stars', seed: 7, steps: 8 } });
    const grid = await cmd.waitForOriginal(hasImage);
    const other = h.discord.newMember({ username: 'presser' });
    const up = h.discord.clickButton(grid, buttonIds(grid.components)[0][1], other);
    const result = await up.waitForOriginal(hasImage);
    const png = result.attachments.find((a) => a.filename.startsWith('job-'))!;
    expect(await pngSize(png.bytes)).toEqual([256, 256]);
    expect(readPngText(png.bytes).parameters).toMatch(/Seed: 8, Size: 256x256, .*Denoising strength: 0.35/);
    expect(buttonIds(result.components)).toEqual([
      [expect.stringMatching(/^u:\d+:0$/), expect.stringMatching(/^v:\d+:0$/), expect.stringMatching(/^r:\d+$/)],
      [expect.stringMatching(/^v:\d+:0:strong$/), expect.stringMatching(/^v:\d+:0:subtle$/), expect.stringMatching(/^f:\d+$/)],
      [expect.stringMatching(/^z:\d+:0:2$/), expect.stringMatching(/^z:\d+:0:1\.5$/)],
      [expect.stringMatching(/^p:\d+:0:left$/), expect.stringMatching(/^p:\d+:0:right$/), expect.stringMatching(/^p:\d+:0:up$/), expect.stringMatching(/^p:\d+:0:down$/)],
    ]);
    await h.discord.waitFor(() => ['🔍', '🔀', '🔁'].every((e) => h.discord.reactionUsers(result, e).includes(h.discord.botUser.id)));
    const job = await jobOf(h, result.id);
    expect(job).toMatchObject({ kind: 'upscale', userId: other.id, parentImageIndex: 1, count: 1, width: 256 });
  });

  it('V1 makes a variation of image 1 and reroll makes a new grid with new seeds', async () => {
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a green triangle', seed: 100, steps: 8 } });
    const grid = await cmd.waitForOriginal(hasImage);
    const vary = h.discord.clickButton(grid, buttonIds(grid.components)[1][0]);
    const varied = await vary.waitForOriginal(hasImage);
    const vJob = await jobOf(h, varied.id);
    expect(vJob).toMatchObject({ kind: 'vary', count: 1, strength: 0.6, parentImageIndex: 0 });
    expect(vJob!.seed).not.toBe(100);
    const reroll = h.discord.clickButton(grid, buttonIds(grid.components)[2][0]);
    const rerolled = await reroll.waitForOriginal(hasImage);
    const rJob = await jobOf(h, rerolled.id);
    expect(rJob).toMatchObject({ kind: 'reroll', count: 4, prompt: 'a green triangle', steps: 8 });
    expect(rJob!.seed).not.toBe(100);
    expect(buttonIds(rerolled.components)).toHaveLength(3);
  });

  it('reactions on a single image start upscale / vary / reroll for whoever reacted, addressed to them only', async () => {
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a white heart', seed: 5, steps: 8, count: 1 } });
    const single = await cmd.waitForOriginal(hasImage);
    await h.discord.waitFor(() => h.discord.reactionUsers(single, '🔍').includes(h.discord.botUser.id));
    const reactor = h.discord.newMember({ username: 'reactor' });
    h.discord.react(single, '🔍', reactor);
    const posted = await h.discord.waitFor(
      () => h.discord.messages().find((m) => m.reference?.message_id === single.id && hasImage(m)),
    );
    expect(posted.content).toMatch(new RegExp(`^<@${reactor.id}> `));
    expect(posted.pings.users).toEqual([reactor.id]);
    expect(posted.pings.everyone).toBe(false);
    const job = await jobOf(h, posted.id);
    expect(job).toMatchObject({ kind: 'upscale', userId: reactor.id, width: 256 });
    // 🔁 on a grid rerolls too; 🔍 on a grid does nothing (the buttons name the image).
    h.discord.react(single, '🔁', reactor);
    await h.discord.waitFor(() => h.discord.messages().filter((m) => m.reference?.message_id === single.id && hasImage(m)).length === 2);
  });

  it.each([
    ['an inline value it cannot read', 'a cat --ar 3x2', /`--ar` must be a ratio like 3:2/],
    ['zero steps inline', 'a cat --steps 0', /`steps` must be a whole number from 1 to 150, got 0/],
    ['an unknown inline parameter', 'a cat --tile 9', /unknown parameter `--tile`/],
    ['chaos above 100 inline', 'a cat --chaos 101', /^`chaos` \(`--chaos`\) must be a whole number from 0 to 100, got 101$/],
    ['an empty prompt', '--seed 4', /prompt must not be empty/],
  ])('refuses %s ephemerally, naming the value, with nothing queued or charged', async (_label, prompt, message) => {
    const before = await h.bot.store.jobs.listRecentByUser(h.discord.user.id, { limit: 100 });
    const credits = await h.bot.context.quota.balance(h.discord.guild.id, h.discord.user.id);
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt } });
    const reply = await h.discord.waitFor(() => (cmd.original?.content ? cmd.original : cmd.followups[0]));
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(message);
    const after = await h.bot.store.jobs.listRecentByUser(h.discord.user.id, { limit: 100 });
    expect(after.length).toBe(before.length);
    expect(await h.bot.context.quota.balance(h.discord.guild.id, h.discord.user.id)).toEqual(credits);
  });

  it('never pings anyone mentioned in a prompt', async () => {
    const victim = h.discord.newMember({ username: 'victim' });
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: `@everyone <@${victim.id}> a black square`, steps: 4, count: 1 } });
    const result = await cmd.waitForOriginal(hasImage);
    expect(result.content).toContain(`<@${victim.id}>`);
    for (const m of [result, ...h.discord.messages()]) {
      expect(m.pings.everyone).toBe(false);
      expect(m.pings.users).not.toContain(victim.id);
    }
  });
});
