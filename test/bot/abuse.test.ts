/**
 * Buttons and reactions can't be turned against the bot or other servers: a button's custom id is
 * whatever the member's client sends, so one naming another server's job is refused and costs
 * nothing; and a member toggling a reaction the bot must refuse gets one public refusal per
 * interval, not one per toggle (the clock is the test's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REACTION_REFUSAL_INTERVAL_MS } from '../../src/discord/event-handlers.ts';
import { hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import type { UserRecord } from '../../src/sandbox/discord-server/index.ts';

let clock = new Date('2030-03-10T12:00:00Z');
const debug: string[] = [];
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ DEFAULT_DAILY_QUOTA: '1' }, { bot: { now: () => clock, debug: (m) => void debug.push(m) } });
});
afterAll(async () => {
  await h?.close();
});

const EPHEMERAL = 64;

describe('a forged button', () => {
  it("naming another server's job is refused privately, starting and charging nothing", async () => {
    const here = await h.discord
      .slashCommand({ name: 'imagine', options: { prompt: 'a secret square', steps: 4, count: 1 } })
      .waitForOriginal(hasImage, { timeoutMs: 90_000 });
    const secretJob = (await jobOf(h, here.id))!;

    const other = h.discord.addGuild({ name: 'Other server' });
    const stranger = h.discord.newMember({ username: 'stranger', guild: other });
    const theirs = await h.discord
      .slashCommand({ name: 'imagine', guild: other, user: stranger, options: { prompt: 'a plain circle', steps: 4, count: 1 } })
      .waitForOriginal(hasImage, { timeoutMs: 90_000 });
    const jobsBefore = (await h.bot.store.jobs.listRecentByUser(stranger.id, { limit: 100 })).map((j) => j.id);
    const reservations = async () => (await h.bot.store.ledger.history(other.id, stranger.id, { limit: 100 })).filter((e) => e.reason === 'reserve');
    const reservedBefore = await reservations();

    for (const [customId, jobId] of [
      [`u:${secretJob.id}:0`, secretJob.id],
      [`r:${secretJob.id}`, secretJob.id],
      ['v:987654:0', 987654],
    ] as const) {
      const press = h.discord.forgeButtonClick(theirs, customId, stranger);
      const [refusal] = await press.waitForFollowups(1, { timeoutMs: 30_000 });
      expect(refusal.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect(refusal.content).toBe(`There is no job ${jobId} in this server, so this button cannot start anything. Nothing was queued or charged.`);
    }
    expect((await h.bot.store.jobs.listRecentByUser(stranger.id, { limit: 100 })).map((j) => j.id)).toEqual(jobsBefore);
    expect(await reservations()).toEqual(reservedBefore);
    // Nothing about the other server's job reached this one.
    expect(h.discord.messages(other.systemChannelId!).filter((m) => m.content.includes('secret'))).toEqual([]);
  });
});

describe('a refused reaction toggled again and again', () => {
  it('gets one public refusal per member per interval; later ones are dropped until the interval has passed', async () => {
    const poster = h.discord.newMember({ username: 'poster' });
    const cmd = h.discord.slashCommand({ name: 'imagine', user: poster, options: { prompt: 'a popular star', steps: 1, count: 1 } });
    const single = await cmd.waitForOriginal(hasImage, { timeoutMs: 90_000 });
    await h.discord.waitFor(() => h.discord.reactionUsers(single, '🔁').includes(h.discord.botUser.id));
    // One credit a day, spent on a picture of their own: a reroll (1 credit) is refused.
    const toggler = h.discord.newMember({ username: 'toggler' });
    await h.discord.slashCommand({ name: 'imagine', user: toggler, options: { prompt: 'a dot', steps: 1, count: 1 } }).waitForOriginal(hasImage, { timeoutMs: 90_000 });
    const refusalsTo = (user: UserRecord) =>
      h.discord.messages().filter((m) => m.reference?.message_id === single.id && m.content.startsWith(`<@${user.id}> This needs 1 credit`));
    const dropped = (user: UserRecord) => debug.filter((d) => d.includes(` by ${user.id} refused (quota.spent); not posted`));
    const reservations = async () => (await h.bot.store.ledger.history(h.discord.guild.id, toggler.id, { limit: 100 })).filter((e) => e.reason === 'reserve');
    const reservedBefore = await reservations();

    for (let i = 0; i < 4; i++) {
      h.discord.react(single, '🔁', toggler);
      h.discord.unreact(single, '🔁', toggler);
    }
    // All four reactions handled: one refusal posted, three dropped.
    await h.discord.waitFor(() => refusalsTo(toggler).length + dropped(toggler).length === 4, { timeoutMs: 30_000 });
    expect(refusalsTo(toggler)).toHaveLength(1);
    expect(refusalsTo(toggler)[0].pings.users).toEqual([toggler.id]);

    // Another member's refusal is not held back by the first one's.
    const other = h.discord.newMember({ username: 'other' });
    await h.discord.slashCommand({ name: 'imagine', user: other, options: { prompt: 'a line', steps: 1, count: 1 } }).waitForOriginal(hasImage, { timeoutMs: 90_000 });
    h.discord.react(single, '🔁', other);
    await h.discord.waitFor(() => refusalsTo(other).length === 1, { timeoutMs: 30_000 });

    // Just short of the interval: still dropped. Once it has passed: said again, once.
    clock = new Date(clock.getTime() + REACTION_REFUSAL_INTERVAL_MS - 1);
    h.discord.react(single, '🔁', toggler);
    h.discord.unreact(single, '🔁', toggler);
    await h.discord.waitFor(() => dropped(toggler).length === 4, { timeoutMs: 30_000 });
    clock = new Date(clock.getTime() + 1);
    h.discord.react(single, '🔁', toggler);
    await h.discord.waitFor(() => refusalsTo(toggler).length === 2, { timeoutMs: 30_000 });
    expect(dropped(toggler)).toHaveLength(4);
    expect(await reservations()).toEqual(reservedBefore);
  });
});
