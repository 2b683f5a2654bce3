/**
 * The fake's world as plain records. Tests read these live (they change as the bot acts), so they are
 * typed readonly at the public surface and mutated only inside the fake.
 */

export interface UserRecord {
  readonly kind: 'user';
  readonly id: string;
  username: string;
  globalName: string | null;
  readonly bot: boolean;
}

export interface RoleRecord {
  readonly kind: 'role';
  readonly id: string;
  readonly guildId: string;
  name: string;
  /** Permission bitfield (PermissionFlagsBits). */
  permissions: bigint;
  position: number;
  mentionable: boolean;
  /** Set for the bot's integration role, as Discord does. */
  readonly managedByBot: boolean;
}

export interface ChannelRecord {
  readonly kind: 'channel';
  readonly id: string;
  readonly guildId: string;
  name: string;
  /** ChannelType; 0 is a guild text channel. */
  readonly type: number;
  position: number;
  /** Permission overwrites, applied over the guild-level permissions (see permissions.ts). */
  overwrites: OverwriteRecord[];
}

export interface OverwriteRecord {
  /** A role id (type 0; the guild id for @everyone) or a user id (type 1). */
  readonly id: string;
  readonly type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface GuildRecord {
  readonly kind: 'guild';
  readonly id: string;
  name: string;
  readonly ownerId: string;
  /** The @everyone role shares the guild's id, as on Discord. */
  readonly everyoneRoleId: string;
  /** The bot's managed role, which carries the bot's permissions. */
  readonly botRoleId: string;
  /** The channel created with the guild (null when created without one). */
  readonly systemChannelId: string | null;
  readonly joinedAt: string;
}

export interface MemberRecord {
  readonly kind: 'member';
  readonly guildId: string;
  readonly userId: string;
  roleIds: string[];
  nick: string | null;
  readonly joinedAt: string;
}

export interface AttachmentRecord {
  readonly id: string;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly bytes: Buffer;
  readonly description: string | null;
  readonly url: string;
  /** Pixel size of an image Discord could read; null otherwise (and left out of the API's attachment). */
  readonly width: number | null;
  readonly height: number | null;
  /**
   * Uploaded for a slash command's attachment option: not in any message, reachable only through
   * its signed URL until that expires (`expiresAt`, ms), as on Discord's CDN.
   */
  readonly ephemeral?: { readonly expiresAt: number; readonly signature: string };
}

export interface AllowedMentions {
  parse?: string[];
  users?: string[];
  roles?: string[];
  replied_user?: boolean;
}

/** Who a message actually notified: computed from its content and allowed_mentions when it was created. */
export interface Pings {
  readonly users: readonly string[];
  readonly roles: readonly string[];
  readonly everyone: boolean;
}

/** One version of a message: revisions[0] is as created, each edit appends one. */
export interface MessageRevision {
  readonly at: number;
  readonly content: string;
  readonly embeds: readonly unknown[];
  readonly components: readonly unknown[];
  readonly attachments: readonly AttachmentRecord[];
  readonly flags: number;
  readonly allowedMentions: AllowedMentions | undefined;
}

export interface MessageRecord {
  readonly kind: 'message';
  readonly id: string;
  readonly channelId: string;
  readonly guildId: string;
  readonly authorId: string;
  /** MessageType: 0 default, 20 chat-input command response. */
  readonly type: number;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: AttachmentRecord[];
  flags: number;
  /** allowed_mentions of the latest create/edit payload that carried one. */
  allowedMentions: AllowedMentions | undefined;
  readonly pings: Pings;
  /** emoji key ('🔍' or 'name:id') → ids of users who reacted, in reaction order. */
  readonly reactions: Map<string, Set<string>>;
  readonly revisions: MessageRevision[];
  readonly createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  /** Set on interaction responses and followups: the interaction that produced it. */
  readonly interactionId: string | null;
  readonly webhookId: string | null;
  readonly reference: { message_id?: string; channel_id?: string } | null;
  /** The nonce the message was created with, if any (Create Message's deduplication key). */
  readonly nonce: string | null;
}

export interface CallbackRecord {
  readonly at: number;
  /** InteractionResponseType: 4 reply, 5 deferred reply, 6 deferred update, 7 update, 9 modal... */
  readonly type: number;
  readonly data: unknown;
}

export interface InteractionRecord {
  readonly id: string;
  readonly token: string;
  /** InteractionType: 2 application command, 3 message component, 5 modal submit. */
  readonly type: number;
  readonly guildId: string;
  readonly channelId: string;
  readonly userId: string;
  readonly commandName: string | null;
  readonly customId: string | null;
  /** For component interactions: the message whose component was used. */
  readonly sourceMessageId: string | null;
  readonly createdAt: number;
  expiresAt: number;
  callback: CallbackRecord | null;
  originalMessageId: string | null;
  readonly followupIds: string[];
  /** The INTERACTION_CREATE data as dispatched. */
  readonly payload: Record<string, unknown>;
}

export interface UploadedFile {
  /** The multipart field, e.g. files[0]. */
  readonly field: string;
  readonly index: number | null;
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: Buffer;
}

export interface RequestRecord {
  readonly at: number;
  readonly method: string;
  /** Decoded path without /api/v10, e.g. /webhooks/123/tok/messages/@original. */
  readonly path: string;
  readonly query: Record<string, string>;
  /** The route template that answered, e.g. PATCH /webhooks/:app/:token/messages/:message; null if none. */
  route: string | null;
  /** JSON body, or payload_json of a multipart body. */
  readonly body: unknown;
  readonly files: readonly UploadedFile[];
  status: number;
  rateLimited: boolean;
  /** The error body when status >= 400. */
  error: unknown;
}

export interface CommandRecord {
  readonly id: string;
  readonly guildId: string | null;
  readonly version: string;
  readonly definition: Record<string, unknown>;
}
