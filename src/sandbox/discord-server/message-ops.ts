/** Creating, editing and deleting messages, with the gateway events Discord sends for each (none for ephemerals). */
import { errors } from './api-error.ts';
import type { FakeContext } from './context.ts';
import { pingsOf, NO_PINGS } from './mentions.ts';
import { applyPayload, isEmpty, MessageFlag, type MessageBody, type MessagePayload } from './message-payload.ts';
import type { MessageRecord, UploadedFile } from './records.ts';
import { gatewayMessage } from './serialize.ts';
import { nextSnowflake } from './snowflake.ts';

export interface NewMessage {
  readonly channelId: string;
  readonly authorId: string;
  readonly payload: MessagePayload;
  readonly files?: readonly UploadedFile[];
  readonly type?: number;
  readonly interactionId?: string;
  readonly webhookId?: string;
  /** The deferred-reply placeholder: empty, flagged LOADING, allowed to have no content. */
  readonly loading?: boolean;
}

export function createMessage(context: FakeContext, spec: NewMessage): MessageRecord {
  const { world } = context;
  const channel = world.channel(spec.channelId);
  const body: MessageBody = spec.loading
    ? { content: '', embeds: [], components: [], attachments: [], flags: MessageFlag.Loading | ((spec.payload.flags ?? 0) & MessageFlag.Ephemeral), allowedMentions: undefined }
    : applyPayload(context, channel.id, undefined, spec.payload, spec.files ?? []);
  if (!spec.loading && isEmpty(body)) throw errors.emptyMessage();
  const now = Date.now();
  const message: MessageRecord = {
    kind: 'message',
    id: nextSnowflake(),
    channelId: channel.id,
    guildId: channel.guildId,
    authorId: spec.authorId,
    type: spec.type ?? 0,
    ...body,
    pings: spec.loading ? NO_PINGS : pingsOf(body.content, body.allowedMentions),
    reactions: new Map(),
    revisions: [{ at: now, ...body }],
    createdAt: now,
    editedAt: null,
    deletedAt: null,
    interactionId: spec.interactionId ?? null,
    webhookId: spec.webhookId ?? null,
    reference: spec.payload.message_reference ?? null,
    nonce: spec.payload.nonce == null ? null : String(spec.payload.nonce),
  };
  world.messages.set(message.id, message);
  if (!isEphemeral(message)) context.gateway.dispatch('MESSAGE_CREATE', gatewayMessage(world, message), message.authorId);
  context.changed(message);
  return message;
}

export function editMessage(
  context: FakeContext,
  message: MessageRecord,
  payload: MessagePayload,
  files: readonly UploadedFile[] = [],
): MessageRecord {
  const body = applyPayload(context, message.channelId, message, payload, files);
  if (isEmpty(body)) throw errors.emptyMessage();
  const now = Date.now();
  Object.assign(message, body, { editedAt: now });
  message.revisions.push({ at: now, ...body });
  if (!isEphemeral(message)) context.gateway.dispatch('MESSAGE_UPDATE', gatewayMessage(context.world, message), message.authorId);
  context.changed(message);
  return message;
}

export function deleteMessage(context: FakeContext, message: MessageRecord): void {
  message.deletedAt = Date.now();
  context.changed(message);
  if (isEphemeral(message)) return;
  context.gateway.dispatch('MESSAGE_DELETE', { id: message.id, channel_id: message.channelId, guild_id: message.guildId });
}

export function isEphemeral(message: Pick<MessageRecord, 'flags'>): boolean {
  return (message.flags & MessageFlag.Ephemeral) !== 0;
}
