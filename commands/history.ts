/** /history: your recent jobs with their seeds, each with the exact /imagine that makes it again. */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { answer } from '../src/discord/acknowledge.ts';
import type { BotContext } from '../src/discord/bot-context.ts';
import { quotePrompt } from '../src/discord/result-message.ts';
import type { JobRecord } from '../src/store/index.ts';

export const data = new SlashCommandBuilder()
  .setName('history')
  .setDescription('Your recent jobs, with seeds and the command that re-runs each')
  .addIntegerOption((o) => o.setName('count').setDescription('How many (default 5)').setMinValue(1).setMaxValue(10));

/** Private; the router defers it before the database is read. */
export const defer = 'ephemeral';

/** The /imagine that reproduces a job's first image set (same seed, same settings). */
export function rerunCommand(job: JobRecord): string {
  const parts = [`/imagine prompt: ${job.prompt.replace(/`/g, "'")}`];
  if (job.negativePrompt) parts.push(`--no ${job.negativePrompt.replace(/`/g, "'")}`);
  parts.push(`--seed ${job.seed}`, `--steps ${job.steps}`, `--cfg ${job.guidance}`, `--sampler ${job.sampler}`);
  if (job.chaos !== null) parts.push(`--chaos ${job.chaos}`);
  return parts.join(' ');
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!interaction.inGuild()) return answer(interaction, 'Use this in a server.');
  const jobs = await ctx.jobs.history(interaction.user.id, interaction.guildId, interaction.options.getInteger('count') ?? 5);
  if (jobs.length === 0) {
    await answer(interaction, 'You have no jobs in this server yet. Try /imagine.');
    return;
  }
  const lines = jobs.map((j) => {
    const seeds = j.count === 1 ? `seed ${j.seed}` : `seeds ${j.seed}–${j.seed + j.count - 1}`;
    const when = `<t:${Math.floor(j.createdAt.getTime() / 1000)}:R>`;
    const rerun = j.kind === 'imagine' || j.kind === 'reroll' ? `\n\`${rerunCommand(j)}\`` : '';
    // No parent to look up: the job's prompt says which picture it was.
    const upload = j.inputPath ? ` · ${quotePrompt(j.prompt, 100)}` : '';
    return `**job ${j.id}** · ${j.kind} · ${j.status} · ${seeds} · ${j.width}x${j.height} · ${when}${upload}${rerun}`;
  });
  await answer(interaction, lines.join('\n'));
}
