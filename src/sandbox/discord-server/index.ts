/**
 * Public surface of the local Discord-compatible server: what `npm run sandbox` puts the real bot
 * in front of, and what the bot's end-to-end tests drive. The fault-injection and waiting helpers
 * (failRequests, holdRequests, rateLimit, waitFor) live here too because they reach into the
 * server's request path; the sandbox never calls them.
 */
export { FakeDiscord, type FakeDiscordOptions, type Ref, type SlashCommandInput } from './fake-discord.ts';
export { InteractionHandle } from './interaction-handle.ts';
export type { OptionValue, TypedOption } from './command-options.ts';
export type { AttachmentUpload } from './command-uploads.ts';
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
