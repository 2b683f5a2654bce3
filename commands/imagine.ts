/** /imagine: make pictures from a prompt; Midjourney-style inline parameters work in the prompt too. */
import { SlashCommandBuilder } from 'discord.js';
import { SAMPLERS } from '../src/diffusion/schedulers/index.ts';
import type { BotContext } from '../src/discord/bot-context.ts';
import { mergeOptions, parseAspect, parseInlineOptions } from '../src/services/imagine-options.ts';
import type { ChatInputCommandInteraction } from 'discord.js';
import type { SamplerName } from '../src/diffusion/types.ts';

/** The command as registered: `models` are the choices of its model option (none: any name). */
export function dataFor(models: readonly string[]) {
  return new SlashCommandBuilder()
    .setName('imagine')
    .setDescription('Make pictures from a text prompt')
    .addStringOption((o) =>
      o.setName('prompt').setDescription('What to draw. Inline: --ar 3:2 --seed 7 --no text --steps 25 --cfg 6 --sampler euler-a --chaos 50').setRequired(true).setMaxLength(1000),
    )
    .addStringOption((o) => o.setName('negative').setDescription('What to keep out of the picture').setMaxLength(1000))
    .addIntegerOption((o) => o.setName('seed').setDescription('Seed of the first image (the others get seed+1, seed+2, ...)').setMinValue(0).setMaxValue(4294967295))
    .addIntegerOption((o) => o.setName('steps').setDescription('Sampling steps (more: slower, finer)').setMinValue(1).setMaxValue(150))
    .addNumberOption((o) => o.setName('guidance').setDescription('How closely to follow the prompt (CFG scale)').setMinValue(0).setMaxValue(30))
    .addStringOption((o) => o.setName('aspect').setDescription('Aspect ratio, e.g. 3:2 or 9:16').setMaxLength(5))
    .addStringOption((o) =>
      o
        .setName('sampler')
        .setDescription('Sampling method')
        .addChoices(...SAMPLERS.map((s) => ({ name: s.name, value: s.name }))),
    )
    .addIntegerOption((o) => o.setName('count').setDescription('How many images (default 4, a 2x2 grid)').setMinValue(1).setMaxValue(4))
    .addIntegerOption((o) => o.setName('chaos').setDescription('How different the images are from each other (0: alike, 100: unrelated)').setMinValue(0).setMaxValue(100))
    .addStringOption((o) => {
      o.setName('model').setDescription("Which model draws it (default: this server's)");
      return models.length ? o.addChoices(...models.map((m) => ({ name: m, value: m }))) : o.setMaxLength(64);
    });
}

export const data = dataFor([]);

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const aspect = interaction.options.getString('aspect');
  // A bad inline or option value throws UserError: the router answers it ephemerally.
  const options = mergeOptions(parseInlineOptions(interaction.options.getString('prompt', true)), {
      negative: interaction.options.getString('negative') ?? undefined,
      seed: interaction.options.getInteger('seed') ?? undefined,
      steps: interaction.options.getInteger('steps') ?? undefined,
      guidance: interaction.options.getNumber('guidance') ?? undefined,
      aspect: aspect ? parseAspect(aspect, 'aspect') : undefined,
      sampler: (interaction.options.getString('sampler') as SamplerName | null) ?? undefined,
      count: interaction.options.getInteger('count') ?? undefined,
      model: interaction.options.getString('model') ?? undefined,
      chaos: interaction.options.getInteger('chaos') ?? undefined,
    });
  await ctx.submitJob(interaction, { kind: 'imagine', options });
}
