/** /info: the model, its defaults and sizes, the queue, and your credits. */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { describeSizes } from '../src/diffusion/image-sizes.ts';
import { answer } from '../src/discord/acknowledge.ts';
import type { BotContext } from '../src/discord/bot-context.ts';
import { describeReset } from '../src/services/quota-service.ts';

export const data = new SlashCommandBuilder().setName('info').setDescription('The model, its defaults, the queue and your credits');

/** Private (it shows your credits); the router defers it before the database is read. */
export const defer = 'ephemeral';

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const info = ctx.jobs.pipeline.info;
  const lines = [
    `**Model** ${info.name} · native ${info.sizes.nativeWidth}x${info.sizes.nativeHeight} · ${describeSizes(info.sizes)}`,
    `**Defaults** ${info.defaults.steps} steps · sampler ${info.defaults.sampler} · guidance ${info.defaults.guidance} · 4 images`,
  ];
  if (interaction.inGuild()) {
    const q = ctx.jobs.queueOf(interaction.guildId);
    lines.push(`**Queue** ${q.running.length} running, ${q.waiting.length} waiting${q.paused ? ' (paused by a moderator)' : ''}`);
    const b = await ctx.quota.balance(interaction.guildId, interaction.user.id);
    lines.push(
      `**Your credits** ${b.available} left today (${b.daily} of your ${b.allowance} daily${b.bonus ? ` + ${b.bonus} bonus` : ''}), renewing ${describeReset(ctx.quota.now(), ctx.quota.settings.resetHourUtc)}`,
    );
  }
  await answer(interaction, lines.join('\n'));
}
