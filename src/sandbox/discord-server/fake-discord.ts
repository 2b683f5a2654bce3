/**
 * FakeDiscord: a Discord-compatible REST + gateway server on 127.0.0.1 that the real discord.js
 * client runs against, for the sandbox (`npm run sandbox`) and the end-to-end tests. Callers build a
 * world (guilds, channels, roles, members), act as users (slash commands, button clicks, reactions),
 * and inspect what the bot did through the recorded state.
 */
import type { Server } from 'node:http';
import type { FakeContext, FakeSettings } from './context.ts';
import { Gateway, guildShard, type UndeliveredEvent } from './gateway.ts';
import { listen } from './http-server.ts';
import { InteractionHandle } from './interaction-handle.ts';
import { dispatchButtonClick, dispatchModalSubmit, dispatchSlashCommand } from './interaction-dispatch.ts';
import type { OptionValue } from './command-options.ts';
import { createMessage, deleteMessage } from './message-ops.ts';
import { RateLimitStorm, type RateLimitOptions } from './rate-limits.ts';
import { RequestFailure, RequestHold, type RequestFailureKind, type RequestMatch } from './request-faults.ts';
import { errors, type ApiError } from './api-error.ts';
import { addReaction, emojiKey, removeReaction } from './reaction-ops.ts';
import type {
  AttachmentRecord,
  ChannelRecord,
  CommandRecord,
  GuildRecord,
  InteractionRecord,
  MemberRecord,
  MessageRecord,
  RequestRecord,
  RoleRecord,
  UserRecord,
} from './records.ts';
import { buildRouter } from './rest-routes.ts';
import { botTokenFor, nextSnowflake } from './snowflake.ts';
import { waitFor, type WaitOptions } from './wait-for.ts';
import { World } from './world.ts';
import * as setup from './world-setup.ts';

export interface FakeDiscordOptions {
  /** Interaction token lifetime; Discord's is 15 minutes. */
  readonly tokenLifetimeMs?: number;
  /** Time allowed to acknowledge an interaction; Discord's is 3 s. */
  readonly ackDeadlineMs?: number;
  /** Upload limit per message; Discord's default is 10 MiB. */
  readonly uploadLimitBytes?: number;
  /** HELLO's heartbeat interval; Discord's is about 41 s, which keeps short tests free of heartbeats. */
  readonly heartbeatIntervalMs?: number;
  readonly botUsername?: string;
  /**
   * Where ids of the application, users, guilds, channels and roles come from, in creation order
   * (default: fresh snowflakes). The sandbox replays the ids of its last run, so the members and
   * servers in its database are the same people and places after a restart.
   */
  readonly worldIds?: () => string;
  /** Names of the default guild and its member (the sandbox shows them). */
  readonly guildName?: string;
  readonly username?: string;
  /**
   * Clock for interaction deadlines (default Date.now). A test moves it to pass the 3 s or the
   * token's 15 minutes at a chosen moment instead of sleeping through them.
   */
  readonly clock?: () => number;
  /** GET /gateway/bot's recommended shard count (Discord's is about one per 1000 servers); default 1. */
  readonly recommendedShards?: number;
  /** Shards that may identify at once (session_start_limit.max_concurrency); Discord gives 1, large bots 16 or more. */
  readonly maxConcurrency?: number;
}

/** A record or its id. */
export type Ref<T extends { id: string }> = T | string;

export interface SlashCommandInput {
  readonly name: string;
  readonly options?: Readonly<Record<string, OptionValue>>;
  readonly subcommand?: string;
  readonly subcommandGroup?: string;
  /** Defaults: the default user, in the given channel or the default channel, of that channel's guild. */
  readonly user?: Ref<UserRecord>;
  readonly channel?: Ref<ChannelRecord>;
  readonly guild?: Ref<GuildRecord>;
}

const idOf = (ref: Ref<{ id: string }>): string => (typeof ref === 'string' ? ref : ref.id);

export class FakeDiscord {
  /** Pass as `new Client({ rest: { api: discord.restUrl } })`; @discordjs/rest appends /v10. */
  readonly restUrl: string;
  readonly gatewayUrl: string;
  readonly botToken: string;
  readonly applicationId: string;
  readonly botUser: UserRecord;
  /** The default world: one guild, its text channel, and one ordinary member. */
  readonly guild: GuildRecord;
  readonly channel: ChannelRecord;
  readonly user: UserRecord;
  /** Errors of the fake itself (answered 500); close() rejects when there are any. */
  readonly internalErrors: Error[];

  readonly #context: FakeContext;
  readonly #server: Server;
  readonly #storms: RateLimitStorm[];
  readonly #failures: RequestFailure[];
  readonly #holds: RequestHold[];
  readonly #closed: () => void;
  readonly #watchers: Set<(message: MessageRecord) => void>;

  private constructor(parts: {
    context: FakeContext;
    server: Server;
    storms: RateLimitStorm[];
    failures: RequestFailure[];
    holds: RequestHold[];
    closed: () => void;
    internalErrors: Error[];
    botToken: string;
    port: number;
    watchers: Set<(message: MessageRecord) => void>;
    options: FakeDiscordOptions;
  }) {
    this.#context = parts.context;
    this.#server = parts.server;
    this.#storms = parts.storms;
    this.#failures = parts.failures;
    this.#holds = parts.holds;
    this.#closed = parts.closed;
    this.#watchers = parts.watchers;
    this.internalErrors = parts.internalErrors;
    this.botToken = parts.botToken;
    this.restUrl = `http://127.0.0.1:${parts.port}/api`;
    this.gatewayUrl = `ws://127.0.0.1:${parts.port}`;
    const { world } = parts.context;
    this.applicationId = world.applicationId;
    this.botUser = world.user(world.botUserId);
    this.guild = setup.addGuild(this.#context, { name: parts.options.guildName ?? 'Test Guild', channel: 'general' });
    this.channel = world.channel(this.guild.systemChannelId!);
    this.user = this.newMember({ username: parts.options.username ?? 'tester' });
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const worldId = options.worldIds ?? nextSnowflake;
    const applicationId = worldId();
    const world = new World(applicationId, applicationId);
    world.users.set(applicationId, { kind: 'user', id: applicationId, username: options.botUsername ?? 'test-bot', globalName: null, bot: true });
    const botToken = botTokenFor(applicationId);
    const settings: FakeSettings = {
      tokenLifetimeMs: options.tokenLifetimeMs ?? 15 * 60_000,
      ackDeadlineMs: options.ackDeadlineMs ?? 3000,
      uploadLimitBytes: options.uploadLimitBytes ?? 10 * 1024 * 1024,
      now: options.clock ?? Date.now,
      recommendedShards: options.recommendedShards ?? 1,
      maxConcurrency: options.maxConcurrency ?? 1,
    };
    let origin = '';
    const gateway = new Gateway({
      world,
      botToken,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      url: () => origin.replace(/^http/, 'ws'),
    });
    const watchers = new Set<(message: MessageRecord) => void>();
    const context: FakeContext = { world, gateway, settings, origin: () => origin, worldId, changed: (message) => watchers.forEach((watch) => watch(message)) };
    const storms: RateLimitStorm[] = [];
    const failures: RequestFailure[] = [];
    const holds: RequestHold[] = [];
    let closed!: () => void;
    const closing = new Promise<void>((resolve) => (closed = resolve));
    const internalErrors: Error[] = [];
    const { server, port } = await listen({ context, router: buildRouter(context), storms, failures, holds, closing, botToken, internalErrors });
    origin = `http://127.0.0.1:${port}`;
    return new FakeDiscord({ context, server, storms, failures, holds, closed, internalErrors, botToken, port, watchers, options });
  }

  /** Stops the server. Destroy the discord.js client first, or it keeps reconnecting. */
  async close(): Promise<void> {
    this.#closed();
    await this.#context.gateway.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (this.internalErrors.length > 0) throw new AggregateError(this.internalErrors, 'fake-discord had internal errors');
  }

  // World setup.

  addUser(options?: setup.UserOptions): UserRecord {
    return setup.addUser(this.#context, options);
  }

  /** A guild with @everyone, the bot's role and membership, and (by default) a 'general' text channel. */
  addGuild(options?: setup.GuildOptions): GuildRecord {
    return setup.addGuild(this.#context, options);
  }

  addChannel(guild: Ref<GuildRecord> = this.guild, options?: { name?: string }): ChannelRecord {
    return setup.addChannel(this.#context, this.#world.guild(idOf(guild)), options);
  }

  addRole(guild: Ref<GuildRecord> = this.guild, options?: setup.RoleOptions): RoleRecord {
    return setup.addRole(this.#context, this.#world.guild(idOf(guild)), options);
  }

  /**
   * Overwrites a channel's permissions for a role or a member (the bot included), e.g.
   * `setChannelPermissions(channel, discord.botUser, { deny: PermissionFlagsBits.AttachFiles })`.
   * Interactions then carry the result in app_permissions, and the REST routes enforce it.
   */
  setChannelPermissions(channel: Ref<ChannelRecord>, target: Ref<RoleRecord | UserRecord>, bits: { allow?: bigint; deny?: bigint }): void {
    const id = idOf(target);
    const type = this.#world.roles.has(id) ? 0 : this.#world.users.has(id) ? 1 : undefined;
    if (type === undefined) throw new Error(`${id} is neither a role nor a user`);
    setup.setChannelOverwrite(this.#context, this.#world.channel(idOf(channel)), { id, type }, bits);
  }

  /** Changes what a role grants (the bot's role is `guild.botRoleId`, @everyone's is the guild id). */
  setRolePermissions(role: Ref<RoleRecord>, permissions: bigint): void {
    setup.setRolePermissions(this.#context, this.#world.role(idOf(role)), permissions);
  }

  addMember(guild: Ref<GuildRecord>, user: Ref<UserRecord>, options?: setup.MemberOptions): MemberRecord {
    return setup.addMember(this.#context, this.#world.guild(idOf(guild)), this.#world.user(idOf(user)), options);
  }

  /** A new user who is a member of `guild` (default guild), e.g. `newMember({ permissions: ManageMessages })`. */
  newMember(options: setup.UserOptions & setup.MemberOptions & { guild?: Ref<GuildRecord> } = {}): UserRecord {
    const user = this.addUser(options);
    this.addMember(options.guild ?? this.guild, user, options);
    return user;
  }

  // Acting as users.

  /** A user runs a slash command: INTERACTION_CREATE type 2. Throws if no bot is connected. */
  slashCommand(input: SlashCommandInput): InteractionHandle {
    const channel = this.#world.channel(idOf(input.channel ?? (input.guild ? this.#defaultChannelOf(idOf(input.guild)) : this.channel)));
    const userId = this.#memberOf(channel.guildId, idOf(input.user ?? this.user));
    const record = dispatchSlashCommand(this.#context, {
      guildId: channel.guildId,
      channelId: channel.id,
      userId,
      name: input.name,
      subcommand: input.subcommand,
      subcommandGroup: input.subcommandGroup,
      options: input.options,
    });
    return new InteractionHandle(record, this);
  }

  /** A user clicks a button on a message: INTERACTION_CREATE type 3 carrying the full message. */
  clickButton(message: Ref<MessageRecord>, customId: string, user: Ref<UserRecord> = this.user): InteractionHandle {
    const target = this.#messageRecord(message);
    const userId = this.#memberOf(target.guildId, idOf(user));
    return new InteractionHandle(dispatchButtonClick(this.#context, target, customId, userId), this);
  }

  /**
   * The user who got a modal (callback type 9) submits it: INTERACTION_CREATE type 5 with the
   * modal's custom_id and its text inputs' values (`values` by input custom_id; the rest as prefilled).
   */
  submitModal(opened: InteractionHandle, values: Readonly<Record<string, string>> = {}): InteractionHandle {
    return new InteractionHandle(dispatchModalSubmit(this.#context, opened.record, values), this);
  }

  /** A user reacts: MESSAGE_REACTION_ADD with the member (needs the GuildMessageReactions intent). */
  react(message: Ref<MessageRecord>, emoji: string, user: Ref<UserRecord> = this.user): void {
    const target = this.#messageRecord(message);
    addReaction(this.#context, target, emoji, this.#memberOf(target.guildId, idOf(user)));
  }

  unreact(message: Ref<MessageRecord>, emoji: string, user: Ref<UserRecord> = this.user): void {
    removeReaction(this.#context, this.#messageRecord(message), emoji, idOf(user));
  }

  /** A user posts a message: MESSAGE_CREATE (content only with the MessageContent intent). */
  sendMessage(content: string, options: { channel?: Ref<ChannelRecord>; user?: Ref<UserRecord> } = {}): MessageRecord {
    const channel = this.#world.channel(idOf(options.channel ?? this.channel));
    const authorId = this.#memberOf(channel.guildId, idOf(options.user ?? this.user));
    return createMessage(this.#context, { channelId: channel.id, authorId, payload: { content } });
  }

  /** Someone (a moderator, the author) deletes a message: later REST calls on it answer 10008. */
  deleteMessage(channel: Ref<ChannelRecord>, message: Ref<MessageRecord>): void {
    const target = this.#world.message(idOf(message), idOf(channel));
    deleteMessage(this.#context, target);
  }

  /** Whether a bot session is connected to the gateway (identified or resumed). */
  get botConnected(): boolean {
    return this.#context.gateway.connectedSessions > 0;
  }

  /** The `[shard_id, num_shards]` of each connected bot session, as their IDENTIFY gave them. */
  get connectedShards(): Array<readonly [number, number]> {
    return this.#context.gateway.connectedShards;
  }

  /** The shard whose session receives a guild's events with `count` shards (Discord's rule). */
  shardOf(guild: Ref<GuildRecord>, count: number): number {
    return guildShard(idOf(guild), count);
  }

  /**
   * Drops the bot's gateway connections, as Discord does on a server restart. With 4000 the client
   * resumes; events sent while it is away are lost (undeliveredEvents), unlike Discord, which replays them.
   */
  dropGatewayConnections(code = 4000): void {
    this.#context.gateway.disconnect(code);
  }

  // Rate limits.

  /** The next `count` requests matching answer 429 with Retry-After; `hits` on the result counts them. */
  rateLimit(options: RateLimitOptions): RateLimitStorm {
    const storm = new RateLimitStorm(options);
    this.#storms.push(storm);
    return storm;
  }

  // Refusals and stalls.

  /**
   * The next `count` (default 1) matching requests fail: refused with a Discord error, changing
   * nothing (`failRequests({ method: 'POST', path: '/channels/' }, 'missingPermissions')`, or an
   * ApiError such as `errors.unknownInteraction()`), or by a connection dropped before or after the
   * request took effect ('drop-before', 'drop-after').
   */
  failRequests(match: RequestMatch, error: keyof typeof errors | Exclude<RequestFailureKind, ApiError> | ApiError): RequestFailure {
    const kind: RequestFailureKind = typeof error === 'string' && error in errors ? (errors[error as keyof typeof errors] as () => ApiError) : (error as RequestFailureKind);
    const failure = new RequestFailure(match, kind);
    this.#failures.push(failure);
    return failure;
  }

  /** The next `count` (default 1) matching requests wait unanswered until `release()`; `arrived` resolves with the first. */
  holdRequests(match: RequestMatch): RequestHold {
    const hold = new RequestHold(match);
    this.#holds.push(hold);
    return hold;
  }

  /**
   * Delivers an interaction's INTERACTION_CREATE again, as a gateway replay can: same id, same token.
   * Its acknowledgement can be made once only (40060 after that).
   */
  redeliver(interaction: InteractionHandle): void {
    this.#context.gateway.dispatch('INTERACTION_CREATE', interaction.record.payload);
  }

  /**
   * A click as a modified client can send it: a custom_id the message does not carry. Custom ids
   * come from the user's client, so the bot must not trust what they name.
   */
  forgeButtonClick(message: Ref<MessageRecord>, customId: string, user: Ref<UserRecord> = this.user): InteractionHandle {
    const target = this.#messageRecord(message);
    const userId = this.#memberOf(target.guildId, idOf(user));
    return new InteractionHandle(dispatchButtonClick(this.#context, target, customId, userId, { forged: true }), this);
  }

  // Inspection.

  /** Every REST request, in arrival order. */
  get requests(): readonly RequestRecord[] {
    return this.#world.requests;
  }

  /** Requests matching a method and/or a path (RegExp, or a substring). */
  requestsTo(method?: string, path?: RegExp | string): RequestRecord[] {
    return this.#world.requests.filter(
      (r) =>
        (!method || r.method === method.toUpperCase()) &&
        (path === undefined || (typeof path === 'string' ? r.path.includes(path) : path.test(r.path))),
    );
  }

  /** Requests no route answered; a test asserts this is empty to catch calls the fake (and maybe Discord) lacks. */
  get unknownRequests(): RequestRecord[] {
    return this.#world.requests.filter((r) => r.route === null && !r.rateLimited);
  }

  /** Gateway events that reached no bot session, with why (no session, missing intent). */
  get undeliveredEvents(): readonly UndeliveredEvent[] {
    return this.#context.gateway.undelivered;
  }

  /** Messages of a channel (default channel), oldest first; ephemeral ones included, deleted ones on request. */
  messages(channel: Ref<ChannelRecord> = this.channel, options: { includeDeleted?: boolean } = {}): MessageRecord[] {
    return this.#world.messagesIn(idOf(channel)).filter((m) => options.includeDeleted || m.deletedAt === null);
  }

  /** A message by id, deleted or not. */
  message(id: string): MessageRecord | undefined {
    return this.#world.messages.get(id);
  }

  lastMessage(channel: Ref<ChannelRecord> = this.channel): MessageRecord | undefined {
    return this.messages(channel).at(-1);
  }

  /** Ids of the users who reacted with `emoji`, in order. */
  reactionUsers(message: Ref<MessageRecord>, emoji: string): string[] {
    return [...(this.#messageRecord(message, true).reactions.get(emojiKey(emoji)) ?? [])];
  }

  /** Calls `listener` after every change to a message (created, edited, deleted, reacted to); returns the unsubscribe. */
  watchMessages(listener: (message: MessageRecord) => void): () => void {
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  /** An uploaded file by attachment id, its bytes as uploaded; edits that drop it do not delete it, as on Discord's CDN. */
  attachment(id: string): AttachmentRecord | undefined {
    return this.#world.attachments.get(id);
  }

  /** The channel a guild was created with, else its first channel. */
  defaultChannel(guild: Ref<GuildRecord> = this.guild): ChannelRecord {
    return this.#world.channel(this.#defaultChannelOf(idOf(guild)));
  }

  /** Members of a guild. */
  members(guild: Ref<GuildRecord> = this.guild): MemberRecord[] {
    return this.#world.membersOf(idOf(guild));
  }

  /** A user by id. */
  userById(id: string): UserRecord | undefined {
    return this.#world.users.get(id);
  }

  /** An interaction by id or token. */
  interaction(idOrToken: string): InteractionRecord | undefined {
    return this.#world.interactions.get(idOrToken) ?? this.#world.interactionById(idOrToken);
  }

  /** Registered commands: global ones, or those of a guild. */
  commands(guild?: Ref<GuildRecord>): CommandRecord[] {
    const guildId = guild === undefined ? null : idOf(guild);
    return this.#world.commands.filter((c) => c.guildId === guildId);
  }

  /** Polls `probe` until it answers something truthy; on timeout the error lists recent requests and lost events. */
  waitFor<T>(probe: () => T | Promise<T>, options?: WaitOptions): Promise<NonNullable<T>> {
    return waitFor(probe, options, () => this.#diagnostics());
  }

  get #world(): World {
    return this.#context.world;
  }

  #diagnostics(): string {
    const requests = this.#world.requests.slice(-8).map((r) => `    ${r.method} ${r.path} → ${r.status}${r.error ? ` ${JSON.stringify(r.error)}` : ''}`);
    const lost = this.undeliveredEvents.slice(-5).map((e) => `    ${e.event}: ${e.reason}`);
    const internal = this.internalErrors.map((e) => `    ${e.message}`);
    return [
      requests.length > 0 ? `  recent requests:\n${requests.join('\n')}` : '  no REST requests were made',
      ...(lost.length > 0 ? [`  undelivered events:\n${lost.join('\n')}`] : []),
      ...(internal.length > 0 ? [`  fake-discord internal errors:\n${internal.join('\n')}`] : []),
    ].join('\n');
  }

  #defaultChannelOf(guildId: string): string {
    const channel = this.#world.guild(guildId).systemChannelId ?? this.#world.channelsOf(guildId)[0]?.id;
    if (!channel) throw new Error(`guild ${guildId} has no channel: pass one`);
    return channel;
  }

  #memberOf(guildId: string, userId: string): string {
    if (!this.#world.members.get(guildId)?.has(userId)) throw new Error(`user ${userId} is not a member of guild ${guildId}: addMember first`);
    return userId;
  }

  #messageRecord(message: Ref<MessageRecord>, allowDeleted = false): MessageRecord {
    const record = this.#world.messages.get(idOf(message));
    if (!record) throw new Error(`no message ${idOf(message)}`);
    if (!allowDeleted && record.deletedAt !== null) throw new Error(`message ${record.id} was deleted`);
    return record;
  }
}
