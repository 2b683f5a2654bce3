/**
 * /quota: credits. `/quota me` is for everyone; the other subcommands are for moderators (Manage
 * Server or the server's moderator role), checked here on every call: /quota cannot be hidden from
 * members by Discord's default permissions, since `me` is theirs.
 */
import { moderatorHintText } from '../src/discord/user-error-text.ts';
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { answer } from '../src/discord/acknowledge.ts';
import { actorOf } from '../src/discord/actor.ts';
import type { BotContext } from '../src/discord/bot-context.ts';
import { balanceSummary, changesOnly, ledgerLine, priceText, when } from '../src/discord/quota-text.ts';
import type { Actor } from '../src/services/moderation-service.ts';
import { MAX_CREDITS } from '../src/services/quota-admin.ts';
import { describeReset } from '../src/services/quota-service.ts';

export const data = new SlashCommandBuilder()
  .setName('quota')
  .setDescription('Credits for images: yours, and (moderators) everyone\'s')
  .addSubcommand((s) => s.setName('me').setDescription('Your credits, when they renew, and your recent charges and refunds'))
  .addSubcommand((s) =>
    s
      .setName('view')
      .setDescription("Moderators: a member's credits")
      .addUserOption((o) => o.setName('user').setDescription('The member').setRequired(true)),
  )
  .addSubcommand((s) =>
    s
      .setName('set')
      .setDescription("Moderators: a member's own daily allowance, replacing the server default")
      .addUserOption((o) => o.setName('user').setDescription('The member').setRequired(true))
      .addIntegerOption((o) => o.setName('daily').setDescription('Credits per day; leave out to go back to the server default').setMinValue(0).setMaxValue(MAX_CREDITS)),
  )
  .addSubcommand((s) =>
    s
      .setName('grant')
      .setDescription('Moderators: give a member bonus credits (used after the daily ones; they do not expire)')
      .addUserOption((o) => o.setName('user').setDescription('The member').setRequired(true))
      .addIntegerOption((o) => o.setName('credits').setDescription('How many').setRequired(true).setMinValue(1).setMaxValue(MAX_CREDITS))
      .addStringOption((o) => o.setName('reason').setDescription('Why (shown in their log)').setMaxLength(200)),
  )
  .addSubcommand((s) =>
    s
      .setName('reset')
      .setDescription("Moderators: give a member back what they used of today's allowance")
      .addUserOption((o) => o.setName('user').setDescription('The member').setRequired(true)),
  )
  .addSubcommand((s) =>
    s
      .setName('default')
      .setDescription("Moderators: the server's daily allowance per member (leave out to see it)")
      .addIntegerOption((o) => o.setName('daily').setDescription('Credits per member per day').setMinValue(0).setMaxValue(MAX_CREDITS)),
  )
  .addSubcommand((s) => s.setName('top').setDescription('Moderators: who used the most credits this quota day'))
  .addSubcommand((s) =>
    s
      .setName('log')
      .setDescription("Moderators: a member's credit ledger, newest first")
      .addUserOption((o) => o.setName('user').setDescription('The member').setRequired(true)),
  );

/** Every answer is private; the router defers it before the database is read. */
export const defer = 'ephemeral';

type Handler = (interaction: ChatInputCommandInteraction<'cached' | 'raw'>, ctx: BotContext, actor: Actor) => Promise<string>;

function renews(ctx: BotContext): string {
  return describeReset(ctx.quota.now(), ctx.quota.settings.resetHourUtc);
}

async function me(interaction: ChatInputCommandInteraction<'cached' | 'raw'>, ctx: BotContext): Promise<string> {
  const { guildId, user } = interaction;
  const b = await ctx.quota.balance(guildId, user.id);
  const recent = changesOnly(await ctx.quota.history(guildId, user.id, 20)).slice(0, 10);
  return [
    `You have ${balanceSummary(b)}.`,
    `Daily credits renew ${renews(ctx)}; bonus credits do not expire. For more, ask ${moderatorHintText(await ctx.moderation.moderatorRole(guildId))}.`,
    priceText(ctx.quota),
    recent.length ? `**Recent**\n${recent.map(ledgerLine).join('\n')}` : 'No charges yet.',
  ].join('\n');
}

const MODERATOR: Record<string, Handler> = {
  async view(interaction, ctx) {
    const target = interaction.options.getUser('user', true);
    const b = await ctx.quota.balance(interaction.guildId, target.id);
    const recent = changesOnly(await ctx.quota.history(interaction.guildId, target.id, 10)).slice(0, 5);
    return [`<@${target.id}> has ${balanceSummary(b)}.`, `Daily credits renew ${renews(ctx)}.`, ...recent.map(ledgerLine)].join('\n');
  },

  async set(interaction, ctx, actor) {
    const target = interaction.options.getUser('user', true);
    const daily = interaction.options.getInteger('daily');
    const b = await ctx.moderation.applyOnce(actor, 'set-quota', target.id, () => ctx.quota.admin.setAllowance(actor, target.id, daily));
    const what = daily === null ? `<@${target.id}> is back on the server default of ${b.allowance} credits a day.` : `<@${target.id}> now has ${daily} credits a day of their own.`;
    return `${what} Now: ${balanceSummary(b)}.`;
  },

  async grant(interaction, ctx, actor) {
    const target = interaction.options.getUser('user', true);
    const credits = interaction.options.getInteger('credits', true);
    const reason = interaction.options.getString('reason') ?? undefined;
    const b = await ctx.moderation.applyOnce(actor, 'grant-credits', target.id, () => ctx.quota.admin.grant(actor, target.id, credits, reason));
    return `Granted ${credits} bonus credit${credits === 1 ? '' : 's'} to <@${target.id}>. Now: ${balanceSummary(b)}.`;
  },

  async reset(interaction, ctx, actor) {
    const target = interaction.options.getUser('user', true);
    const r = await ctx.moderation.applyOnce(actor, 'reset-quota', target.id, () => ctx.quota.admin.resetToday(actor, target.id));
    const what = r.restored > 0 ? `Gave <@${target.id}> back ${r.restored} of today's credits.` : `<@${target.id}> had used none of today's allowance: nothing to give back.`;
    return `${what} Now: ${balanceSummary(r.balance)}.`;
  },

  async default(interaction, ctx, actor) {
    const daily = interaction.options.getInteger('daily');
    if (daily === null) {
      const d = await ctx.quota.admin.guildDefault(interaction.guildId);
      const source = d.source === 'guild' ? 'set by a moderator' : "the bot's default";
      return `Members get ${d.daily} credits a day here (${source}); members with a personal allowance (/quota set) keep theirs.`;
    }
    const before = await ctx.moderation.applyOnce(actor, 'set-default-quota', null, async () => {
      const was = await ctx.quota.admin.guildDefault(interaction.guildId);
      await ctx.quota.admin.setGuildDefault(actor, daily);
      return was;
    });
    return `Members without a personal allowance now get ${daily} credits a day (was ${before.daily}).`;
  },

  async top(interaction, ctx) {
    const usage = await ctx.quota.admin.top(interaction.guildId, 10);
    const since = `since ${when(ctx.quota.currentPeriodStart())} (the quota day starts at ${String(ctx.quota.settings.resetHourUtc).padStart(2, '0')}:00 UTC)`;
    if (usage.length === 0) return `Nobody has used credits ${since}.`;
    const lines = usage.map((u, k) => `${k + 1}. <@${u.userId}> · ${u.credits} credit${u.credits === 1 ? '' : 's'} · ${u.jobs} job${u.jobs === 1 ? '' : 's'}`);
    return [`**Credits used ${since}**`, ...lines].join('\n');
  },

  async log(interaction, ctx) {
    const target = interaction.options.getUser('user', true);
    const entries = await ctx.quota.admin.log(interaction.guildId, target.id, 15);
    if (entries.length === 0) return `<@${target.id}> has no credit history here.`;
    return [`**Credit ledger of <@${target.id}>**, newest first`, ...entries.map(ledgerLine)].join('\n');
  },
};

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!interaction.inGuild()) return answer(interaction, 'Use this in a server.');
  const sub = interaction.options.getSubcommand();
  let content: string;
  if (sub === 'me') {
    content = await me(interaction, ctx);
  } else {
    const actor = actorOf(interaction);
    await ctx.moderation.requireModerator(actor);
    const handler = MODERATOR[sub];
    if (!handler) throw new Error(`/quota ${sub} has no handler`);
    content = await handler(interaction, ctx, actor);
  }
  // Mentions only say whose credits these are: answer() keeps them from pinging anyone.
  await answer(interaction, content);
}
