/**
 * What a shard and the sharding manager say to each other about the one global fair queue, over
 * the IPC channel of discord.js's ShardingManager. Every message is wrapped in `{ fairQueue }`, so
 * discord.js's own messages (_ready, _eval...) and ours never mix.
 *
 * A shard numbers what it sends (`seq`, from 1 per shard process); the manager says in each view
 * the last one it has taken in (`seen`). A shard's own changes newer than `seen` (a job just
 * submitted, a pause just asked) are laid over the view, so it never reads back an older state.
 */

export interface QueuedJobWire {
  id: string;
  guildId: string;
  userId: string;
  pool?: string;
}

/** Shard → manager. */
export type ShardMessage = { seq: number } & (
  | { kind: 'submit'; job: QueuedJobWire }
  | { kind: 'cancel'; id: string }
  /** The job the manager started here has ended; `ok`: it ran to the end (its time counts in the ETAs). */
  | { kind: 'finished'; id: string; ok: boolean }
  | { kind: 'pause'; guildId: string }
  | { kind: 'resume'; guildId: string }
  /** Restart recovery is over: jobs this shard had before it died and did not claim again are dropped. */
  | { kind: 'recovered' }
);

/** Where the shard's jobs stand in the global queue, as of `at` (ms, the manager's clock). */
export interface ShardView {
  kind: 'view';
  seen: number;
  at: number;
  running: Array<{ id: string; startedAt: number }>;
  /** In start order; position null while the server is paused. */
  waiting: Array<{ id: string; position: number | null; startsInMs?: number; finishesInMs?: number }>;
  /** Paused servers of this shard. */
  pausedGuilds: string[];
  /** Jobs waiting with a place in line, all shards together (a new job's place is at most one more). */
  waitingTotal: number;
}

/** Manager → shard. */
export type ManagerMessage = ShardView | { kind: 'start'; id: string };

export interface Envelope<T> {
  fairQueue: T;
}

export function isEnvelope<T>(message: unknown): message is Envelope<T> {
  return typeof message === 'object' && message !== null && 'fairQueue' in message;
}
