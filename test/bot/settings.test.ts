/**
 * /settings end to end: the real bot and model, a real SQLite file, discord.js against the local
 * Discord-compatible server. A member's defaults fill what /imagine leaves unset; what /imagine is
 * given (options, inline flags) wins; bad values are refused naming them, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import type { MessageRecord, UserRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const EPHEMERAL = 64;

async function settings(user: UserRecord, options: Record<string, string | number | boolean> = {}): Promise<MessageRecord> {
  const cmd = h.discord.slashCommand({ name: 'settings', user, options });
  const reply = await h.discord.waitFor(() => cmd.followups[0] ?? (cmd.original?.content ? cmd.original : undefined), { timeoutMs: 30_000 });
  expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
  return reply;
}

async function imagine(user: UserRecord, options: Record<string, string | number>) {
  const result = await h.discord.slashCommand({ name: 'imagine', user, options }).waitForOriginal(hasImage, { timeoutMs: 90_000 });
  return { result, job: (await jobOf(h, result.id))! };
}

describe('/settings', () => {
  it('steps:8 makes /imagine without steps run 8 steps; steps:12 and --steps 5 still win', async () => {
    const member = h.discord.newMember({ username: 'stepper' });
    const saved = await settings(member, { steps: 8 });
    expect(saved.content).toContain('• steps: 8');

    const plain = await imagine(member, { prompt: 'a red ring', count: 1 });
    expect(plain.job.steps).toBe(8);
    expect(plain.result.content).toContain(' · 8 steps · ');
    const previews = plain.result.revisions.filter((r) => /^Step \d+\/\d+$/.test(r.content ?? ''));
    expect(previews.length).toBeGreaterThanOrEqual(1);
    expect(previews.every((r) => r.content!.endsWith('/8'))).toBe(true);

    expect((await imagine(member, { prompt: 'a red ring', count: 1, steps: 12 })).job.steps).toBe(12);
    expect((await imagine(member, { prompt: 'a red ring --steps 5', count: 1 })).job.steps).toBe(5);
    // Someone else's /imagine is untouched by this member's settings.
    const other = h.discord.newMember({ username: 'neighbour' });
    expect((await imagine(other, { prompt: 'a red ring', count: 1 })).job.steps).not.toBe(8);
  });

  it('sets several at once, shows them with no options, and applies aspect, count, sampler and guidance', async () => {
    const member = h.discord.newMember({ username: 'tuner' });
    await settings(member, { aspect: '3:2', count: 2, sampler: 'ddim', guidance: 5.5, remix: 'on', variation: 'subtle' });
    const shown = await settings(member);
    expect(shown.content).toBe(
      [
        "**Your settings here** (/imagine's options and inline flags win over them):",
        '• sampler: ddim',
        '• steps: not set',
        '• guidance: 5.5',
        '• aspect: 3:2',
        '• count: 2',
        '• model: not set',
        '• remix: on',
        '• variation: subtle',
      ].join('\n'),
    );
    const { job } = await imagine(member, { prompt: 'a wide blue bar', steps: 2 });
    expect(job).toMatchObject({ count: 2, sampler: 'ddim', guidance: 5.5, width: 192, height: 128 });
    // Inline flags win over them too.
    const inline = await imagine(member, { prompt: 'a tall bar --ar 2:3 --cfg 7 --sampler euler', steps: 2, count: 1 });
    expect(inline.job).toMatchObject({ count: 1, sampler: 'euler', guidance: 7, width: 128, height: 192 });
  });

  it('clear:True resets them all: /imagine is back to the defaults', async () => {
    const member = h.discord.newMember({ username: 'resetter' });
    await settings(member, { steps: 3, count: 1, remix: 'on' });
    const cleared = await settings(member, { clear: true });
    expect(cleared.content).toMatch(/^Your settings here are cleared/);
    expect(cleared.content).toContain('• steps: not set');
    expect(cleared.content).toContain('• remix: off');
    expect(await h.bot.context.settings.get(h.discord.guild.id, member.id)).toMatchObject({ steps: null, count: null, remix: false });
    const { job } = await imagine(member, { prompt: 'a plain dot', steps: 2 });
    expect(job.count).toBe(4);
  });

  it('refuses a bad value naming it and what is allowed, and stores nothing of that /settings', async () => {
    const member = h.discord.newMember({ username: 'typo' });
    await settings(member, { steps: 6 });
    const refusal = await settings(member, { steps: 9, aspect: '7:1' });
    expect(refusal.content).toBe('`aspect` must be a ratio like 3:2 or 9:16, at most 4:1 either way; got "7:1"');
    expect(await h.bot.context.settings.get(h.discord.guild.id, member.id)).toMatchObject({ steps: 6, aspect: null });
    // Out-of-range steps, guidance and count, and unknown samplers and models, Discord itself refuses (the options' limits and choices).
  });

  it('are kept per server', async () => {
    const member = h.discord.newMember({ username: 'traveller' });
    await settings(member, { steps: 7 });
    const other = h.discord.addGuild({ name: 'Second home' });
    h.discord.addMember(other, member);
    const elsewhere = h.discord.slashCommand({ name: 'settings', guild: other, user: member });
    const reply = await h.discord.waitFor(() => (elsewhere.original?.content ? elsewhere.original : undefined), { timeoutMs: 30_000 });
    expect(reply.content).toContain('• steps: not set');
  });

  it('variation:subtle makes a grid\'s V buttons vary at the subtle strength; without it they stay at 0.6', async () => {
    const member = h.discord.newMember({ username: 'varier' });
    const { result: grid, job } = await imagine(member, { prompt: 'a green star', count: 2, steps: 8 });
    const v1 = (grid.components as Array<{ components: Array<{ custom_id: string }> }>).flatMap((r) => r.components.map((b) => b.custom_id)).find((id) => id.startsWith('v:'))!;
    const press = async () => jobOf(h, (await h.discord.clickButton(grid, v1, member).waitForOriginal(hasImage, { timeoutMs: 90_000 })).id);
    expect(await press()).toMatchObject({ kind: 'vary', parentJobId: job.id, strength: 0.6 });
    await settings(member, { variation: 'subtle' });
    expect(await press()).toMatchObject({ kind: 'vary', parentJobId: job.id, strength: 0.35 });
  });
});
