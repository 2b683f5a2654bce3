/**
 * /diffuse image: | job: [index:]: the forward process of a picture, as an animated WebP: the
 * picture noised at the model's own schedule over 20 frames, until nothing of it is left. The
 * picture is one the member attaches, or one of a past job's. A job like a variation (kind
 * `diffuse`, charged as one), recorded with its parent job or its stored upload.
 */
import { SlashCommandBuilder, type Attachment, type ChatInputCommandInteraction } from 'discord.js';
import { checkAttachedPicture, discardAttachedPicture, storeAttachedPicture } from '../src/discord/attached-picture.ts';
import type { BotContext } from '../src/discord/bot-context.ts';
import { mebibytes, MAX_UPLOAD_BYTES, UPLOAD_FORMATS } from '../src/services/upload-source.ts';
import type { UploadedPicture } from '../src/services/upload-source.ts';
import { UserError } from '../src/services/user-error.ts';

export const data = new SlashCommandBuilder()
  .setName('diffuse')
  .setDescription('Film a picture dissolving into noise: the forward process of diffusion (1 credit)')
  .addAttachmentOption((o) => o.setName('image').setDescription(`A picture to film (${UPLOAD_FORMATS}, at most ${mebibytes(MAX_UPLOAD_BYTES)})`))
  .addIntegerOption((o) => o.setName('job').setDescription('Or the job whose picture to film (see /history)').setMinValue(1))
  .addIntegerOption((o) => o.setName('index').setDescription("Which picture of a job's grid, 1-4 (default 1)").setMinValue(1).setMaxValue(8));

const NOTHING = 'Nothing was queued or charged.';

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const image = interaction.options.getAttachment('image');
  const jobId = interaction.options.getInteger('job');
  const index = interaction.options.getInteger('index');
  if ((image === null) === (jobId === null)) {
    throw new UserError(
      'diffuse.source',
      `/diffuse films one picture: give image: (a picture to attach) or job: (a past job's, see /history), ${image ? 'not both' : 'one of them'}. ${NOTHING}`,
    );
  }
  if (image) return diffuseUpload(interaction, ctx, image, index);
  await ctx.submitJob(interaction, async () => {
    const parent = await ctx.jobs.getJob(jobId!);
    // Another server's job is answered like a missing one.
    if (!parent || parent.guildId !== interaction.guildId) {
      throw new UserError('diffuse.unknown', `There is no job ${jobId} in this server, so there is nothing to diffuse. /history lists your jobs. ${NOTHING}`);
    }
    return { kind: 'diffuse', parent, index: (index ?? 1) - 1 };
  });
}

async function diffuseUpload(interaction: ChatInputCommandInteraction, ctx: BotContext, image: Attachment, index: number | null): Promise<void> {
  if (index !== null) throw new UserError('diffuse.index', `index: picks a picture of a job's grid; an attached picture is just one. ${NOTHING}`);
  checkAttachedPicture(image); // what Discord's description settles, answered before any download
  let stored: UploadedPicture | undefined;
  let queued = false;
  try {
    queued = await ctx.submitJob(interaction, async () => {
      stored = await storeAttachedPicture(ctx.config.imageDir, image, interaction.id);
      return { kind: 'diffuse', upload: stored };
    });
  } finally {
    if (stored && !queued) await discardAttachedPicture(ctx.config.imageDir, stored);
  }
}
