/**
 * Reaction routes; the emoji path segment arrives percent-encoded and is decoded before routing.
 * Reacting needs Read Message History, and Add Reactions unless someone already reacted with that
 * emoji; removing others' reactions needs Manage Messages (Discord's rules).
 */
import { PermissionFlagsBits as P } from 'discord.js';
import type { FakeContext } from '../context.ts';
import { requireChannelPermissions } from '../permissions.ts';
import { addReaction, clearReactions, emojiKey, removeReaction } from '../reaction-ops.ts';
import type { RouteRequest, Router } from '../router.ts';
import { apiUser } from '../serialize.ts';

export function registerReactionRoutes(router: Router, context: FakeContext): void {
  const { world } = context;
  const base = '/channels/:channel/messages/:message/reactions';
  const messageOf = (request: RouteRequest, needed = 0n) => {
    const channel = world.channel(request.params.channel);
    requireChannelPermissions(world, channel.id, world.botUserId, needed);
    return world.message(request.params.message, channel.id);
  };

  router.add('PUT', `${base}/:emoji/@me`, (request) => {
    const message = messageOf(request, P.ReadMessageHistory);
    if (!message.reactions.has(emojiKey(request.params.emoji))) requireChannelPermissions(world, message.channelId, world.botUserId, P.AddReactions);
    addReaction(context, message, request.params.emoji, world.botUserId);
    return { status: 204 };
  });

  router.add('DELETE', `${base}/:emoji/@me`, (request) => {
    removeReaction(context, messageOf(request), request.params.emoji, world.botUserId);
    return { status: 204 };
  });

  router.add('DELETE', `${base}/:emoji/:user`, (request) => {
    removeReaction(context, messageOf(request, P.ManageMessages), request.params.emoji, world.user(request.params.user).id);
    return { status: 204 };
  });

  router.add('GET', `${base}/:emoji`, (request) => {
    const users = messageOf(request, P.ReadMessageHistory).reactions.get(emojiKey(request.params.emoji)) ?? new Set<string>();
    return { status: 200, body: [...users].map((id) => apiUser(world.user(id))) };
  });

  router.add('DELETE', `${base}/:emoji`, (request) => {
    clearReactions(context, messageOf(request, P.ManageMessages), request.params.emoji);
    return { status: 204 };
  });

  router.add('DELETE', base, (request) => {
    clearReactions(context, messageOf(request, P.ManageMessages));
    return { status: 204 };
  });
}
