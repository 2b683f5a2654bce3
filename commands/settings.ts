/**
 * /settings: a member's own /imagine defaults in this server. No options shows them; options set
 * them (checked like /imagine's); clear:True forgets them all. What /imagine is given still wins.
 */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { SAMPLERS } from '../src/diffusion/schedulers/index.ts';
import { answer } from '../src/discord/acknowledge.ts';
import type { BotContext } from '../src/discord/bot-context.ts';
import type { MemberDefaults, SettingsInput, VariationMode } from '../src/services/member-settings.ts';

/** The command as registered: `models` are the choices of its model option (none: any name). */
export function dataFor(models: readonly string[]) {
  return new SlashCommandBuilder()
    .setName('settings')
    .setDescription('Your /imagine defaults in this server (no options: show them)')
    .addStringOption((o) =>
      o
        .setName('sampler')
        .setDescription('Sampling method')
        .addChoices(...SAMPLERS.map((s) => ({ name: s.name, value: s.name }))),
    )
    .addIntegerOption((o) => o.setName('steps').setDescription('Sampling steps').setMinValue(1).setMaxValue(150))
    .addNumberOption((o) => o.setName('guidance').setDescription('How closely to follow the prompt (CFG scale)').setMinValue(0).setMaxValue(30))
    .addStringOption((o) => o.setName('aspect').setDescription('Aspect ratio, e.g. 3:2 or 9:16').setMaxLength(5))
    .addIntegerOption((o) => o.setName('count').setDescription('How many images').setMinValue(1).setMaxValue(4))
    .addStringOption((o) => {
      o.setName('model').setDescription('Which model draws your pictures');
      return models.length ? o.addChoices(...models.map((m) => ({ name: m, value: m }))) : o.setMaxLength(64);
    })
    .addStringOption((o) =>
      o
        .setName('remix')
        .setDescription('Edit the prompt before variation, zoom and pan jobs')
        .addChoices({ name: 'on', value: 'on' }, { name: 'off', value: 'off' }),
    )
    .addStringOption((o) =>
      o
        .setName('variation')
        .setDescription('What V buttons make')
        .addChoices({ name: 'strong', value: 'strong' }, { name: 'subtle', value: 'subtle' }),
    )
    .addBooleanOption((o) => o.setName('clear').setDescription('Forget all your settings here'));
}

export const data = dataFor([]);

/** Private; the router defers it before the database is read. */
export const defer = 'ephemeral';

function describe(d: MemberDefaults): string {
  const unset = 'not set';
  return [
    `sampler: ${d.sampler ?? unset}`,
    `steps: ${d.steps ?? unset}`,
    `guidance: ${d.guidance ?? unset}`,
    `aspect: ${d.aspect ?? unset}`,
    `count: ${d.count ?? unset}`,
    `model: ${d.model ?? unset}`,
    `remix: ${d.remix ? 'on' : 'off'}`,
    `variation: ${d.variation ?? 'the bot\'s default'}`,
  ]
    .map((line) => `• ${line}`)
    .join('\n');
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!interaction.inGuild()) return answer(interaction, 'Settings are kept per server: use /settings in one.');
  const { guildId } = interaction;
  const userId = interaction.user.id;
  const o = interaction.options;
  const remix = o.getString('remix');
  const input: SettingsInput = {
    sampler: o.getString('sampler') ?? undefined,
    steps: o.getInteger('steps') ?? undefined,
    guidance: o.getNumber('guidance') ?? undefined,
    aspect: o.getString('aspect') ?? undefined,
    count: o.getInteger('count') ?? undefined,
    model: o.getString('model') ?? undefined,
    remix: remix === null ? undefined : remix === 'on',
    variation: (o.getString('variation') as VariationMode | null) ?? undefined,
  };
  const given = Object.values(input).some((v) => v !== undefined);
  if (o.getBoolean('clear')) {
    if (given) return answer(interaction, '`clear` resets every setting; give it alone, then set what you want again. Nothing was changed.');
    await ctx.settings.clear(guildId, userId);
    return answer(interaction, `Your settings here are cleared; /imagine uses the server's defaults.\n${describe(await ctx.settings.get(guildId, userId))}`);
  }
  if (!given) {
    return answer(interaction, `**Your settings here** (/imagine's options and inline flags win over them):\n${describe(await ctx.settings.get(guildId, userId))}`);
  }
  // A bad value throws UserError: the router answers it, and nothing is stored.
  const saved = await ctx.settings.set(guildId, userId, input);
  await answer(interaction, `Saved. **Your settings here** (/imagine's options and inline flags win over them):\n${describe(saved)}`);
}
