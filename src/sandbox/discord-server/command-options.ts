/**
 * Turning a test's `{ name: value }` options into interaction options plus `resolved` data (a file
 * given to an attachment option is uploaded first, as the Discord client does). When the bot
 * registered the command, its declared option types are used and checked (unknown option, missing
 * required option, value outside choices), as the Discord client would; otherwise types are inferred.
 */
import { ApplicationCommandOptionType as T } from 'discord.js';
import { isAttachmentUpload, type AttachmentUpload } from './command-uploads.ts';
import type { AttachmentRecord, ChannelRecord, RoleRecord, UserRecord } from './records.ts';
import { apiAttachment, apiInteractionMember, apiRole, apiUser } from './serialize.ts';
import { memberPermissions } from './permissions.ts';
import type { World } from './world.ts';

/** Forces an option type where inference would guess wrong, e.g. a NUMBER option given 2. */
export interface TypedOption {
  readonly type: T;
  readonly value: string | number | boolean;
}

/** An attachment option's value is the file itself, uploaded by the user's client with the command. */
export type OptionValue = string | number | boolean | UserRecord | RoleRecord | ChannelRecord | TypedOption | AttachmentUpload;

interface DeclaredOption {
  type: number;
  name: string;
  required?: boolean;
  choices?: { value: string | number }[];
  options?: DeclaredOption[];
}

interface BuiltOption {
  type: number;
  name: string;
  value?: string | number | boolean;
  options?: BuiltOption[];
}

export interface Resolved {
  users?: Record<string, unknown>;
  members?: Record<string, unknown>;
  roles?: Record<string, unknown>;
  channels?: Record<string, unknown>;
  attachments?: Record<string, unknown>;
}

export interface BuiltOptions {
  readonly options: BuiltOption[];
  readonly resolved: Resolved | undefined;
}

export interface OptionsRequest {
  readonly commandName: string;
  readonly declared: DeclaredOption[] | undefined;
  readonly subcommandGroup?: string;
  readonly subcommand?: string;
  readonly values: Readonly<Record<string, OptionValue>>;
  /** Uploads a file given to an attachment option (see command-uploads.ts). */
  readonly upload?: (file: AttachmentUpload) => AttachmentRecord;
}

export function buildOptions(world: World, guildId: string, request: OptionsRequest): BuiltOptions {
  const resolved: Resolved = {};
  const label = ['/' + request.commandName, request.subcommandGroup, request.subcommand].filter(Boolean).join(' ');
  let declared = request.declared;
  const descend = (name: string | undefined, type: number): DeclaredOption[] | undefined => {
    if (name === undefined || declared === undefined) return declared;
    const found = declared.find((option) => option.name === name && option.type === type);
    if (!found) throw new Error(`${label}: the registered command has no ${type === 1 ? 'subcommand' : 'subcommand group'} "${name}"`);
    return found.options ?? [];
  };
  declared = descend(request.subcommandGroup, T.SubcommandGroup);
  declared = descend(request.subcommand, T.Subcommand);
  let options = leafOptions(world, guildId, label, declared, request.values, resolved, request.upload);
  if (request.subcommand !== undefined) options = [{ type: T.Subcommand, name: request.subcommand, options }];
  if (request.subcommandGroup !== undefined) options = [{ type: T.SubcommandGroup, name: request.subcommandGroup, options }];
  return { options, resolved: Object.keys(resolved).length > 0 ? resolved : undefined };
}

function leafOptions(
  world: World,
  guildId: string,
  label: string,
  declared: DeclaredOption[] | undefined,
  values: Readonly<Record<string, OptionValue>>,
  resolved: Resolved,
  upload: OptionsRequest['upload'],
): BuiltOption[] {
  const built = Object.entries(values).map(([name, value]) => {
    const declaration = declared?.find((option) => option.name === name);
    if (declared && !declaration) {
      throw new Error(`${label}: the registered command has no option "${name}" (it has: ${declared.map((o) => o.name).join(', ') || 'none'})`);
    }
    const type = declaration?.type ?? inferType(value);
    const primitive = toValue(world, guildId, label, name, type, value, resolved, upload);
    const choices = declaration?.choices;
    if (choices && choices.length > 0 && !choices.some((choice) => choice.value === primitive)) {
      throw new Error(`${label}: "${String(primitive)}" is not one of the choices of option "${name}"`);
    }
    return { type, name, value: primitive };
  });
  for (const option of declared ?? []) {
    if (option.required && !(option.name in values)) throw new Error(`${label}: required option "${option.name}" is missing`);
  }
  return built;
}

function inferType(value: OptionValue): number {
  if (isAttachmentUpload(value)) return T.Attachment;
  if (typeof value === 'string') return T.String;
  if (typeof value === 'boolean') return T.Boolean;
  if (typeof value === 'number') return Number.isInteger(value) ? T.Integer : T.Number;
  if ('type' in value && !('kind' in value)) return value.type;
  return { user: T.User, role: T.Role, channel: T.Channel }[(value as { kind: 'user' | 'role' | 'channel' }).kind];
}

function toValue(
  world: World,
  guildId: string,
  label: string,
  name: string,
  type: number,
  value: OptionValue,
  resolved: Resolved,
  upload: OptionsRequest['upload'],
): string | number | boolean {
  if (isAttachmentUpload(value) !== (type === T.Attachment)) {
    throw new Error(`${label}: option "${name}" is of type ${T[type]}, got ${isAttachmentUpload(value) ? `the file ${value.filename}` : JSON.stringify(value)}`);
  }
  if (isAttachmentUpload(value)) {
    if (!upload) throw new Error(`${label}: option "${name}" takes a file, and this command cannot carry one`);
    const record = upload(value);
    (resolved.attachments ??= {})[record.id] = apiAttachment(record);
    return record.id;
  }
  const raw = typeof value === 'object' && 'type' in value && !('kind' in value) ? value.value : value;
  const mismatch = () => new Error(`${label}: option "${name}" is of type ${T[type]}, got ${JSON.stringify(raw)}`);
  const idOf = (kind: string) => {
    if (typeof raw === 'string') return raw;
    if (typeof raw === 'object' && raw.kind === kind) return raw.id;
    throw mismatch();
  };
  switch (type) {
    case T.String:
      if (typeof raw !== 'string') throw mismatch();
      return raw;
    case T.Integer:
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw mismatch();
      return raw;
    case T.Number:
      if (typeof raw !== 'number') throw mismatch();
      return raw;
    case T.Boolean:
      if (typeof raw !== 'boolean') throw mismatch();
      return raw;
    case T.User:
      return resolveUser(world, guildId, idOf('user'), resolved);
    case T.Role:
      return resolveRole(world, idOf('role'), resolved);
    case T.Mentionable:
      return typeof raw === 'object' && raw.kind === 'role' ? resolveRole(world, raw.id, resolved) : resolveUser(world, guildId, idOf('user'), resolved);
    case T.Channel: {
      const channel = world.channel(idOf('channel'));
      const permissions = memberPermissions(world, guildId, world.botUserId).toString();
      (resolved.channels ??= {})[channel.id] = { id: channel.id, name: channel.name, type: channel.type, permissions };
      return channel.id;
    }
    default:
      throw new Error(`${label}: option type ${T[type] ?? type} is not supported by the fake`);
  }
}

function resolveUser(world: World, guildId: string, id: string, resolved: Resolved): string {
  (resolved.users ??= {})[id] = apiUser(world.user(id));
  if (world.members.get(guildId)?.has(id)) {
    const { user: _user, ...member } = apiInteractionMember(world, guildId, id);
    (resolved.members ??= {})[id] = member;
  }
  return id;
}

function resolveRole(world: World, id: string, resolved: Resolved): string {
  (resolved.roles ??= {})[id] = apiRole(world.role(id), world.applicationId);
  return id;
}
