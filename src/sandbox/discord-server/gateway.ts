/**
 * The gateway half of the fake: a WebSocket endpoint speaking Discord's JSON gateway protocol (HELLO,
 * heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME) and delivering dispatches the way intents allow.
 * Sharded sessions (IDENTIFY's `shard: [id, count]`) get only their guilds, as Discord routes them:
 * shard_id = (guild_id >> 22) % num_shards, and events without a guild go to shard 0.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GatewayIntentBits } from 'discord.js';
import { WebSocketServer, type WebSocket } from 'ws';
import { guildCreatePayload } from './guild-payload.ts';
import { apiMember, apiUser } from './serialize.ts';
import { randomToken } from './snowflake.ts';
import type { World } from './world.ts';

/** The intent each event needs; events not listed (READY, INTERACTION_CREATE...) always arrive. */
const EVENT_INTENTS: Record<string, number> = {
  GUILD_CREATE: GatewayIntentBits.Guilds,
  GUILD_UPDATE: GatewayIntentBits.Guilds,
  GUILD_ROLE_CREATE: GatewayIntentBits.Guilds,
  GUILD_ROLE_UPDATE: GatewayIntentBits.Guilds,
  CHANNEL_CREATE: GatewayIntentBits.Guilds,
  CHANNEL_UPDATE: GatewayIntentBits.Guilds,
  GUILD_MEMBER_ADD: GatewayIntentBits.GuildMembers,
  GUILD_MEMBER_UPDATE: GatewayIntentBits.GuildMembers,
  MESSAGE_CREATE: GatewayIntentBits.GuildMessages,
  MESSAGE_UPDATE: GatewayIntentBits.GuildMessages,
  MESSAGE_DELETE: GatewayIntentBits.GuildMessages,
  MESSAGE_REACTION_ADD: GatewayIntentBits.GuildMessageReactions,
  MESSAGE_REACTION_REMOVE: GatewayIntentBits.GuildMessageReactions,
  MESSAGE_REACTION_REMOVE_ALL: GatewayIntentBits.GuildMessageReactions,
  MESSAGE_REACTION_REMOVE_EMOJI: GatewayIntentBits.GuildMessageReactions,
};

const CONTENT_EVENTS = new Set(['MESSAGE_CREATE', 'MESSAGE_UPDATE']);

export interface GatewayOptions {
  readonly world: World;
  readonly botToken: string;
  readonly heartbeatIntervalMs: number;
  readonly url: () => string;
}

/** An event that reached no session, and why: the usual cause of "my handler never ran". */
export interface UndeliveredEvent {
  readonly at: number;
  readonly event: string;
  readonly reason: string;
}

/** Discord's rule for the shard that receives a guild's events. */
export function guildShard(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

/** The guild an event is about: GUILD_* events carry it as `id`, the others as `guild_id`. */
function guildOfEvent(event: string, data: Record<string, unknown>): string | undefined {
  const id = event === 'GUILD_CREATE' || event === 'GUILD_UPDATE' || event === 'GUILD_DELETE' ? data.id : data.guild_id;
  return typeof id === 'string' ? id : undefined;
}

interface SessionState {
  readonly id: string;
  /** [shard_id, num_shards] from IDENTIFY; [0, 1] when the bot does not shard. */
  readonly shard: readonly [number, number];
  intents: number;
  seq: number;
  socket: WebSocket | null;
}

export class Gateway {
  readonly undelivered: UndeliveredEvent[] = [];
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #sessions = new Map<string, SessionState>();
  readonly #options: GatewayOptions;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#server.on('connection', (socket) => this.#accept(socket));
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#server.emit('connection', ws, request));
  }

  /** Sessions that have identified and are still connected. */
  get connectedSessions(): number {
    return [...this.#sessions.values()].filter((s) => s.socket !== null).length;
  }

  /** The `[shard_id, num_shards]` of each connected session. */
  get connectedShards(): Array<readonly [number, number]> {
    return [...this.#sessions.values()].filter((s) => s.socket !== null).map((s) => s.shard);
  }

  /**
   * Sends an event to every connected session of the event's shard whose intents allow it;
   * answers how many it reached.
   */
  dispatch(event: string, data: Record<string, unknown>, authorId?: string): number {
    const connected = [...this.#sessions.values()].filter((s) => s.socket !== null);
    if (connected.length === 0) {
      this.undelivered.push({ at: Date.now(), event, reason: 'no bot session is connected' });
      return 0;
    }
    const guildId = guildOfEvent(event, data);
    const sessions = connected.filter((s) => (guildId === undefined ? s.shard[0] : guildShard(guildId, s.shard[1])) === s.shard[0]);
    if (sessions.length === 0) {
      this.undelivered.push({ at: Date.now(), event, reason: `no bot session is connected for the shard of guild ${guildId ?? '(none: shard 0)'}` });
      return 0;
    }
    let reached = 0;
    for (const session of sessions) {
      const needed = EVENT_INTENTS[event];
      if (needed !== undefined && (session.intents & needed) === 0) {
        this.undelivered.push({ at: Date.now(), event, reason: `the bot did not request intent ${GatewayIntentBits[needed]}` });
        continue;
      }
      this.#send(session, { op: 0, t: event, d: this.#withoutHiddenContent(session, event, data, authorId) });
      reached += 1;
    }
    return reached;
  }

  /** Drops every bot connection with `code`; the client reconnects and resumes (4000) or re-identifies. */
  disconnect(code: number): void {
    for (const session of this.#sessions.values()) {
      // Detached at once, so nothing is sent into a closing socket and botConnected turns false now.
      session.socket?.close(code, 'Dropped by the test');
      session.socket = null;
    }
  }

  async close(): Promise<void> {
    for (const socket of this.#server.clients) socket.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Without MessageContent, Discord blanks other users' message content, embeds, attachments and components. */
  #withoutHiddenContent(session: SessionState, event: string, data: Record<string, unknown>, authorId?: string) {
    const world = this.#options.world;
    if (!CONTENT_EVENTS.has(event) || authorId === world.botUserId) return data;
    if ((session.intents & GatewayIntentBits.MessageContent) !== 0) return data;
    return { ...data, content: '', embeds: [], attachments: [], components: [] };
  }

  #accept(socket: WebSocket): void {
    let session: SessionState | null = null;
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.#options.heartbeatIntervalMs }, s: null, t: null }));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (session && session.socket === socket) session.socket = null;
    });
    socket.on('message', (raw) => {
      let payload: { op?: number; d?: Record<string, unknown> | null };
      try {
        payload = JSON.parse(raw.toString());
      } catch {
        socket.close(4002, 'Decode error');
        return;
      }
      switch (payload.op) {
        case 1:
          socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          return;
        case 2:
          if (session) return socket.close(4005, 'Already authenticated');
          if (payload.d?.token !== this.#options.botToken) return socket.close(4004, 'Authentication failed');
          const shard = parseShard(payload.d?.shard);
          if (!shard) return socket.close(4010, 'Invalid shard');
          session = { id: randomToken(16), shard, intents: Number(payload.d?.intents ?? 0), seq: 0, socket };
          this.#sessions.set(session.id, session);
          this.#identified(session);
          return;
        case 6: {
          const resumed = this.#sessions.get(String(payload.d?.session_id));
          if (!resumed || payload.d?.token !== this.#options.botToken) {
            socket.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
            return;
          }
          resumed.socket = socket;
          session = resumed;
          this.#send(resumed, { op: 0, t: 'RESUMED', d: {} });
          return;
        }
        case 8:
          if (!session) return socket.close(4003, 'Not authenticated');
          this.#memberChunk(session, payload.d ?? {});
          return;
        case 3:
        case 4:
          if (!session) socket.close(4003, 'Not authenticated');
          return;
        default:
          socket.close(4001, 'Unknown opcode');
      }
    });
  }

  #identified(session: SessionState): void {
    const world = this.#options.world;
    const [shardId, shardCount] = session.shard;
    const guilds = [...world.guilds.values()].filter((g) => guildShard(g.id, shardCount) === shardId);
    this.#send(session, {
      op: 0,
      t: 'READY',
      d: {
        v: 10,
        user: { ...apiUser(world.user(world.botUserId)), verified: true, mfa_enabled: false },
        guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
        session_id: session.id,
        session_type: 'normal',
        resume_gateway_url: this.#options.url(),
        shard: [shardId, shardCount],
        application: { id: world.applicationId, flags: 0 },
        private_channels: [],
        relationships: [],
        presences: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        user_settings: {},
        auth: {},
      },
    });
    for (const guild of guilds) {
      if ((session.intents & GatewayIntentBits.Guilds) === 0) break;
      this.#send(session, { op: 0, t: 'GUILD_CREATE', d: guildCreatePayload(world, guild) });
    }
  }

  /** REQUEST_GUILD_MEMBERS (what guild.members.fetch() uses): one chunk with the matching members. */
  #memberChunk(session: SessionState, request: { guild_id?: string; query?: string; user_ids?: string[] | string; nonce?: string }): void {
    const world = this.#options.world;
    const guildId = String(request.guild_id ?? '');
    const wanted = request.user_ids === undefined ? null : new Set([request.user_ids].flat());
    const query = (request.query ?? '').toLowerCase();
    const members = world.membersOf(guildId).filter((m) =>
      wanted ? wanted.has(m.userId) : world.user(m.userId).username.toLowerCase().startsWith(query),
    );
    const notFound = wanted ? [...wanted].filter((id) => !members.some((m) => m.userId === id)) : [];
    this.#send(session, {
      op: 0,
      t: 'GUILD_MEMBERS_CHUNK',
      d: {
        guild_id: guildId,
        members: members.map((m) => apiMember(world, guildId, m.userId)),
        chunk_index: 0,
        chunk_count: 1,
        ...(notFound.length > 0 ? { not_found: notFound } : {}),
        ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
      },
    });
  }

  #send(session: SessionState, payload: { op: number; t?: string; d: unknown }): void {
    if (!session.socket) return;
    session.seq += payload.op === 0 ? 1 : 0;
    session.socket.send(JSON.stringify({ s: payload.op === 0 ? session.seq : null, t: null, ...payload }));
  }
}

/** IDENTIFY's `shard`: [shard_id, num_shards] with 0 <= shard_id < num_shards; absent means [0, 1]. */
function parseShard(raw: unknown): readonly [number, number] | undefined {
  if (raw === undefined || raw === null) return [0, 1];
  if (!Array.isArray(raw) || raw.length !== 2) return undefined;
  const [id, count] = raw as unknown[];
  if (!Number.isInteger(id) || !Number.isInteger(count)) return undefined;
  if ((count as number) < 1 || (id as number) < 0 || (id as number) >= (count as number)) return undefined;
  return [id as number, count as number];
}
