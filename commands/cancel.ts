/** /cancel: stop your waiting or running job (your newest one, or the one you name). */
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/bot-context.ts';
import { cancelText } from '../src/discord/cancel-text.ts';
import { NO_PINGS } from '../src/discord/job-presenter.ts';
import { UserError } from '../src/services/user-error.ts';

export const data = new SlashCommandBuilder()
  .setName('cancel')
  .setDescription('Cancel your waiting or running job; your credits come back if it had not finished')
  .addIntegerOption((o) => o.setName('job').setDescription('Job number (default: your newest)').setMinValue(1));

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!interaction.inGuild()) return void interaction.reply({ content: 'Use this in a server.', flags: MessageFlags.Ephemeral });
  const id = interaction.options.getInteger('job') ?? ctx.jobs.latestActive(interaction.user.id, interaction.guildId)?.id;
  if (id === undefined) {
    throw new UserError('cancel.none', 'You have no job waiting or running in this server.');
  }
  const outcome = await ctx.jobs.cancel(id, { userId: interaction.user.id, guildId: interaction.guildId });
  await interaction.reply({ content: cancelText(outcome), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
}
