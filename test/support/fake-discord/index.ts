/** Public surface of the fake Discord server used by the bot's end-to-end tests. */
export { FakeDiscord, type FakeDiscordOptions, type Ref, type SlashCommandInput } from './fake-discord.ts';
export { InteractionHandle } from './interaction-handle.ts';
export type { OptionValue, TypedOption } from './command-options.ts';
export type { RateLimitOptions, RateLimitStorm } from './rate-limits.ts';
export type { RequestFailure, RequestFailureKind, RequestHold, RequestMatch } from './request-faults.ts';
export { ApiError, errors } from './api-error.ts';
export type { UndeliveredEvent } from './gateway.ts';
export type { WaitOptions } from './wait-for.ts';
export type {
  AllowedMentions,
  AttachmentRecord,
  CallbackRecord,
  ChannelRecord,
  CommandRecord,
  GuildRecord,
  InteractionRecord,
  MemberRecord,
  MessageRecord,
  MessageRevision,
  Pings,
  RequestRecord,
  RoleRecord,
  UploadedFile,
  UserRecord,
} from './records.ts';
export type { GuildOptions, MemberOptions, RoleOptions, UserOptions } from './world-setup.ts';
