/** /cancel: stop your waiting or running job (your newest one, or the one you name). */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { answer } from '../src/discord/acknowledge.ts';
import type { BotContext } from '../src/discord/bot-context.ts';
import { cancelText } from '../src/discord/cancel-text.ts';
import { UserError } from '../src/services/user-error.ts';

export const data = new SlashCommandBuilder()
  .setName('cancel')
  .setDescription('Cancel your waiting or running job; your credits come back if it had not finished')
  .addIntegerOption((o) => o.setName('job').setDescription('Job number (default: your newest)').setMinValue(1));

/** Private; the router defers it before the database is written. */
export const defer = 'ephemeral';

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!interaction.inGuild()) return answer(interaction, 'Use this in a server.');
  const id = interaction.options.getInteger('job') ?? ctx.jobs.latestActive(interaction.user.id, interaction.guildId)?.id;
  if (id === undefined) {
    throw new UserError('cancel.none', 'You have no job waiting or running in this server.');
  }
  const outcome = await ctx.jobs.cancel(id, { userId: interaction.user.id, guildId: interaction.guildId });
  await answer(interaction, cancelText(outcome));
}
