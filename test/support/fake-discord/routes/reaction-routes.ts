/** Reaction routes; the emoji path segment arrives percent-encoded and is decoded before routing. */
import type { FakeContext } from '../context.ts';
import { addReaction, clearReactions, emojiKey, removeReaction } from '../reaction-ops.ts';
import type { RouteRequest, Router } from '../router.ts';
import { apiUser } from '../serialize.ts';

export function registerReactionRoutes(router: Router, context: FakeContext): void {
  const { world } = context;
  const base = '/channels/:channel/messages/:message/reactions';
  const messageOf = (request: RouteRequest) => {
    world.channel(request.params.channel);
    return world.message(request.params.message, request.params.channel);
  };

  router.add('PUT', `${base}/:emoji/@me`, (request) => {
    addReaction(context, messageOf(request), request.params.emoji, world.botUserId);
    return { status: 204 };
  });

  router.add('DELETE', `${base}/:emoji/@me`, (request) => {
    removeReaction(context, messageOf(request), request.params.emoji, world.botUserId);
    return { status: 204 };
  });

  router.add('DELETE', `${base}/:emoji/:user`, (request) => {
    removeReaction(context, messageOf(request), request.params.emoji, world.user(request.params.user).id);
    return { status: 204 };
  });

  router.add('GET', `${base}/:emoji`, (request) => {
    const users = messageOf(request).reactions.get(emojiKey(request.params.emoji)) ?? new Set<string>();
    return { status: 200, body: [...users].map((id) => apiUser(world.user(id))) };
  });

  router.add('DELETE', `${base}/:emoji`, (request) => {
    clearReactions(context, messageOf(request), request.params.emoji);
    return { status: 204 };
  });

  router.add('DELETE', base, (request) => {
    clearReactions(context, messageOf(request));
    return { status: 204 };
  });
}
