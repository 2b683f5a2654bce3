/**
 * Acknowledging an interaction before any database work, so Discord's 3 seconds hold however slow
 * the database is, and what to do when the acknowledgement itself fails. An interaction that
 * could not be acknowledged does nothing: nothing is queued, charged or changed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DiscordAPIError, MessageFlags, RateLimitError, Routes, type ButtonInteraction, type ChatInputCommandInteraction, type ModalSubmitInteraction } from 'discord.js';
import { NO_PINGS } from './job-presenter.ts';

type Acknowledgeable = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

const UNKNOWN_INTERACTION = 10062;
const ALREADY_ACKNOWLEDGED = 40060;

export const NOT_CONFIRMED = 'Discord did not confirm this command, so nothing was done and nothing was charged. Please try again.';

/**
 * Defers the reply ("thinking..."), ephemeral where the answer is private. Answers false, having
 * logged why, when Discord did not take it; the caller then does nothing more.
 */
export async function acknowledge(
  interaction: Acknowledgeable,
  visibility: 'ephemeral' | 'public',
  log: (message: string, err?: unknown) => void,
): Promise<boolean> {
  try {
    await interaction.deferReply(visibility === 'ephemeral' ? { flags: MessageFlags.Ephemeral } : {});
    return true;
  } catch (err) {
    const what = `interaction ${interaction.id} (${interaction.isChatInputCommand() ? `/${interaction.commandName}` : interaction.customId})`;
    if (err instanceof DiscordAPIError && err.code === UNKNOWN_INTERACTION) {
      // Too late (past 3 s) or withdrawn: the member sees "did not respond" and may try again.
      log(`${what}: Discord no longer knows it (10062), so nothing was done`);
    } else if (err instanceof DiscordAPIError && err.code === ALREADY_ACKNOWLEDGED) {
      // Delivered twice: the delivery that acknowledged it does the work.
      log(`${what}: already acknowledged (40060), so this delivery does nothing`);
    } else {
      // A network error: Discord may or may not have the acknowledgement. If it has, the member
      // is looking at "thinking..." that nothing would ever replace; say that nothing was done.
      log(`${what}: could not acknowledge, so nothing was done`, err);
      await waitingOutRateLimits(() =>
        interaction.client.rest.patch(Routes.webhookMessage(interaction.applicationId, interaction.token, '@original'), {
          body: { content: NOT_CONFIRMED, allowed_mentions: NO_PINGS },
          auth: false,
        }),
      ).catch(() => undefined); // Discord never had it: "did not respond" says the same
    }
    return false;
  }
}

/**
 * Sends an answer that edits a deferred reply. The client fails such edits fast on a rate limit
 * (rejectEditsOnRateLimit, meant for previews), also on its own 50-requests-a-second limit when
 * the bot is busy; an answer waits the limit out instead, a few times.
 */
export async function waitingOutRateLimits<T>(send: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof RateLimitError) || attempt >= attempts) throw err;
      await sleep(Math.max(1, err.retryAfter));
    }
  }
}

/** A command's answer: replaces its deferred reply, or is the ephemeral reply when it did not defer. Mentions never ping. */
export async function answer(interaction: ChatInputCommandInteraction, content: string): Promise<void> {
  const body = { content: content.slice(0, 2000), allowedMentions: NO_PINGS };
  if (interaction.deferred || interaction.replied) await waitingOutRateLimits(() => interaction.editReply(body));
  else await interaction.reply({ ...body, flags: MessageFlags.Ephemeral });
}
