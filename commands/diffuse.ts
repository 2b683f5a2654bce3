/**
 * /diffuse job: [index:]: the forward process of one picture of a past job, as an animated WebP:
 * the picture noised at the model's own schedule over 20 frames, until nothing of it is left.
 * A job like a variation (kind `diffuse`, charged as one), recorded with its parent.
 */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/bot-context.ts';
import { UserError } from '../src/services/user-error.ts';

export const data = new SlashCommandBuilder()
  .setName('diffuse')
  .setDescription('Film a picture dissolving into noise: the forward process of diffusion (1 credit)')
  .addIntegerOption((o) => o.setName('job').setDescription('The job whose picture to film (see /history)').setRequired(true).setMinValue(1))
  .addIntegerOption((o) => o.setName('index').setDescription('Which picture of a grid, 1-4 (default 1)').setMinValue(1).setMaxValue(8));

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const jobId = interaction.options.getInteger('job', true);
  const index = (interaction.options.getInteger('index') ?? 1) - 1;
  await ctx.submitJob(interaction, async () => {
    const parent = await ctx.jobs.getJob(jobId);
    // Another server's job is answered like a missing one.
    if (!parent || parent.guildId !== interaction.guildId) {
      throw new UserError('diffuse.unknown', `There is no job ${jobId} in this server, so there is nothing to diffuse. /history lists your jobs. Nothing was queued or charged.`);
    }
    return { kind: 'diffuse', parent, index };
  });
}
