/** /help: how to use the bot, in one screen. */
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { SAMPLERS } from '../src/diffusion/schedulers/index.ts';
import type { BotContext } from '../src/discord/bot-context.ts';

export const data = new SlashCommandBuilder().setName('help').setDescription('How to use the image bot');

export async function execute(interaction: ChatInputCommandInteraction, _ctx: BotContext): Promise<void> {
  const text = [
    '**/imagine** `prompt` makes 4 pictures (a 2x2 grid). Options: negative, seed, steps, guidance, aspect, sampler, count.',
    'Inline in the prompt, Midjourney-style: `--ar 3:2` `--seed 7` `--no text` `--steps 25` `--cfg 6` `--sampler euler-a` `--chaos 50`. Options win over inline values.',
    '**Under a grid:** U1–U4 upscale an image 2x, V1–V4 make a variation of it, 🔁 rerolls with new seeds.',
    '**On a single image:** react 🔍 to upscale, 🔀 to vary, 🔁 to reroll (buttons work too). Whoever presses or reacts owns the new job.',
    '**/show** `job` posts a past job of this server again with working buttons (free) · **/settings** keeps your own defaults here (sampler, steps, guidance, aspect, count, model, remix, variation); no options shows them, `clear:True` resets, and /imagine\'s options win over them.',
    '**/cancel** stops your job (credits come back) · **/queue** shows the line and ETAs · **/history** lists your jobs and how to re-run them · **/info** shows the model and your credits · **/quota me** shows your credits in detail.',
    '**Moderators** (Manage Server, or the role set with /mod role): **/quota** view/set/grant/reset/default/top/log manage credits; **/mod** cancel/pause/resume/banned-words/role/limits/audit run the server\'s queue and rules.',
    `Samplers: ${SAMPLERS.map((s) => `\`${s.name}\``).join(', ')}.`,
    'Every image carries its prompt, seed and settings in the PNG, so anyone can make it again.',
  ].join('\n');
  await interaction.reply({ content: text, flags: MessageFlags.Ephemeral });
}
