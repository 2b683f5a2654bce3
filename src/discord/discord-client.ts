/** The discord.js client as the bot needs it: the intents and partials its features use, and a REST setup for previews. */
import { Client, GatewayIntentBits, Partials, type RateLimitData } from 'discord.js';

/**
 * Message edits (previews) fail fast on a rate limit instead of queueing behind each other; the
 * presenter drops a limited preview and waits, then retries, for a final result.
 */
export function rejectEditsOnRateLimit(data: RateLimitData): boolean {
  return data.method.toUpperCase() === 'PATCH' && (data.route.startsWith('/webhooks') || data.route.startsWith('/channels'));
}

export function createDiscordClient(apiUrl?: string): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    // Reactions on results posted before a restart arrive only with these partials.
    partials: [Partials.Message, Partials.Reaction, Partials.Channel, Partials.User],
    rest: { ...(apiUrl ? { api: apiUrl } : {}), rejectOnRateLimit: rejectEditsOnRateLimit },
    allowedMentions: { parse: [] },
  });
}
