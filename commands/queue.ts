/** /queue: what is running and waiting in this server, in the order it will run, with ETAs. */
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/bot-context.ts';
import { NO_PINGS } from '../src/discord/job-presenter.ts';
import { formatDuration, quotePrompt } from '../src/discord/result-message.ts';

export const data = new SlashCommandBuilder().setName('queue').setDescription("What is running and waiting in this server's queue");

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!interaction.inGuild()) {
    await interaction.reply({ content: 'Use this in a server.', flags: MessageFlags.Ephemeral });
    return;
  }
  const q = ctx.jobs.queueOf(interaction.guildId);
  const me = interaction.user.id;
  const lines: string[] = [];
  if (q.paused) lines.push('⏸️ A moderator has paused this server\'s queue: jobs wait until it resumes.');
  for (const job of q.running) {
    // A U/V whose source file is gone makes that image again first, in the same slot.
    const doing = q.regenerating.includes(job.id) ? 'regenerating its source image' : 'running';
    lines.push(`▶️ job ${job.id} · <@${job.userId}> · ${quotePrompt(job.prompt, 80)} · ${doing}`);
  }
  for (const job of q.posting) lines.push(`📤 job ${job.id} · <@${job.userId}> · ${quotePrompt(job.prompt, 80)} · made, being posted`);
  for (const w of q.waiting) {
    const eta = w.etaMs === undefined ? '' : ` · starts in about ${formatDuration(w.etaMs)}`;
    lines.push(`${w.position ?? '–'}. job ${w.job.id} · <@${w.job.userId}> · ${quotePrompt(w.job.prompt, 80)}${eta}`);
  }
  const mine = q.waiting.filter((w) => w.job.userId === me);
  const summary = mine.length
    ? `Your next job is number ${mine[0].position ?? '– (paused)'} in line.`
    : q.running.some((j) => j.userId === me)
      ? 'Your job is running now.'
      : 'You have nothing waiting.';
  const body = lines.length ? lines.join('\n') : 'The queue is empty: a new /imagine starts at once.';
  // Mentions here only label whose job is whose: allowed_mentions keeps them from pinging anyone.
  await interaction.reply({ content: `${body}\n\n${summary}`.slice(0, 2000), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
}
