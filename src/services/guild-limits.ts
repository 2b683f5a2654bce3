/**
 * A server's queue limits (/mod limits): how many jobs one member may have waiting or running, and
 * how many may wait in the server's queue. Stored in the guild's settings, where JobService reads
 * them on every submission; unset ones fall back to the bot-wide MAX_JOBS_PER_USER and
 * MAX_QUEUE_PER_GUILD.
 */
import type { Store } from '../store/index.ts';
import type { Actor } from './moderation-service.ts';
import { UserError } from './user-error.ts';

export interface QueueLimits {
  maxJobsPerUser: number;
  maxQueuePerGuild: number;
}

export interface LimitsView {
  maxJobsPerUser: { value: number; custom: boolean };
  maxQueuePerGuild: { value: number; custom: boolean };
}

/** The same ranges as the environment variables, so a server cannot set what the host could not. */
export const LIMIT_RANGES: Record<keyof QueueLimits, { min: number; max: number; label: string }> = {
  maxJobsPerUser: { min: 1, max: 100, label: 'per-user' },
  maxQueuePerGuild: { min: 1, max: 1000, label: 'queue' },
};

export class GuildLimits {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async current(guildId: string, defaults: QueueLimits): Promise<LimitsView> {
    const guild = await this.#store.guilds.get(guildId);
    const pick = (own: number | null | undefined, fallback: number) => (own == null ? { value: fallback, custom: false } : { value: own, custom: true });
    return {
      maxJobsPerUser: pick(guild?.maxJobsPerUser, defaults.maxJobsPerUser),
      maxQueuePerGuild: pick(guild?.maxQueuePerGuild, defaults.maxQueuePerGuild),
    };
  }

  /** Changes the limits given; refuses values outside their range, naming them. */
  async set(actor: Actor, patch: Partial<QueueLimits>, defaults: QueueLimits): Promise<LimitsView> {
    for (const key of Object.keys(LIMIT_RANGES) as Array<keyof QueueLimits>) {
      const value = patch[key];
      const { min, max, label } = LIMIT_RANGES[key];
      if (value !== undefined && (!Number.isSafeInteger(value) || value < min || value > max)) {
        throw new UserError(`limits.${label}`, `${label} must be a whole number from ${min} to ${max}, got ${value}`);
      }
    }
    const before = await this.current(actor.guildId, defaults);
    await this.#store.guilds.update(actor.guildId, patch);
    await this.#store.modActions.record({
      guildId: actor.guildId,
      actorId: actor.userId,
      action: 'set-limits',
      target: null,
      details: { ...patch, before: { maxJobsPerUser: before.maxJobsPerUser.value, maxQueuePerGuild: before.maxQueuePerGuild.value } },
      interactionId: actor.interactionId,
    });
    return this.current(actor.guildId, defaults);
  }
}
