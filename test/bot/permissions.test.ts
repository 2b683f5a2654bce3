/**
 * The bot's own permissions in a channel, checked before anything is reserved: the real bot and model,
 * a real SQLite file, discord.js against the local server, which computes app_permissions from roles and
 * channel overwrites and enforces them on the bot's REST calls as Discord does.
 */
import { PermissionFlagsBits as P } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasImage, jobOf, startHarness, type Harness } from '../support/bot-harness.ts';
import type { ChannelRecord, InteractionHandle, MessageRecord, UserRecord } from '../../src/sandbox/discord-server/index.ts';

const EPHEMERAL = 64;
const REPLY = 4; // an immediate reply, not a deferral: nothing was started
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '10' });
});
afterAll(async () => {
  await h?.close();
});

const jobsOf = (user: UserRecord) => h.bot.store.jobs.listRecentByUser(user.id, { limit: 50 });
const ledger = (user: UserRecord) => h.bot.store.ledger.history(h.discord.guild.id, user.id, { limit: 50 });

/** A fresh channel where the bot is denied `deny` by a channel overwrite, as a moderator would set it. */
function channelDenying(deny: bigint, name: string): ChannelRecord {
  const channel = h.discord.addChannel(h.discord.guild, { name });
  h.discord.setChannelPermissions(channel, h.discord.botUser, { deny });
  return channel;
}

async function refusalOf(cmd: InteractionHandle): Promise<MessageRecord> {
  return h.discord.waitFor(() => (cmd.original?.content ? cmd.original : cmd.followups[0]));
}

/** The bot's own-token requests in a channel (interaction replies go through /webhooks instead). */
const channelRequests = (channel: ChannelRecord) => h.discord.requestsTo(undefined, `/channels/${channel.id}/`);

describe('permissions the bot needs in the channel', () => {
  it('a bot without Attach Files in a channel refuses /imagine at once, naming the permission, and charges nothing', async () => {
    const channel = channelDenying(P.AttachFiles, 'no-files');
    const member = h.discord.newMember({ username: 'no-files-member' });
    const cmd = h.discord.slashCommand({ name: 'imagine', channel, user: member, options: { prompt: 'a red circle', steps: 2 } });
    const reply = await refusalOf(cmd);
    expect(cmd.callback?.type).toBe(REPLY);
    expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(reply.content).toBe(
      "I can't make pictures in this channel: I'm missing the **Attach Files** permission here. " +
        "A server moderator can grant it to my role or in this channel's permissions. Nothing was queued or charged.",
    );
    expect(await jobsOf(member)).toEqual([]);
    expect(await ledger(member)).toEqual([]);
    expect(await h.bot.context.quota.balance(h.discord.guild.id, member.id)).toMatchObject({ available: 40 });
    expect(channelRequests(channel)).toEqual([]);
  });

  it('names every permission that is missing, and only those', async () => {
    const channel = channelDenying(P.SendMessages | P.AddReactions | P.ReadMessageHistory, 'read-only');
    const cmd = h.discord.slashCommand({ name: 'imagine', channel, options: { prompt: 'a blue square' } });
    const reply = await refusalOf(cmd);
    expect(reply.content).toMatch(/missing the \*\*Send Messages\*\*, \*\*Add Reactions\*\* and \*\*Read Message History\*\* permissions here/);
    expect(reply.content).not.toContain('Attach Files');
  });

  it('a permission taken from the bot\'s role counts too; given back, the same /imagine is delivered', async () => {
    const channel = h.discord.addChannel(h.discord.guild, { name: 'role-managed' });
    const member = h.discord.newMember({ username: 'role-member' });
    const everyone = h.discord.guild.id;
    const botRole = h.discord.guild.botRoleId;
    const before = { bot: roleBits(botRole), everyone: roleBits(everyone) };
    h.discord.setRolePermissions(botRole, before.bot & ~P.AddReactions);
    h.discord.setRolePermissions(everyone, before.everyone & ~P.AddReactions);
    try {
      const refused = await refusalOf(h.discord.slashCommand({ name: 'imagine', channel, user: member, options: { prompt: 'a green ring', steps: 2, count: 1 } }));
      expect(refused.content).toMatch(/missing the \*\*Add Reactions\*\* permission/);
    } finally {
      h.discord.setRolePermissions(botRole, before.bot);
      h.discord.setRolePermissions(everyone, before.everyone);
    }
    const cmd = h.discord.slashCommand({ name: 'imagine', channel, user: member, options: { prompt: 'a green ring', steps: 2, count: 1 } });
    const result = await cmd.waitForOriginal(hasImage, { timeoutMs: 90_000 });
    expect((await jobOf(h, result.id)).status).toBe('done');
  });

  it('a button pressed where the bot lost Attach Files is refused ephemerally before anything is reserved', async () => {
    const channel = h.discord.addChannel(h.discord.guild, { name: 'lost-files' });
    const member = h.discord.newMember({ username: 'button-member' });
    const grid = await h.discord
      .slashCommand({ name: 'imagine', channel, user: member, options: { prompt: 'a yellow star', steps: 2, count: 2 } })
      .waitForOriginal(hasImage, { timeoutMs: 90_000 });
    // Credits are settled once the post is recorded: compare against the settled ledger.
    const charged = await h.discord.waitFor(async () => {
      const rows = await ledger(member);
      return rows.some((r) => r.reason === 'settle') ? rows : undefined;
    });
    h.discord.setChannelPermissions(channel, h.discord.botUser, { deny: P.AttachFiles });
    const press = h.discord.clickButton(grid, (grid.components[0] as { components: { custom_id: string }[] }).components[0].custom_id, member);
    const reply = await refusalOf(press);
    expect(press.callback?.type).toBe(REPLY);
    expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(reply.content).toMatch(/missing the \*\*Attach Files\*\* permission/);
    expect(await jobsOf(member)).toHaveLength(1);
    expect(await ledger(member)).toEqual(charged);
  });

  describe('reaction-started jobs (no interaction: permissions come from the cached roles and overwrites)', () => {
    async function singleIn(channel: ChannelRecord): Promise<MessageRecord> {
      const single = await h.discord
        .slashCommand({ name: 'imagine', channel, options: { prompt: 'a white heart', steps: 2, count: 1 } })
        .waitForOriginal(hasImage, { timeoutMs: 90_000 });
      await h.discord.waitFor(() => h.discord.reactionUsers(single, '🔁').includes(h.discord.botUser.id));
      await jobOf(h, single.id);
      return single;
    }

    it('are refused in the channel, to the reactor only, naming the permission; nothing is charged', async () => {
      const channel = h.discord.addChannel(h.discord.guild, { name: 'react-no-files' });
      const single = await singleIn(channel);
      h.discord.setChannelPermissions(channel, h.discord.botUser, { deny: P.AttachFiles });
      const reactor = h.discord.newMember({ username: 'reactor' });
      h.discord.react(single, '🔁', reactor);
      const refusal = await h.discord.waitFor(() => h.discord.messages(channel).find((m) => m.reference?.message_id === single.id));
      expect(refusal.content).toMatch(new RegExp(`^<@${reactor.id}> I can't make pictures in this channel: I'm missing the \\*\\*Attach Files\\*\\* permission here`));
      expect(refusal.pings.users).toEqual([reactor.id]);
      expect(await jobsOf(reactor)).toEqual([]);
      expect(await ledger(reactor)).toEqual([]);
    });

    it('without Send Messages the refusal is only logged: nothing is posted, queued or charged', async () => {
      const channel = h.discord.addChannel(h.discord.guild, { name: 'react-mute' });
      const single = await singleIn(channel);
      h.discord.setChannelPermissions(channel, h.discord.botUser, { deny: P.SendMessages });
      const reactor = h.discord.newMember({ username: 'silent-reactor' });
      const posts = () => h.discord.requestsTo('POST', `/channels/${channel.id}/messages`).length;
      const postsBefore = posts();
      h.discord.react(single, '🔁', reactor);
      const logged = await h.discord.waitFor(() => h.logs.find((l) => l.includes(`reaction by ${reactor.id}`)));
      expect(logged).toContain('Send Messages');
      expect(posts()).toBe(postsBefore);
      expect(await jobsOf(reactor)).toEqual([]);
      expect(await ledger(reactor)).toEqual([]);
    });
  });
});

function roleBits(roleId: string): bigint {
  // The fake's records are live: read the role's current bits from the GUILD_CREATE view the bot also had.
  const role = h.bot.client.guilds.cache.get(h.discord.guild.id)?.roles.cache.get(roleId);
  if (!role) throw new Error(`role ${roleId} not in the bot's cache`);
  return role.permissions.bitfield;
}
