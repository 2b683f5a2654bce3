/**
 * Applying a create/edit payload (content, embeds, components, attachments, flags, allowed_mentions)
 * to a message, with the validations Discord answers 400 for, so a malformed reply fails in tests too.
 */
import { errors } from './api-error.ts';
import type { FakeContext } from './context.ts';
import { imageDimensions } from './image-dimensions.ts';
import type { AllowedMentions, AttachmentRecord, MessageRecord, UploadedFile } from './records.ts';
import { nextSnowflake } from './snowflake.ts';

export const MessageFlag = {
  SuppressEmbeds: 1 << 2,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
  IsComponentsV2: 1 << 15,
} as const;

const SETTABLE_ON_CREATE =
  MessageFlag.SuppressEmbeds | MessageFlag.Ephemeral | MessageFlag.SuppressNotifications | MessageFlag.IsComponentsV2;
const SETTABLE_ON_EDIT = MessageFlag.SuppressEmbeds | MessageFlag.IsComponentsV2;

export interface MessagePayload {
  content?: string | null;
  embeds?: unknown[] | null;
  components?: unknown[] | null;
  attachments?: { id: string | number; filename?: string; description?: string }[] | null;
  flags?: number | null;
  allowed_mentions?: AllowedMentions | null;
  message_reference?: { message_id?: string; channel_id?: string } | null;
  /** Create Message only: with enforce_nonce, a second create with the same nonce returns the first message. */
  nonce?: string | number | null;
  enforce_nonce?: boolean | null;
}

/** The message fields a payload decides. */
export type MessageBody = Pick<MessageRecord, 'content' | 'embeds' | 'components' | 'attachments' | 'flags' | 'allowedMentions'>;

export function asPayload(body: unknown): MessagePayload {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw errors.invalidFormBody('_root', 'Expected a JSON object');
  }
  return body as MessagePayload;
}

/** The body a message has after `payload` is applied to `current` (undefined when creating). */
export function applyPayload(
  context: FakeContext,
  channelId: string,
  current: MessageBody | undefined,
  payload: MessagePayload,
  files: readonly UploadedFile[],
): MessageBody {
  const uploaded = files.reduce((sum, file) => sum + file.bytes.length, 0);
  if (uploaded > context.settings.uploadLimitBytes) throw errors.entityTooLarge();
  const settable = current ? SETTABLE_ON_EDIT : SETTABLE_ON_CREATE;
  const flags =
    payload.flags === undefined || payload.flags === null
      ? (current?.flags ?? 0)
      : ((current?.flags ?? 0) & ~settable) | (payload.flags & settable);
  const next: MessageBody = {
    content: payload.content === undefined ? (current?.content ?? '') : (payload.content ?? ''),
    embeds: payload.embeds === undefined ? (current?.embeds ?? []) : (payload.embeds ?? []),
    components: payload.components === undefined ? (current?.components ?? []) : (payload.components ?? []),
    attachments: resolveAttachments(context, channelId, current?.attachments ?? [], payload, files),
    flags: flags & ~MessageFlag.Loading,
    allowedMentions: payload.allowed_mentions ?? current?.allowedMentions,
  };
  validate(next);
  return next;
}

function resolveAttachments(
  context: FakeContext,
  channelId: string,
  existing: readonly AttachmentRecord[],
  payload: MessagePayload,
  files: readonly UploadedFile[],
): AttachmentRecord[] {
  const upload = (file: UploadedFile, filename = file.filename, description: string | null = null) => {
    const id = nextSnowflake();
    const record: AttachmentRecord = {
      id,
      filename,
      contentType: file.contentType,
      size: file.bytes.length,
      bytes: file.bytes,
      description,
      url: `${context.origin()}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`,
      ...(imageDimensions(file.bytes) ?? { width: null, height: null }),
    };
    context.world.attachments.set(id, record);
    return record;
  };
  // Without an attachments list, a create uploads every file and an edit keeps what is there and appends.
  if (payload.attachments === undefined || payload.attachments === null) {
    return [...(payload.attachments === null ? [] : existing), ...files.map((file) => upload(file))];
  }
  return payload.attachments.map((entry, i) => {
    const id = String(entry.id);
    const kept = existing.find((attachment) => attachment.id === id);
    if (kept) return kept;
    const file = files.find((f) => f.index === Number(id));
    if (!file) throw errors.invalidFormBody(`attachments.${i}`, `No uploaded file files[${id}] and no existing attachment ${id}`);
    return upload(file, entry.filename ?? file.filename, entry.description ?? null);
  });
}

function validate(body: MessageBody): void {
  if (body.content.length > 2000) throw errors.invalidFormBody('content', 'Must be 2000 or fewer in length.');
  if (body.embeds.length > 10) throw errors.invalidFormBody('embeds', 'Must be 10 or fewer in length.');
  if ((body.flags & MessageFlag.IsComponentsV2) === 0) validateActionRows(body.components);
  const customIds = collectCustomIds(body.components);
  const duplicate = customIds.find((id, i) => customIds.indexOf(id) !== i);
  if (duplicate !== undefined) throw errors.invalidFormBody('components', `Component custom id cannot be duplicated: ${duplicate}`);
}

/** Legacy layout: at most 5 action rows (type 1) of 1..5 components; non-link buttons need a custom_id. */
function validateActionRows(rows: readonly unknown[]): void {
  if (rows.length > 5) throw errors.invalidFormBody('components', 'Must be 5 or fewer in length.');
  rows.forEach((row, r) => {
    const { type, components } = row as { type?: number; components?: unknown[] };
    if (type !== 1) throw errors.invalidFormBody(`components.${r}.type`, 'Top-level components must be action rows (type 1)');
    if (!Array.isArray(components) || components.length === 0 || components.length > 5) {
      throw errors.invalidFormBody(`components.${r}.components`, 'An action row holds 1 to 5 components.');
    }
    components.forEach((component, c) => {
      const { type: kind, style, custom_id, url } = component as { type?: number; style?: number; custom_id?: string; url?: string };
      if (kind !== 2) return;
      // Style 5 is a link button (needs a url), style 6 a premium button (needs a sku_id): neither has a custom_id.
      if (style === 5 || style === 6) {
        if (style === 5 && !url) throw errors.invalidFormBody(`components.${r}.components.${c}.url`, 'A link button needs a url');
        return;
      }
      if (typeof custom_id !== 'string' || custom_id.length === 0 || custom_id.length > 100) {
        throw errors.invalidFormBody(`components.${r}.components.${c}.custom_id`, 'A button needs a custom_id of 1-100 characters');
      }
    });
  });
}

/** Every custom_id in a component tree (action rows, V2 containers and sections alike). */
export function collectCustomIds(components: readonly unknown[]): string[] {
  return findComponents(components, () => true).flatMap((c) => (typeof c.custom_id === 'string' ? [c.custom_id] : []));
}

export function findComponents(
  components: readonly unknown[],
  predicate: (component: Record<string, unknown>) => boolean,
): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const component = node as Record<string, unknown>;
    if (predicate(component)) found.push(component);
    for (const child of [component.components, component.accessory].flat()) visit(child);
  };
  components.forEach(visit);
  return found;
}

export function isEmpty(body: MessageBody): boolean {
  return body.content === '' && body.embeds.length === 0 && body.components.length === 0 && body.attachments.length === 0;
}
