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
      return undefined;
    case CALLBACK.Modal: {
      // Discord: a modal cannot answer a modal submit; it needs a custom id, a title and 1-5 rows of text inputs.
      if (interaction.type === 5) throw errors.invalidFormBody('type', 'A modal submit interaction cannot be answered with a modal');
      checkModal(data);
      return undefined;
    }
    default:
      throw errors.invalidFormBody('type', `Unsupported interaction callback type ${String(type)}`);
  }
}

/** The parts of a modal Discord checks: custom_id and title (1-45 characters), rows of text inputs. */
function checkModal(data: unknown): void {
  const modal = (data ?? {}) as { custom_id?: unknown; title?: unknown; components?: unknown };
  if (typeof modal.custom_id !== 'string' || modal.custom_id.length < 1 || modal.custom_id.length > 100) {
    throw errors.invalidFormBody('data.custom_id', 'Must be between 1 and 100 in length.');
  }
  if (typeof modal.title !== 'string' || modal.title.length < 1 || modal.title.length > 45) throw errors.invalidFormBody('data.title', 'Must be between 1 and 45 in length.');
  const rows = modal.components;
  if (!Array.isArray(rows) || rows.length < 1 || rows.length > 5) throw errors.invalidFormBody('data.components', 'Must be between 1 and 5 in length.');
  for (const [i, row] of rows.entries()) {
    const inputs = (row as { type?: number; components?: unknown }).components;
    if ((row as { type?: number }).type !== 1 || !Array.isArray(inputs) || inputs.length !== 1) {
      throw errors.invalidFormBody(`data.components.${i}`, 'Each row must be an action row holding one text input.');
    }
    const input = inputs[0] as { type?: number; custom_id?: unknown; label?: unknown; value?: unknown; max_length?: number };
    if (input.type !== 4 || typeof input.custom_id !== 'string' || typeof input.label !== 'string') {
      throw errors.invalidFormBody(`data.components.${i}.components.0`, 'A text input needs type 4, a custom_id and a label.');
    }
    if (typeof input.value === 'string' && input.value.length > (input.max_length ?? 4000)) {
      throw errors.invalidFormBody(`data.components.${i}.components.0.value`, `Must be ${input.max_length ?? 4000} or fewer in length.`);
    }
  }
}
