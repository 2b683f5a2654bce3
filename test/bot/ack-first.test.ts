/**
 * Discord's 3 seconds hold whatever the database does: every command that reads or writes it is
 * acknowledged first (privately where the answer is private), shown with a database that stalls
 * until the test lets it go. And a moderator command Discord delivers twice changes things once.
 */
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasImage, startHarness, type Harness } from '../support/bot-harness.ts';
import type { InteractionHandle, MessageRecord, SlashCommandInput, UserRecord } from '../../src/sandbox/discord-server/index.ts';
import { stallStore } from '../support/stalled-store.ts';

const EPHEMERAL = 64;
const DEFERRED_REPLY = 5;
const REPLY = 4;
let h: Harness;
let admin: UserRecord;
let member: UserRecord;

beforeAll(async () => {
  h = await startHarness({ DEFAULT_DAILY_QUOTA: '5' });
  admin = h.discord.newMember({ username: 'admin', permissions: PermissionFlagsBits.ManageGuild });
  member = h.discord.newMember({ username: 'member' });
});
afterAll(async () => {
  await h?.close();
});


/** The answer a member reads: the deferred reply once edited, or the private followup that replaced a public one. */
function answer(cmd: InteractionHandle): Promise<MessageRecord> {
  return h.discord.waitFor(() => cmd.followups[0] ?? (cmd.original?.content ? cmd.original : undefined), { timeoutMs: 30_000 });
}

describe('with a database that stalls', () => {
  const commands: Array<[string, () => SlashCommandInput, number]> = [
    ['/quota me', () => ({ name: 'quota', subcommand: 'me', user: member }), EPHEMERAL],
    ['/quota grant', () => ({ name: 'quota', subcommand: 'grant', user: admin, options: { user: member, credits: 2 } }), EPHEMERAL],
    ['/mod audit', () => ({ name: 'mod', subcommand: 'audit', user: admin }), EPHEMERAL],
    ['/mod banned-words add', () => ({ name: 'mod', subcommandGroup: 'banned-words', subcommand: 'add', user: admin, options: { word: 'slow' } }), EPHEMERAL],
    ['/history', () => ({ name: 'history', user: member }), EPHEMERAL],
    ['/info', () => ({ name: 'info', user: member }), EPHEMERAL],
    ['/imagine', () => ({ name: 'imagine', user: member, options: { prompt: 'a patient square', steps: 1, count: 1 } }), 0],
  ];

  it.each(commands)('%s is acknowledged before its database work finishes, then answered', async (_label, input, flags) => {
    const stall = stallStore(h.bot.store);
    let cmd: InteractionHandle;
    try {
      cmd = h.discord.slashCommand(input());
      // The database is now holding the command's first read or write...
      await stall.entered;
      // ...and Discord already has the acknowledgement: it was sent before that call was made.
      expect(cmd.callback).toMatchObject({ type: DEFERRED_REPLY, data: { flags } });
      expect(cmd.original?.content).toBe('');
    } finally {
      stall.release();
    }
    // Finished before the next case stalls the store again.
    if (flags === EPHEMERAL) expect((await answer(cmd)).flags & EPHEMERAL).toBe(EPHEMERAL);
    else expect((await cmd.waitForOriginal(hasImage, { timeoutMs: 90_000 })).content).toMatch(/a patient square/);
  });

  it('/cancel (which will write to the database) is acknowledged privately before it answers', async () => {
    const cmd = h.discord.slashCommand({ name: 'cancel', user: member, options: { job: 424242 } });
    expect((await answer(cmd)).content).toBe('job 424242 is not waiting or running in this server');
    expect(cmd.callback).toMatchObject({ type: DEFERRED_REPLY, data: { flags: EPHEMERAL } });
  });

  it('refuses a malformed /imagine privately at once, without waiting for the database', async () => {
    const stall = stallStore(h.bot.store);
    try {
      const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a cat --steps 0' } });
      const reply = await cmd.waitForOriginal((m) => m.content !== '', { timeoutMs: 30_000 });
      expect(cmd.callback?.type).toBe(REPLY);
      expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
      // Answered while the database still stalls: the refusal did not wait for it.
      expect(reply.content).toMatch(/`steps` must be a whole number from 1 to 150, got 0/);
    } finally {
      stall.release();
    }
  });

  it('refuses a banned /imagine privately after its public acknowledgement, replacing the "thinking..."', async () => {
    await h.bot.context.moderation.banWord({ userId: admin.id, guildId: h.discord.guild.id, canManageGuild: true, roleIds: [] }, 'forbidden');
    const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a forbidden circle', steps: 1, count: 1 } });
    const refusal = await answer(cmd);
    expect(cmd.callback).toMatchObject({ type: DEFERRED_REPLY, data: { flags: 0 } });
    expect(refusal.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refusal.content).toBe('This server does not allow "forbidden" in prompts. Nothing was queued or charged.');
    // The public placeholder is gone: nothing about the refusal shows in the channel.
    expect(cmd.original?.deletedAt).not.toBeNull();
    await h.bot.context.moderation.unbanWord({ userId: admin.id, guildId: h.discord.guild.id, canManageGuild: true, roleIds: [] }, 'forbidden');
  });
});

describe('an answer under a rate limit', () => {
  it('waits the limit out: the edit of the deferred reply arrives after the 429s', async () => {
    const storm = h.discord.rateLimit({ method: 'PATCH', path: /^\/webhooks\//, count: 2, retryAfterMs: 100 });
    const cmd = h.discord.slashCommand({ name: 'quota', subcommand: 'me', user: member });
    expect((await answer(cmd)).content).toMatch(/^You have \*\*\d+ credits? left\*\*/);
    expect(storm.hits).toBe(2);
  });
});

describe('a moderator command delivered twice', () => {
  it('/quota grant grants once; the second delivery changes nothing', async () => {
    const target = h.discord.newMember({ username: 'lucky' });
    const cmd = h.discord.slashCommand({ name: 'quota', subcommand: 'grant', user: admin, options: { user: target, credits: 7, reason: 'prize' } });
    h.discord.redeliver(cmd);
    expect((await answer(cmd)).content).toMatch(/^Granted 7 bonus credits to <@\d+>/);
    await h.discord.waitFor(() => h.logs.some((l) => l.includes(`interaction ${cmd.id} (/quota): already acknowledged (40060)`)), { timeoutMs: 30_000 });
    const grants = (await h.bot.store.ledger.history(h.discord.guild.id, target.id)).filter((e) => e.reason === 'grant');
    expect(grants.map((g) => g.delta)).toEqual([7]);
    const audit = (await h.bot.store.modActions.listRecent(h.discord.guild.id, { limit: 50 })).filter((a) => a.target === target.id);
    expect(audit.map((a) => [a.action, a.interactionId, a.pending])).toEqual([['grant-credits', cmd.id, false]]);
  });

  it('/quota reset gives the day back once, even when the member used more in between', async () => {
    const target = h.discord.newMember({ username: 'busy' });
    await h.discord.slashCommand({ name: 'imagine', user: target, options: { prompt: 'a busy star', steps: 1, count: 2 } }).waitForOriginal(hasImage, { timeoutMs: 90_000 });
    const cmd = h.discord.slashCommand({ name: 'quota', subcommand: 'reset', user: admin, options: { user: target } });
    expect((await answer(cmd)).content).toMatch(/^Gave <@\d+> back 2 of today's credits/);
    await h.discord.slashCommand({ name: 'imagine', user: target, options: { prompt: 'a busy moon', steps: 1, count: 1 } }).waitForOriginal(hasImage, { timeoutMs: 90_000 });
    h.discord.redeliver(cmd);
    await h.discord.waitFor(() => h.logs.some((l) => l.includes(`interaction ${cmd.id} (/quota): already acknowledged (40060)`)), { timeoutMs: 30_000 });
    const resets = (await h.bot.store.ledger.history(h.discord.guild.id, target.id)).filter((e) => e.reason === 'reset');
    expect(resets.map((r) => r.delta)).toEqual([2]);
    expect((await h.bot.context.quota.balance(h.discord.guild.id, target.id)).available).toBe(4);
  });
});
