/**
 * Remix end to end: the real bot and model, discord.js against the local Discord-compatible
 * server. With /settings remix:on a variation, zoom or pan button opens a modal holding the prompt;
 * its submit starts that job with the edited prompt (banned words checked, charged like a
 * variation). With remix off the button starts the job at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonIds, hasImage, jobOf, reservations, startHarness, type Harness } from '../support/bot-harness.ts';
import type { MessageRecord, UserRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const EPHEMERAL = 64;
const jobsOf = (user: UserRecord) => h.bot.store.jobs.listRecentByUser(user.id, { guildId: h.discord.guild.id, limit: 50 });

async function setRemix(member: UserRecord, value: 'on' | 'off') {
  const cmd = h.discord.slashCommand({ name: 'settings', user: member, options: { remix: value } });
  await h.discord.waitFor(() => (cmd.original && !(cmd.original.flags & 128) ? cmd.original : undefined), { label: '/settings answer' });
}

describe('remix: a variation button asks for the prompt first', () => {
  let grid: MessageRecord;
  let parentId: number;
  beforeAll(async () => {
    grid = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a red circle', seed: 3, steps: 2, count: 2 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    parentId = (await jobOf(h, grid.id)).id;
  });

  it('with remix on, V1 opens a modal holding the prompt; submitting "a blue star" starts a variation of that prompt, charged once', async () => {
    const member = h.discord.newMember({ username: 'remixer' });
    await setRemix(member, 'on');
    const press = h.discord.clickButton(grid, buttonIds(grid.components)[1][0], member);
    await press.waitForAck();
    const modal = press.modal!;
    expect(modal).toBeDefined();
    expect(modal.custom_id).toBe(`remix:v:${parentId}:0`);
    expect(modal.components[0].components[0]).toMatchObject({ custom_id: 'prompt', label: 'Prompt', value: 'a red circle' });
    expect(await jobsOf(member)).toEqual([]); // nothing starts before the submit

    const submit = h.discord.submitModal(press, { prompt: 'a blue star' });
    const result = await submit.waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, result.id);
    expect(job).toMatchObject({ kind: 'vary', prompt: 'a blue star', parentJobId: parentId, parentImageIndex: 0, userId: member.id, status: 'done', count: 1 });
    expect(result.content).toContain('a blue star');
    const reserved = await reservations(h, member);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toMatchObject({ jobId: job.id, delta: -1 });
  });

  it('a remixed prompt with a banned word is refused privately; nothing is queued or charged', async () => {
    const member = h.discord.newMember({ username: 'remix-banned' });
    await setRemix(member, 'on');
    await h.bot.context.moderation.banWord({ userId: h.discord.user.id, guildId: h.discord.guild.id, canManageGuild: true, roleIds: [], interactionId: '1' }, 'forbiddenword');
    const press = h.discord.clickButton(grid, buttonIds(grid.components)[1][1], member);
    await press.waitForAck();
    const submit = h.discord.submitModal(press, { prompt: 'a forbiddenword star' });
    const [refusal] = await submit.waitForFollowups(1, { timeoutMs: 60_000 });
    expect(refusal.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refusal.content).toContain('forbiddenword');
    expect(await jobsOf(member)).toEqual([]);
    expect(await reservations(h, member)).toEqual([]);
  });

  it('with remix on, Vary (Subtle) on a single image opens the modal too; submitted unchanged it varies subtly with the same prompt', async () => {
    const member = h.discord.newMember({ username: 'remix-subtle' });
    await setRemix(member, 'on');
    const single = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a green square', seed: 4, steps: 6, count: 1 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const singleId = (await jobOf(h, single.id)).id;
    const press = h.discord.clickButton(single, `v:${singleId}:0:subtle`, member);
    await press.waitForAck();
    expect(press.modal?.custom_id).toBe(`remix:v:${singleId}:0:subtle`);
    const result = await h.discord.submitModal(press).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, result.id)).toMatchObject({ kind: 'vary', prompt: 'a green square', strength: 0.35, parentJobId: singleId, userId: member.id });
  });

  it('with remix off, V1 starts the variation at once with the original prompt', async () => {
    const member = h.discord.newMember({ username: 'no-remix' });
    await setRemix(member, 'off');
    const press = h.discord.clickButton(grid, buttonIds(grid.components)[1][0], member);
    const ack = await press.waitForAck();
    expect(ack.type).toBe(5);
    const result = await press.waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, result.id)).toMatchObject({ kind: 'vary', prompt: 'a red circle', parentJobId: parentId, userId: member.id });
  });
});

describe('remix: Zoom Out and Pan ask for the prompt first too', () => {
  let single: MessageRecord;
  let parentId: number;
  let parentSize: { width: number; height: number };
  beforeAll(async () => {
    single = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a orange moon', seed: 8, steps: 4, count: 1 } })
      .waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const parent = await jobOf(h, single.id);
    parentId = parent.id;
    parentSize = { width: parent.width, height: parent.height };
  });

  it('with remix on, Zoom Out 2x opens the modal holding the prompt; the submit starts a 2x zoom of the edited prompt, charged once', async () => {
    const member = h.discord.newMember({ username: 'remix-zoom' });
    await setRemix(member, 'on');
    const press = h.discord.clickButton(single, `z:${parentId}:0:2`, member);
    await press.waitForAck();
    expect(press.modal?.custom_id).toBe(`remix:z:${parentId}:0:2`);
    expect(press.modal?.components[0].components[0]).toMatchObject({ custom_id: 'prompt', value: 'a orange moon' });
    expect(await jobsOf(member)).toEqual([]); // nothing starts before the submit

    const result = await h.discord.submitModal(press, { prompt: 'a orange moon over the sea' }).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, result.id);
    expect(job).toMatchObject({ kind: 'zoom', canvas: 'zoom:2', prompt: 'a orange moon over the sea', parentJobId: parentId, parentImageIndex: 0, userId: member.id, ...parentSize, status: 'done' });
    expect(result.content).toContain('a orange moon over the sea');
    const reserved = await reservations(h, member);
    expect(reserved).toHaveLength(1);
    expect(reserved[0]).toMatchObject({ jobId: job.id, delta: -1 });
  });

  it('with remix on, ⬅️ opens the modal whose id names the direction; the submit pans left with the edited prompt', async () => {
    const member = h.discord.newMember({ username: 'remix-pan' });
    await setRemix(member, 'on');
    const press = h.discord.clickButton(single, `p:${parentId}:0:left`, member);
    await press.waitForAck();
    // The direction travels in the modal's custom id: the bot keeps nothing in memory between the press and the submit.
    expect(press.modal?.custom_id).toBe(`remix:p:${parentId}:0:left`);
    const result = await h.discord.submitModal(press, { prompt: 'a orange moon and a castle' }).waitForOriginal(hasImage, { timeoutMs: 120_000 });
    const job = await jobOf(h, result.id);
    expect(job).toMatchObject({
      kind: 'pan',
      canvas: 'pan:left',
      prompt: 'a orange moon and a castle',
      parentJobId: parentId,
      width: parentSize.width + parentSize.width / 2,
      height: parentSize.height,
      userId: member.id,
    });
    expect(await reservations(h, member)).toHaveLength(1);
  });

  it('a remixed Zoom Out 1.5x prompt with a banned word is refused privately; nothing is queued or charged', async () => {
    const member = h.discord.newMember({ username: 'remix-zoom-banned' });
    await setRemix(member, 'on');
    await h.bot.context.moderation.banWord({ userId: h.discord.user.id, guildId: h.discord.guild.id, canManageGuild: true, roleIds: [], interactionId: '2' }, 'verbotenword');
    const press = h.discord.clickButton(single, `z:${parentId}:0:1.5`, member);
    await press.waitForAck();
    const [refusal] = await h.discord.submitModal(press, { prompt: 'a verbotenword moon' }).waitForFollowups(1, { timeoutMs: 60_000 });
    expect(refusal.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refusal.content).toContain('verbotenword');
    expect(await jobsOf(member)).toEqual([]);
    expect(await reservations(h, member)).toEqual([]);
  });

  it('with remix off, ➡️ starts the pan at once with the original prompt', async () => {
    const member = h.discord.newMember({ username: 'no-remix-pan' });
    await setRemix(member, 'off');
    const press = h.discord.clickButton(single, `p:${parentId}:0:right`, member);
    expect((await press.waitForAck()).type).toBe(5);
    const result = await press.waitForOriginal(hasImage, { timeoutMs: 120_000 });
    expect(await jobOf(h, result.id)).toMatchObject({ kind: 'pan', canvas: 'pan:right', prompt: 'a orange moon', parentJobId: parentId, userId: member.id });
  });
});
