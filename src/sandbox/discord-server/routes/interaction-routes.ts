/**
 * The interaction callback and the interaction-token webhook routes (@original, followups), with
 * Discord's rules: 3 s to acknowledge, one acknowledgement, tokens valid for 15 minutes, a webhook only
 * reaches its own interaction's messages.
 */
import { errors } from '../api-error.ts';
import type { FakeContext } from '../context.ts';
import { createMessage, deleteMessage, editMessage } from '../message-ops.ts';
import { asPayload, MessageFlag } from '../message-payload.ts';
import type { InteractionRecord, MessageRecord } from '../records.ts';
import type { RouteRequest, Router } from '../router.ts';
import { apiMessage } from '../serialize.ts';

const CALLBACK = { Reply: 4, DeferredReply: 5, DeferredUpdate: 6, Update: 7, Autocomplete: 8, Modal: 9 } as const;

export function registerInteractionRoutes(router: Router, context: FakeContext): void {
  const { world } = context;
  const token = { tokenAuth: true };

  router.add('POST', '/interactions/:id/:token/callback', (request) => {
    const interaction = world.interactions.get(request.params.token);
    if (!interaction || interaction.id !== request.params.id) throw errors.unknownInteraction();
    if (interaction.callback) throw errors.alreadyAcknowledged();
    if (context.settings.now() - interaction.createdAt > context.settings.ackDeadlineMs) throw errors.unknownInteraction();
    const { type, data } = (request.body ?? {}) as { type?: number; data?: unknown };
    const message = respond(context, interaction, type, data, request);
    interaction.callback = { at: context.settings.now(), type: type ?? 0, data };
    if (request.query.get('with_response') !== 'true') return { status: 204 };
    return {
      status: 200,
      body: {
        interaction: {
          id: interaction.id,
          type: interaction.type,
          activity_instance_id: null,
          response_message_id: message?.id ?? null,
          response_message_loading: message ? (message.flags & MessageFlag.Loading) !== 0 : null,
          response_message_ephemeral: message ? (message.flags & MessageFlag.Ephemeral) !== 0 : null,
        },
        resource: { type, ...(message ? { message: apiMessage(world, message) } : {}) },
      },
    };
  }, token);

  const interactionOf = (request: RouteRequest): InteractionRecord => {
    if (request.params.app !== world.applicationId) throw errors.unknownWebhook();
    const interaction = world.interactions.get(request.params.token);
    if (!interaction || context.settings.now() >= interaction.expiresAt) throw errors.invalidWebhookToken();
    return interaction;
  };
  const messageOf = (request: RouteRequest): { interaction: InteractionRecord; message: MessageRecord } => {
    const interaction = interactionOf(request);
    const id = request.params.message === '@original' ? interaction.originalMessageId : request.params.message;
    if (id === null || (id !== interaction.originalMessageId && !interaction.followupIds.includes(id))) throw errors.unknownMessage();
    return { interaction, message: world.message(id) };
  };

  router.add('POST', '/webhooks/:app/:token', (request) => {
    const interaction = interactionOf(request);
    if (!interaction.callback) throw errors.unknownWebhook();
    const payload = asPayload(request.body);
    // The first followup after a deferred reply replaces the "thinking…" message instead of adding one.
    const original = interaction.originalMessageId ? world.messages.get(interaction.originalMessageId) : undefined;
    if (original && original.deletedAt === null && (original.flags & MessageFlag.Loading) !== 0) {
      return { status: 200, body: apiMessage(world, editMessage(context, original, payload, request.files)) };
    }
    const message = createMessage(context, {
      channelId: interaction.channelId,
      authorId: world.botUserId,
      payload,
      files: request.files,
      interactionId: interaction.id,
      webhookId: world.applicationId,
    });
    interaction.followupIds.push(message.id);
    return { status: 200, body: apiMessage(world, message) };
  }, token);

  router.add('GET', '/webhooks/:app/:token/messages/:message', (request) => {
    return { status: 200, body: apiMessage(world, messageOf(request).message) };
  }, token);

  router.add('PATCH', '/webhooks/:app/:token/messages/:message', (request) => {
    const { message } = messageOf(request);
    return { status: 200, body: apiMessage(world, editMessage(context, message, asPayload(request.body), request.files)) };
  }, token);

  router.add('DELETE', '/webhooks/:app/:token/messages/:message', (request) => {
    deleteMessage(context, messageOf(request).message);
    return { status: 204 };
  }, token);
}

/** Carries out one callback; answers the message it created or touched, if any. */
function respond(
  context: FakeContext,
  interaction: InteractionRecord,
  type: number | undefined,
  data: unknown,
  request: RouteRequest,
): MessageRecord | undefined {
  const { world } = context;
  const isComponent = interaction.type === 3;
  const reply = (loading: boolean) => {
    const message = createMessage(context, {
      channelId: interaction.channelId,
      authorId: world.botUserId,
      payload: asPayload(data),
      files: request.files,
      type: interaction.type === 2 ? 20 : 0,
      interactionId: interaction.id,
      webhookId: world.applicationId,
      loading,
    });
    interaction.originalMessageId = message.id;
    return message;
  };
  switch (type) {
    case CALLBACK.Reply:
      return reply(false);
    case CALLBACK.DeferredReply:
      return reply(true);
    case CALLBACK.DeferredUpdate:
    case CALLBACK.Update: {
      if (!isComponent || !interaction.sourceMessageId) {
        throw errors.invalidFormBody('type', 'Only component interactions can update their message');
      }
      const source = world.message(interaction.sourceMessageId);
      interaction.originalMessageId = source.id;
      return type === CALLBACK.Update ? editMessage(context, source, asPayload(data), request.files) : source;
    }
    case CALLBACK.Autocomplete:
    case CALLBACK.Modal:
      return undefined;
    default:
      throw errors.invalidFormBody('type', `Unsupported interaction callback type ${String(type)}`);
  }
}
