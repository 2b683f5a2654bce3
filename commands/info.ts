/** /info: the models (which are loaded or which workers serve them, this server's default), their defaults and sizes, where jobs run, the queue, and your credits. */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { describeSizes } from '../src/diffusion/image-sizes.ts';
import { answer } from '../src/discord/acknowledge.ts';
import type { BotContext } from '../src/discord/bot-context.ts';
import type { ModelStatus } from '../src/services/model-registry.ts';
import { describeReset } from '../src/services/quota-service.ts';
import type { InferenceStatus } from '../src/services/inference.ts';
import { inferenceLine } from '../src/discord/workers-text.ts';

export const data = new SlashCommandBuilder().setName('info').setDescription('The models, their defaults, the queue and your credits');

/** Private (it shows your credits); the router defers it before the database is read. */
export const defer = 'ephemeral';

function modelLine(m: ModelStatus, isDefault: boolean, where: InferenceStatus): string {
  const servedBy = where.mode === 'workers' ? where.workers.filter((w) => w.models.includes(m.name)).map((w) => w.name) : [];
  const state = where.mode === 'local' ? (m.loaded ? 'loaded' : 'not loaded (loads on first use)') : servedBy.length ? `served by ${servedBy.join(', ')}` : 'no worker serves it now (its jobs wait)';
  const parts = [`**${m.name}**`, state];
  const info = m.info;
  if (info) {
    parts.push(`native ${info.sizes.nativeWidth}x${info.sizes.nativeHeight}`);
    parts.push(`${info.defaults.steps} steps, ${info.defaults.sampler}, guidance ${info.defaults.guidance}`);
    if (info.inpainting) parts.push('inpainting model (Zoom Out and Pan use its own inpainting)');
  }
  return `• ${parts.join(' · ')}${isDefault ? ' ← default here' : ''}`;
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const models = ctx.jobs.models;
  const chosen = interaction.inGuild() ? await ctx.moderation.defaultModel(interaction.guildId) : null;
  const defaultHere = chosen && models.has(chosen) ? chosen : models.defaultName;
  const statuses = models.status();
  const lines = [
    `**Models** (${statuses.length}; pick one with /imagine model:${chosen ? `, this server's default is set by its moderators` : `, the default is the bot's`})`,
    ...statuses.map((m) => modelLine(m, m.name === defaultHere, ctx.inferenceStatus())),
  ];
  const where = ctx.inferenceStatus();
  lines.push(inferenceLine(where));
  const info = statuses.find((m) => m.name === defaultHere)?.info;
  if (info) lines.push(`**Sizes of ${defaultHere}** ${describeSizes(info.sizes)} · 4 images by default`);
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
