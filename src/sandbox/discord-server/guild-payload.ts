/** The GUILD_CREATE payload: the whole guild with its channels, roles and members, as Discord sends it after READY. */
import { apiChannel, apiMember, apiRole } from './serialize.ts';
import type { GuildRecord } from './records.ts';
import type { World } from './world.ts';

export function guildCreatePayload(world: World, guild: GuildRecord): Record<string, unknown> {
  const members = world.membersOf(guild.id);
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_progress_bar_enabled: false,
    system_channel_id: guild.systemChannelId,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    preferred_locale: 'en-US',
    application_id: null,
    max_members: 500_000,
    max_video_channel_users: 25,
    features: [],
    emojis: [],
    stickers: [],
    roles: world.rolesOf(guild.id).map((role) => apiRole(role, world.applicationId)),
    channels: world.channelsOf(guild.id).map((channel) => apiChannel(world, channel)),
    members: members.map((member) => apiMember(world, guild.id, member.userId)),
    member_count: members.length,
    joined_at: guild.joinedAt,
    large: false,
    unavailable: false,
    lazy: true,
    voice_states: [],
    presences: [],
    threads: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
