/** What route handlers and the test-facing API share: the world, the gateway and the fake's settings. */
import type { Gateway } from './gateway.ts';
import type { MessageRecord } from './records.ts';
import type { World } from './world.ts';

export interface FakeSettings {
  /** How long an interaction token works (Discord: 15 minutes). */
  readonly tokenLifetimeMs: number;
  /** How long an interaction may go unacknowledged before its callback answers 10062 (Discord: 3 s). */
  readonly ackDeadlineMs: number;
  /** Total upload size allowed per message (Discord's default: 10 MiB). */
  readonly uploadLimitBytes: number;
  /** The clock that interaction deadlines (3 s to acknowledge, the token's life) are measured on. */
  readonly now: () => number;
  /** GET /gateway/bot's `shards`: how many shards Discord recommends (one per 1000 servers or so). */
  readonly recommendedShards: number;
  /** GET /gateway/bot's `session_start_limit.max_concurrency`: shards that may identify at once. */
  readonly maxConcurrency: number;
}

export interface FakeContext {
  readonly world: World;
  readonly gateway: Gateway;
  readonly settings: FakeSettings;
  /** http://127.0.0.1:PORT, known once the server listens. */
  readonly origin: () => string;
  /** Ids of world records (application, users, guilds, channels, roles); messages and interactions always get fresh ones. */
  readonly worldId: () => string;
  /** Called after a message was created, edited, deleted or reacted to (ephemerals too): the sandbox's page follows these. */
  readonly changed: (message: MessageRecord) => void;
}
