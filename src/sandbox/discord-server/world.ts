/** The fake's in-memory state: every record by id, with lookups that fail the way Discord's REST API does. */
import { errors } from './api-error.ts';
import type {
  AttachmentRecord,
  ChannelRecord,
  CommandRecord,
  GuildRecord,
  InteractionRecord,
  MemberRecord,
  MessageRecord,
  RequestRecord,
  RoleRecord,
  UserRecord,
} from './records.ts';

export class World {
  readonly users = new Map<string, UserRecord>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly roles = new Map<string, RoleRecord>();
  /** guild id → user id → member. */
  readonly members = new Map<string, Map<string, MemberRecord>>();
  readonly messages = new Map<string, MessageRecord>();
  /** Every attachment ever uploaded, so URLs keep answering after an edit drops them, as Discord's CDN does. */
  readonly attachments = new Map<string, AttachmentRecord>();
  /** By interaction token: webhook routes address interactions by token. */
  readonly interactions = new Map<string, InteractionRecord>();
  readonly commands: CommandRecord[] = [];
  readonly requests: RequestRecord[] = [];

  constructor(
    readonly applicationId: string,
    readonly botUserId: string,
  ) {}

  user(id: string): UserRecord {
    const user = this.users.get(id);
    if (!user) throw errors.unknownUser();
    return user;
  }

  guild(id: string): GuildRecord {
    const guild = this.guilds.get(id);
    if (!guild) throw errors.unknownGuild();
    return guild;
  }

  channel(id: string): ChannelRecord {
    const channel = this.channels.get(id);
    if (!channel) throw errors.unknownChannel();
    return channel;
  }

  role(id: string): RoleRecord {
    const role = this.roles.get(id);
    if (!role) throw errors.unknownRole();
    return role;
  }

  member(guildId: string, userId: string): MemberRecord {
    const member = this.members.get(guildId)?.get(userId);
    if (!member) throw errors.unknownMember();
    return member;
  }

  /** A live (not deleted) message; with channelId, it must also be in that channel. */
  message(id: string, channelId?: string): MessageRecord {
    const message = this.messages.get(id);
    if (!message || message.deletedAt !== null || (channelId !== undefined && message.channelId !== channelId)) {
      throw errors.unknownMessage();
    }
    return message;
  }

  channelsOf(guildId: string): ChannelRecord[] {
    return [...this.channels.values()].filter((c) => c.guildId === guildId);
  }

  rolesOf(guildId: string): RoleRecord[] {
    return [...this.roles.values()].filter((r) => r.guildId === guildId);
  }

  membersOf(guildId: string): MemberRecord[] {
    return [...(this.members.get(guildId)?.values() ?? [])];
  }

  messagesIn(channelId: string): MessageRecord[] {
    return [...this.messages.values()].filter((m) => m.channelId === channelId);
  }

  interactionById(id: string): InteractionRecord | undefined {
    for (const interaction of this.interactions.values()) if (interaction.id === id) return interaction;
    return undefined;
  }
}
