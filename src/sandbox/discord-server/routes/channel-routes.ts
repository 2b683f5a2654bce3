/**
 * Channel and channel-message routes the bot uses outside interactions: fetch, list, send, edit,
 * delete, typing. Each checks the bot's permissions in the channel as Discord does.
 */
import { PermissionFlagsBits as P } from 'discord.js';
import { errors } from '../api-error.ts';
import type { FakeContext } from '../context.ts';
import { createMessage, deleteMessage, editMessage, isEphemeral } from '../message-ops.ts';
import { asPayload } from '../message-payload.ts';
import { hasChannelPermissions, requireChannelPermissions } from '../permissions.ts';
import type { Router } from '../router.ts';
import { apiChannel, apiMessage } from '../serialize.ts';

/** How long Discord remembers a nonce for enforce_nonce ("the past few minutes"). */
const NONCE_WINDOW_MS = 5 * 60_000;

export function registerChannelRoutes(router: Router, context: FakeContext): void {
  const { world } = context;
  const botNeeds = (channelId: string, needed = 0n) => requireChannelPermissions(world, channelId, world.botUserId, needed);

  router.add('GET', '/channels/:channel', (request) => {
    const channel = world.channel(request.params.channel);
    botNeeds(channel.id);
    return { status: 200, body: apiChannel(world, channel) };
  });

  router.add('GET', '/channels/:channel/messages', (request) => {
    const channel = world.channel(request.params.channel);
    botNeeds(channel.id);
    // Without Read Message History Discord answers an empty list, not an error.
    if (!hasChannelPermissions(world, channel.id, world.botUserId, P.ReadMessageHistory)) return { status: 200, body: [] };
    const limit = Math.min(100, Math.max(1, Number(request.query.get('limit') ?? 50)));
    const before = request.query.get('before');
    const after = request.query.get('after');
    // Newest first, as Discord lists them; ephemeral messages are never listed.
    const visible = world
      .messagesIn(channel.id)
      .filter((m) => m.deletedAt === null && !isEphemeral(m))
      .filter((m) => (before ? BigInt(m.id) < BigInt(before) : true) && (after ? BigInt(m.id) > BigInt(after) : true))
      .reverse();
    const page = after && !before ? visible.slice(-limit) : visible.slice(0, limit);
    return { status: 200, body: page.map((m) => apiMessage(world, m)) };
  });

  router.add('GET', '/channels/:channel/messages/:message', (request) => {
    botNeeds(world.channel(request.params.channel).id, P.ReadMessageHistory);
    const message = world.message(request.params.message, request.params.channel);
    if (isEphemeral(message)) throw errors.unknownMessage();
    return { status: 200, body: apiMessage(world, message) };
  });

  router.add('POST', '/channels/:channel/messages', (request) => {
    const channel = world.channel(request.params.channel);
    const payload = asPayload(request.body);
    // Files need Attach Files, a reply needs Read Message History (Discord's Create Message rules).
    botNeeds(
      channel.id,
      P.SendMessages | (request.files.length > 0 ? P.AttachFiles : 0n) | (payload.message_reference ? P.ReadMessageHistory : 0n),
    );
    if (payload.flags && (payload.flags & 64) !== 0) throw errors.invalidFormBody('flags', 'Only interaction responses can be ephemeral');
    // Discord: with enforce_nonce, a message by the same author with the same nonce in the past few
    // minutes is returned instead of creating another (how a retried post stays one message).
    if (payload.enforce_nonce && payload.nonce != null) {
      const nonce = String(payload.nonce);
      const since = Date.now() - NONCE_WINDOW_MS;
      const earlier = world.messagesIn(channel.id).find((m) => m.authorId === world.botUserId && m.nonce === nonce && m.deletedAt === null && m.createdAt >= since);
      if (earlier) return { status: 200, body: apiMessage(world, earlier) };
    }
    const message = createMessage(context, { channelId: channel.id, authorId: world.botUserId, payload, files: request.files, type: payload.message_reference ? 19 : 0 });
    return { status: 200, body: apiMessage(world, message) };
  });

  router.add('PATCH', '/channels/:channel/messages/:message', (request) => {
    botNeeds(world.channel(request.params.channel).id);
    const message = world.message(request.params.message, request.params.channel);
    if (message.authorId !== world.botUserId) throw errors.cannotEditOthersMessage();
    return { status: 200, body: apiMessage(world, editMessage(context, message, asPayload(request.body), request.files)) };
  });

  router.add('DELETE', '/channels/:channel/messages/:message', (request) => {
    const channel = world.channel(request.params.channel);
    botNeeds(channel.id);
    const message = world.message(request.params.message, channel.id);
    // Anyone may delete their own messages; someone else's needs Manage Messages.
    if (message.authorId !== world.botUserId) botNeeds(channel.id, P.ManageMessages);
    deleteMessage(context, message);
    return { status: 204 };
  });

  router.add('POST', '/channels/:channel/typing', (request) => {
    botNeeds(world.channel(request.params.channel).id, P.SendMessages);
    return { status: 204 };
  });
}
