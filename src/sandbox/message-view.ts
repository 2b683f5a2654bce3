/**
 * A message as the page shows it: the Discord payload parts as the bot sent them (content, embeds,
 * components, flags), plus what a Discord client looks up itself (author names, who used which
 * command, reaction counts), and attachment URLs on the sandbox's own origin.
 */
import type { FakeDiscord, MessageRecord } from './discord-server/index.ts';

export interface MessageView {
  id: string;
  guildId: string;
  channelId: string;
  author: { id: string; name: string; bot: boolean };
  content: string;
  embeds: readonly unknown[];
  components: readonly unknown[];
  attachments: Array<{ id: string; filename: string; contentType: string; size: number; url: string }>;
  flags: number;
  /** emoji → ids of the users who reacted. */
  reactions: Array<{ emoji: string; userIds: string[] }>;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  /** The command or button that produced this reply. */
  interaction: { userId: string; userName: string; command: string | null } | null;
  /** Names of the users mentioned as <@id> in the content. */
  mentions: Record<string, string>;
}

export function messageView(discord: FakeDiscord, message: MessageRecord): MessageView {
  const author = discord.userById(message.authorId);
  const interaction = message.interactionId ? discord.interaction(message.interactionId) : undefined;
  const mentions: Record<string, string> = {};
  for (const [, id] of message.content.matchAll(/<@!?(\d+)>/g)) {
    const user = discord.userById(id!);
    if (user) mentions[id!] = user.username;
  }
  return {
    id: message.id,
    guildId: message.guildId,
    channelId: message.channelId,
    author: { id: message.authorId, name: author?.globalName ?? author?.username ?? 'unknown', bot: author?.bot ?? false },
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    attachments: message.attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
      url: `/attachments/${a.id}/${encodeURIComponent(a.filename)}`,
    })),
    flags: message.flags,
    reactions: [...message.reactions].map(([emoji, users]) => ({ emoji, userIds: [...users] })),
    createdAt: message.createdAt,
    editedAt: message.editedAt,
    deleted: message.deletedAt !== null,
    interaction: interaction
      ? { userId: interaction.userId, userName: discord.userById(interaction.userId)?.username ?? 'unknown', command: interaction.commandName }
      : null,
    mentions,
  };
}
