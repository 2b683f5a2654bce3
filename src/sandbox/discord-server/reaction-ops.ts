/** Adding and removing reactions, by the bot (REST) or by test users, with MESSAGE_REACTION_* events. */
import { errors } from './api-error.ts';
import type { FakeContext } from './context.ts';
import type { MessageRecord } from './records.ts';
import { apiEmoji, apiMember } from './serialize.ts';

/**
 * Normalises a decoded emoji path segment or test argument to the key reactions are stored under.
 * Discord answers 10014 for text that is neither a unicode emoji nor name:id, e.g. ':mag:'.
 */
export function emojiKey(raw: string): string {
  const custom = /^<?a?:?([\w~]+):(\d{17,20})>?$/.exec(raw);
  if (custom) return `${custom[1]}:${custom[2]}`;
  if (/^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3)/u.test(raw) && raw.length <= 32) return raw;
  throw errors.unknownEmoji();
}

export function addReaction(context: FakeContext, message: MessageRecord, emoji: string, userId: string): void {
  const { world } = context;
  const key = emojiKey(emoji);
  const users = message.reactions.get(key) ?? new Set<string>();
  if (users.has(userId)) return;
  users.add(userId);
  message.reactions.set(key, users);
  context.changed(message);
  const member = world.members.get(message.guildId)?.has(userId) ? apiMember(world, message.guildId, userId) : undefined;
  context.gateway.dispatch('MESSAGE_REACTION_ADD', {
    user_id: userId,
    channel_id: message.channelId,
    message_id: message.id,
    guild_id: message.guildId,
    ...(member ? { member } : {}),
    emoji: apiEmoji(key),
    message_author_id: message.authorId,
    burst: false,
    burst_colors: [],
    type: 0,
  });
}

export function removeReaction(context: FakeContext, message: MessageRecord, emoji: string, userId: string): void {
  const key = emojiKey(emoji);
  const users = message.reactions.get(key);
  if (!users?.delete(userId)) return;
  if (users.size === 0) message.reactions.delete(key);
  context.changed(message);
  context.gateway.dispatch('MESSAGE_REACTION_REMOVE', {
    user_id: userId,
    channel_id: message.channelId,
    message_id: message.id,
    guild_id: message.guildId,
    emoji: apiEmoji(key),
    burst: false,
    type: 0,
  });
}

/** Clears one emoji's reactions, or all of them when emoji is undefined. */
export function clearReactions(context: FakeContext, message: MessageRecord, emoji?: string): void {
  const where = { channel_id: message.channelId, message_id: message.id, guild_id: message.guildId };
  if (emoji === undefined) {
    message.reactions.clear();
    context.changed(message);
    context.gateway.dispatch('MESSAGE_REACTION_REMOVE_ALL', where);
    return;
  }
  const key = emojiKey(emoji);
  if (!message.reactions.delete(key)) return;
  context.changed(message);
  context.gateway.dispatch('MESSAGE_REACTION_REMOVE_EMOJI', { ...where, emoji: apiEmoji(key) });
}
