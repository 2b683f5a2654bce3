/** Guild, member, channel-list and role fetches discord.js makes when its cache misses. */
import type { FakeContext } from '../context.ts';
import { guildCreatePayload } from '../guild-payload.ts';
import type { Router } from '../router.ts';
import { apiChannel, apiMember, apiRole } from '../serialize.ts';

export function registerGuildRoutes(router: Router, context: FakeContext): void {
  const { world } = context;

  router.add('GET', '/guilds/:guild', (request) => {
    const guild = world.guild(request.params.guild);
    const { channels: _c, members, voice_states: _v, presences: _p, threads: _t, ...rest } = guildCreatePayload(world, guild);
    const counts = request.query.get('with_counts') === 'true'
      ? { approximate_member_count: (members as unknown[]).length, approximate_presence_count: 0 }
      : {};
    return { status: 200, body: { ...rest, ...counts } };
  });

  router.add('GET', '/guilds/:guild/members/:user', (request) => {
    const guild = world.guild(request.params.guild);
    return { status: 200, body: apiMember(world, guild.id, world.member(guild.id, request.params.user).userId) };
  });

  router.add('GET', '/guilds/:guild/members', (request) => {
    const guild = world.guild(request.params.guild);
    const limit = Math.min(1000, Math.max(1, Number(request.query.get('limit') ?? 1)));
    const after = request.query.get('after');
    const members = world
      .membersOf(guild.id)
      .filter((m) => (after ? BigInt(m.userId) > BigInt(after) : true))
      .sort((a, b) => (BigInt(a.userId) < BigInt(b.userId) ? -1 : 1))
      .slice(0, limit);
    return { status: 200, body: members.map((m) => apiMember(world, guild.id, m.userId)) };
  });

  router.add('GET', '/guilds/:guild/channels', (request) => {
    const guild = world.guild(request.params.guild);
    return { status: 200, body: world.channelsOf(guild.id).map((c) => apiChannel(world, c)) };
  });

  router.add('GET', '/guilds/:guild/roles', (request) => {
    const guild = world.guild(request.params.guild);
    return { status: 200, body: world.rolesOf(guild.id).map((r) => apiRole(r, world.applicationId)) };
  });
}
