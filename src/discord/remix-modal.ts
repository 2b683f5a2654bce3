/** The remix modal: a variation, zoom or pan button pressed with /settings remix:on asks for the prompt first. */
import { ActionRowBuilder, ModalBuilder, TextInputBuilder, TextInputStyle } from 'discord.js';
import { REMIX_PROMPT_INPUT, remixModalId } from './custom-ids.ts';

/** /imagine's prompt limit, so a remix can say whatever an /imagine can. */
const MAX_PROMPT = 1000;

export function remixModal(buttonId: string, prompt: string): ModalBuilder {
  const input = new TextInputBuilder()
    .setCustomId(REMIX_PROMPT_INPUT)
    .setLabel('Prompt')
    .setStyle(TextInputStyle.Paragraph)
    .setRequired(true)
    .setMaxLength(MAX_PROMPT)
    .setValue(prompt.slice(0, MAX_PROMPT));
  return new ModalBuilder()
    .setCustomId(remixModalId(buttonId))
    .setTitle('Remix')
    .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input));
}
