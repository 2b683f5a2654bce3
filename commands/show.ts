/**
 * /show job: posts a finished job of this server again, with its picture, its text and working
 * buttons, as Midjourney's /show does. It reads the image store; it never generates or charges.
 */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/bot-context.ts';
import { DEFAULT_ATTACHMENT_LIMIT, fitAttachment, guildAttachmentLimit } from '../src/discord/fit-attachment.ts';
import { NO_PINGS } from '../src/discord/job-presenter.ts';
import { resultComponents, resultText, SINGLE_IMAGE_REACTIONS } from '../src/discord/result-message.ts';
import { waitingOutRateLimits } from '../src/discord/acknowledge.ts';
import { UserError } from '../src/services/user-error.ts';
import { isFilmKind } from '../src/store/index.ts';

export const data = new SlashCommandBuilder()
  .setName('show')
  .setDescription("Post a past job of this server again, with its buttons (free, nothing is generated)")
  .addIntegerOption((o) => o.setName('job').setDescription('The job number (see /history)').setRequired(true).setMinValue(1));

/** The re-post is public, like the original; refusals replace it with a private message. */
export const defer = 'public';

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!interaction.inGuild()) throw new UserError('show.dm', 'Use /show in a server: it shows jobs of that server.');
  const jobId = interaction.options.getInteger('job', true);
  const job = await ctx.jobs.getJob(jobId);
  // Another server's job is answered like a missing one: its prompt is that server's business.
  if (!job || job.guildId !== interaction.guildId) {
    throw new UserError('show.unknown', `There is no job ${jobId} in this server, so there is nothing to show. /history lists your jobs.`);
  }
  if (job.status !== 'done') {
    throw new UserError('show.not-done', `Job ${jobId} is ${job.status}, not finished; /show shows finished jobs only.`);
  }
  const result = await ctx.jobs.storedResult(job);
  if (!result) {
    throw new UserError(
      'show.files-gone',
      `The picture of job ${jobId} is no longer in the image store, so it cannot be shown. /show never generates; its buttons and /history's command still make new images.`,
    );
  }
  const limit = Math.min(interaction.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_LIMIT, guildAttachmentLimit(interaction.guild?.premiumTier));
  // A film (🎞️) is an animated WebP with nothing to press under it.
  const film = isFilmKind(job.kind);
  const file = film ? { data: result.png, name: `job-${job.id}.webp`, note: undefined } : await fitAttachment(result.png, limit, `job-${job.id}`);
  const message = await waitingOutRateLimits(() =>
    interaction.editReply({
      content: [resultText(result), file.note].filter(Boolean).join('\n'),
      components: film ? [] : resultComponents(job.id, result.seeds.length),
      files: [{ name: file.name, attachment: file.data }],
      allowedMentions: NO_PINGS,
    }),
  );
  // Buttons name the job; reactions find it through this record (the job's own resultMessageId
  // stays its original post).
  await ctx.jobs.recordShown(job.id, message.id);
  if (result.seeds.length === 1 && !film) {
    for (const emoji of SINGLE_IMAGE_REACTIONS) await message.react(emoji).catch(() => undefined);
  }
}
