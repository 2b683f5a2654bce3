/**
 * Moderation end to end: who may moderate (checked on every call), banned words, pausing the
 * server's queue across restarts, queue limits, cancelling anyone's job, and the audit log.
 */
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GORE_SPELLINGS } from '../support/banned-spellings.ts';
import { buttonIds, hasImage, startHarness, type Harness } from '../support/bot-harness.ts';
import type { InteractionHandle, MessageRecord, OptionValue, SlashCommandInput, UserRecord } from '../../src/sandbox/discord-server/index.ts';

let h: Harness;
let admin: UserRecord;

beforeAll(async () => {
  h = await startHarness({ MAX_JOBS_PER_USER: '5', MAX_QUEUE_PER_GUILD: '20' });
  admin = h.discord.newMember({ username: 'admin', permissions: PermissionFlagsBits.ManageGuild });
});
afterAll(async () => {
  await h?.close();
});

const EPHEMERAL = 64;
const FORBIDDEN = 'Only members with the Manage Server permission can do this.';

function answer(cmd: InteractionHandle): Promise<MessageRecord> {
  return h.discord.waitFor(() => cmd.followups[0] ?? (cmd.original?.content ? cmd.original : undefined));
}

function run(input: SlashCommandInput): Promise<MessageRecord> {
  return answer(h.discord.slashCommand(input));
}

/** Audit lines without their timestamps. */
async function auditLines(count = 25): Promise<string[]> {
  const audit = await run({ name: 'mod', subcommand: 'audit', user: admin, options: { count } });
  return audit.content.split('\n').slice(1).map((l) => l.replace(/^<t:\d+:R> /, ''));
}

/** Every moderator subcommand, with valid options. */
function moderatorCommands(target: UserRecord): Array<[string, Omit<SlashCommandInput, 'user'>]> {
  const role = h.discord.addRole(h.discord.guild, { name: 'would-be-mods' });
  const cmd = (name: string, subcommand: string, options: Record<string, OptionValue> = {}, subcommandGroup?: string) =>
    [[name, subcommandGroup, subcommand].filter(Boolean).join(' '), { name, subcommand, subcommandGroup, options }] as [string, Omit<SlashCommandInput, 'user'>];
  return [
    cmd('quota', 'view', { user: target }),
    cmd('quota', 'set', { user: target, daily: 100 }),
    cmd('quota', 'grant', { user: target, credits: 50 }),
    cmd('quota', 'reset', { user: target }),
    cmd('quota', 'default', { daily: 100 }),
    cmd('quota', 'default'),
    cmd('quota', 'top'),
    cmd('quota', 'log', { user: target }),
    cmd('mod', 'cancel', { job: 1 }),
    cmd('mod', 'pause'),
    cmd('mod', 'resume'),
    cmd('mod', 'add', { word: 'anything' }, 'banned-words'),
    cmd('mod', 'remove', { word: 'anything' }, 'banned-words'),
    cmd('mod', 'list', {}, 'banned-words'),
    cmd('mod', 'role', { role }),
    cmd('mod', 'role'),
    cmd('mod', 'limits', { 'per-user': 100 }),
    cmd('mod', 'limits'),
    cmd('mod', 'audit'),
  ];
}

describe('who may moderate', () => {
  it('refuses a member without Manage Server every moderator command, ephemerally, changing nothing', async () => {
    const member = h.discord.newMember({ username: 'plain', roles: [h.discord.addRole(h.discord.guild, { name: 'regulars' })] });
    const before = await h.bot.store.guilds.ensure(h.discord.guild.id);
    const commands = moderatorCommands(member);
    for (const [label, input] of commands) {
      const reply = await run({ ...input, user: member });
      expect({ label, content: reply.content, ephemeral: reply.flags & EPHEMERAL }).toEqual({ label, content: FORBIDDEN, ephemeral: EPHEMERAL });
    }
    expect(await h.bot.store.guilds.get(h.discord.guild.id)).toEqual(before);
    expect(await h.bot.store.modActions.listRecent(h.discord.guild.id)).toEqual([]);
    expect(await h.bot.store.ledger.history(h.discord.guild.id, member.id)).toEqual([]);
    expect(h.bot.jobs.queueOf(h.discord.guild.id).paused).toBe(false);
    // /quota me is everyone's.
    expect((await run({ name: 'quota', subcommand: 'me', user: member })).content).toMatch(/^You have \*\*\d+ credits left\*\*/);
  });

  it('lets the moderator role moderate, checks the role on every call, and keeps the role itself to Manage Server', async () => {
    const helpers = h.discord.addRole(h.discord.guild, { name: 'helpers' });
    const stewards = h.discord.addRole(h.discord.guild, { name: 'stewards' });
    const helper = h.discord.newMember({ username: 'helper', roles: [helpers] });
    expect((await run({ name: 'mod', subcommand: 'role', user: helper })).content).toBe(FORBIDDEN);

    const set = await run({ name: 'mod', subcommand: 'role', user: admin, options: { role: helpers } });
    expect(set.content).toBe(`Members with <@&${helpers.id}> are now moderators here, as is everyone with Manage Server.`);
    expect(set.pings.roles).toEqual([]);
    expect((await run({ name: 'mod', subcommand: 'list', subcommandGroup: 'banned-words', user: helper })).content).toBe('No words are banned here.');
    expect((await run({ name: 'mod', subcommand: 'role', user: helper })).content).toBe(`The moderator role is <@&${helpers.id}> (and Manage Server).`);
    // A role moderator cannot hand moderation to another role (or to everyone).
    expect((await run({ name: 'mod', subcommand: 'role', user: helper, options: { role: stewards } })).content).toBe(
      'Only members with the Manage Server permission can choose the moderator role.',
    );
    const everyone = await run({ name: 'mod', subcommand: 'role', user: admin, options: { role: h.discord.guild.everyoneRoleId } });
    expect(everyone.content).toMatch(/^The moderator role cannot be @everyone/);

    await run({ name: 'mod', subcommand: 'role', user: admin, options: { role: stewards } });
    const refused = await run({ name: 'quota', subcommand: 'top', user: helper });
    expect(refused.content).toBe(`Only members with the Manage Server permission or the <@&${stewards.id}> role can do this.`);
    expect(refused.pings.roles).toEqual([]);

    const owner = h.discord.newMember({ username: 'sysadmin', permissions: PermissionFlagsBits.Administrator });
    expect((await run({ name: 'mod', subcommand: 'role', user: owner, options: { clear: true } })).content).toBe(
      'There is no moderator role any more: only members with Manage Server can moderate.',
    );
    expect(await auditLines(3)).toEqual([
      `<@${owner.id}> removed the moderator role`,
      `<@${admin.id}> made <@&${stewards.id}> the moderator role`,
      `<@${admin.id}> made <@&${helpers.id}> the moderator role`,
    ]);
  });
});

describe('banned words', () => {
  const ban = (word: string) => run({ name: 'mod', subcommand: 'add', subcommandGroup: 'banned-words', user: admin, options: { word } });
  const unban = (word: string) => run({ name: 'mod', subcommand: 'remove', subcommandGroup: 'banned-words', user: admin, options: { word } });
  const credits = (user: UserRecord) => h.bot.context.quota.balance(h.discord.guild.id, user.id);
  const jobsOf = (user: UserRecord) => h.bot.store.jobs.listRecentByUser(user.id, { limit: 100 });

  it('refuses prompts containing a banned word in any case or accents, before anything is queued or charged', async () => {
    const member = h.discord.newMember({ username: 'painter' });
    const added = await ban('Gôre');
    expect(added.content).toBe('Prompts containing "gore" are now refused, in any case and with or without accents.');
    await ban('blood bath');
    for (const [prompt, negative] of [['a GORE circle', undefined], ['ａ ｇｏｒｅ square', undefined], ['a red square', 'Gore'], ['a Blood  Bath', undefined]] as const) {
      const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt, steps: 1, count: 1, ...(negative ? { negative } : {}) } });
      const reply = await answer(cmd);
      expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect(reply.content).toMatch(/^This server does not allow "(gore|blood bath)" in prompts\. Nothing was queued or charged\.$/);
    }
    expect(await h.bot.store.jobs.listRecentByUser(member.id)).toEqual([]);
    expect(await h.bot.store.ledger.history(h.discord.guild.id, member.id)).toEqual([]);
    // Whole words only: "gorey" and "gorge" are other words.
    const fine = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a gorey gorge', steps: 1, count: 1 } });
    await fine.waitForOriginal(hasImage, { timeoutMs: 60_000 });

    const list = await run({ name: 'mod', subcommand: 'list', subcommandGroup: 'banned-words', user: admin });
    expect(list.content).toBe('Banned words (2): "blood bath", "gore"');
    const removed = await unban('GÔRE');
    expect(removed.content).toBe('"gore" is allowed in prompts again.');
    const allowed = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a gore circle', steps: 1, count: 1 } });
    await allowed.waitForOriginal(hasImage, { timeoutMs: 60_000 });
    const empty = await ban(' -- ');
    expect(empty.content).toBe('word must have letters or digits in it and at most 100 characters, got "--"');
    expect(await auditLines(3)).toEqual([
      `<@${admin.id}> allowed the word "gore" again`,
      `<@${admin.id}> banned the word "blood bath"`,
      `<@${admin.id}> banned the word "gore"`,
    ]);
    await unban('blood bath');
  });

  it('refuses /imagine with every spelling the model would read as the banned word, queueing and charging nothing', async () => {
    const member = h.discord.newMember({ username: 'evader' });
    // The moderator's own spelling does not matter either: a Cyrillic о bans the plain word.
    expect((await ban('g\u043ere')).content).toBe('Prompts containing "gore" are now refused, in any case and with or without accents.');
    await ban('ass');
    try {
      const balance = await credits(member);
      const asks: Array<[string, Record<string, OptionValue>]> = [
        ...GORE_SPELLINGS.map(([label, prompt]): [string, Record<string, OptionValue>] => [label, { prompt }]),
        ...GORE_SPELLINGS.map(([label, negative]): [string, Record<string, OptionValue>] => [`${label}, in the negative prompt`, { prompt: 'a calm lake', negative }]),
        ['an inline --no', { prompt: 'a calm lake --no g&#x6f;re' }],
      ];
      for (const [label, options] of asks) {
        const reply = await answer(h.discord.slashCommand({ name: 'imagine', user: member, options: { ...options, steps: 1, count: 1 } }));
        expect({ label, content: reply.content, ephemeral: reply.flags & EPHEMERAL }).toEqual({
          label,
          content: 'This server does not allow "gore" in prompts. Nothing was queued or charged.',
          ephemeral: EPHEMERAL,
        });
      }
      expect(await jobsOf(member)).toEqual([]);
      expect(await h.bot.store.ledger.history(h.discord.guild.id, member.id)).toEqual([]);
      expect(await credits(member)).toEqual(balance);

      // Whole words still: a ban on "ass" lets "a classic class" through.
      const fine = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a classic class', steps: 1, count: 1 } });
      await fine.waitForOriginal(hasImage, { timeoutMs: 60_000 });
      expect(await jobsOf(member)).toHaveLength(1);
    } finally {
      await unban('gore');
      await unban('ass');
    }
  });

  it('refuses a reroll of an earlier picture whose prompt is now banned', async () => {
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a spooky moon', steps: 1, count: 2 } });
    const grid = await cmd.waitForOriginal(hasImage, { timeoutMs: 60_000 });
    await ban('spooky');
    const reroll = h.discord.clickButton(grid, (grid.components as Array<{ components: Array<{ custom_id: string }> }>)[2].components[0].custom_id);
    const reply = await answer(reroll);
    expect(reply.content).toBe('This server does not allow "spooky" in prompts. Nothing was queued or charged.');
    await unban('spooky');
  });

  it('refuses every button and reaction on an older result whose escaped prompt became banned, queueing and charging nothing', async () => {
    // Made before the ban, spelt so that only the tokenizer's reading says "gore".
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a &#103;ore moon', steps: 4, count: 1 } });
    const single = await cmd.waitForOriginal(hasImage, { timeoutMs: 60_000 });
    await h.discord.waitFor(() => h.discord.reactionUsers(single, '🔁').includes(h.discord.botUser.id));
    await ban('GORE');
    try {
      const member = h.discord.newMember({ username: 'clicker' });
      const balance = await credits(member);
      const refusal = 'This server does not allow "gore" in prompts. Nothing was queued or charged.';

      const buttons = buttonIds(single.components).flat();
      expect(buttons.length).toBeGreaterThanOrEqual(3); // U, V and reroll
      for (const id of buttons) {
        const reply = await answer(h.discord.clickButton(single, id, member));
        expect({ id, content: reply.content, ephemeral: reply.flags & EPHEMERAL }).toEqual({ id, content: refusal, ephemeral: EPHEMERAL });
      }

      // One reactor per emoji: each gets their own refusal (a member's repeated refusals may be rate-limited).
      const reactors = ['🔍', '🔀', '🔁'].map((emoji) => ({ emoji, user: h.discord.newMember({ username: `reactor-${emoji}` }) }));
      for (const { emoji, user } of reactors) h.discord.react(single, emoji, user);
      const refusals = () => h.discord.messages().filter((m) => m.reference?.message_id === single.id && m.content.includes(refusal));
      const posted = await h.discord.waitFor(() => (refusals().length === reactors.length ? refusals() : undefined));
      for (const { user } of reactors) {
        const m = posted.find((p) => p.content.startsWith(`<@${user.id}> `));
        expect(m?.content).toBe(`<@${user.id}> ${refusal}`);
        expect(m?.pings.users).toEqual([user.id]);
        expect(await jobsOf(user)).toEqual([]);
        expect(await h.bot.store.ledger.history(h.discord.guild.id, user.id)).toEqual([]);
      }
      expect(posted.some(hasImage)).toBe(false);

      expect(await jobsOf(member)).toEqual([]);
      expect(await h.bot.store.ledger.history(h.discord.guild.id, member.id)).toEqual([]);
      expect(await credits(member)).toEqual(balance);
    } finally {
      await unban('gore');
    }
  });
});

describe("the server's queue", () => {
  it('/mod pause holds new jobs, survives a restart, and /mod resume runs them', async () => {
    const guildId = h.discord.guild.id;
    const paused = await run({ name: 'mod', subcommand: 'pause', user: admin });
    expect(paused.content).toMatch(/^Paused this server's queue: 0 waiting job\(s\) keep their place/);
    expect((await h.bot.store.guilds.get(guildId))?.paused).toBe(true);
    const cmd = h.discord.slashCommand({ name: 'imagine', options: { prompt: 'a patient circle', steps: 1, count: 1 } });
    await h.discord.waitFor(() => h.bot.jobs.queueOf(guildId).waiting.length === 1);
    const queue = await run({ name: 'queue' });
    expect(queue.content).toMatch(/paused this server's queue/);

    const bot = await h.restart();
    expect(bot.recovered).toEqual({ resumed: 1, failed: 0 });
    expect(bot.jobs.queueOf(guildId)).toMatchObject({ paused: true, running: [] });
    expect(bot.jobs.queueOf(guildId).waiting).toHaveLength(1);

    const resumed = await run({ name: 'mod', subcommand: 'resume', user: admin });
    expect(resumed.content).toBe("Resumed this server's queue: 1 waiting job(s) start in turn.");
    await cmd.waitForOriginal(hasImage, { timeoutMs: 60_000 });
    expect((await h.bot.store.guilds.get(guildId))?.paused).toBe(false);
    expect((await run({ name: 'mod', subcommand: 'resume', user: admin })).content).toBe("This server's queue was not paused: 0 waiting job(s) start in turn.");
    expect(await auditLines(2)).toEqual([`<@${admin.id}> resumed the server's queue`, `<@${admin.id}> paused the server's queue`]);
  });

  it('/mod cancel stops anyone\'s job, refunds it and records who did it; a job not in this server is refused', async () => {
    const guildId = h.discord.guild.id;
    const member = h.discord.newMember({ username: 'queued-member' });
    await run({ name: 'mod', subcommand: 'pause', user: admin });
    try {
      const cmd = h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'a forgotten star', steps: 1, count: 3 } });
      const job = (await h.discord.waitFor(() => h.bot.jobs.queueOf(guildId).waiting.find((w) => w.job.userId === member.id))).job;
      const cancelled = await run({ name: 'mod', subcommand: 'cancel', user: admin, options: { job: job.id } });
      expect(cancelled.content).toBe(`Cancelled job ${job.id} of <@${member.id}> (**a forgotten star**); 3 credits returned.`);
      expect(cancelled.pings.users).toEqual([]);
      await cmd.waitForOriginal((m) => m.content === 'Cancelled: cancelled by a moderator');
      expect((await h.bot.store.ledger.entriesForJob(job.id)).map((r) => r.reason)).toEqual(['reserve', 'refund']);
      expect((await auditLines(1))[0]).toBe(`<@${admin.id}> cancelled job ${job.id} of <@${member.id}>`);
      const unknown = await run({ name: 'mod', subcommand: 'cancel', user: admin, options: { job: 99999 } });
      expect(unknown.content).toBe('job 99999 is not waiting or running in this server');
    } finally {
      await run({ name: 'mod', subcommand: 'resume', user: admin });
    }
  });

  it('/mod limits shows the limits, sets them within their ranges, and the queue enforces them', async () => {
    expect((await run({ name: 'mod', subcommand: 'limits', user: admin })).content).toBe(
      "Queue limits:\nper-user: 5 job(s) waiting or running per member (the bot's default)\nqueue: 20 job(s) waiting in this server (the bot's default)",
    );
    const bad = await run({ name: 'mod', subcommand: 'limits', user: admin, options: { 'per-user': 0 } });
    expect(bad.content).toBe('per-user must be a whole number from 1 to 100, got 0');
    const set = await run({ name: 'mod', subcommand: 'limits', user: admin, options: { 'per-user': 1, queue: 2 } });
    expect(set.content).toBe('Queue limits changed:\nper-user: 1 job(s) waiting or running per member (set here)\nqueue: 2 job(s) waiting in this server (set here)');
    expect((await auditLines(1))[0]).toBe(`<@${admin.id}> set the queue limits: per-user 1, queue 2`);

    const guildId = h.discord.guild.id;
    const member = h.discord.newMember({ username: 'eager' });
    h.bot.jobs.pause(guildId);
    try {
      h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'one circle', steps: 1, count: 1 } });
      await h.discord.waitFor(() => h.bot.jobs.queueOf(guildId).waiting.length === 1);
      const second = await answer(h.discord.slashCommand({ name: 'imagine', user: member, options: { prompt: 'two circles', steps: 1, count: 1 } }));
      expect(second.content).toBe('You already have 1 job waiting or running here (at most 1). Use /cancel or wait for one to finish.');
      h.discord.slashCommand({ name: 'imagine', options: { prompt: 'three circles', steps: 1, count: 1 } });
      await h.discord.waitFor(() => h.bot.jobs.queueOf(guildId).waiting.length === 2);
      const third = await answer(h.discord.slashCommand({ name: 'imagine', user: admin, options: { prompt: 'four circles', steps: 1, count: 1 } }));
      expect(third.content).toBe("This server's queue is full (2 of 2 jobs waiting). Try again when some have finished.");
    } finally {
      h.bot.jobs.resume(guildId);
      await h.bot.jobs.idle();
      await h.bot.store.guilds.update(guildId, { maxJobsPerUser: null, maxQueuePerGuild: null });
    }
  });
});
