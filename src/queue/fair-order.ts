/**
 * The fair start order across all guilds: which waiting job takes the next free inference slot,
 * and a prediction of the whole future start order made by running the same rules on a copy.
 * Pure bookkeeping: no timers, no promises, nothing runs here.
 */
import { GuildLine } from './guild-line.ts';
import type { QueuedJob } from './queued-job.ts';
import { RoundRobin } from './round-robin.ts';

export interface PredictedOrder<J> {
  /** Waiting jobs of unpaused guilds, in the order they will start. */
  readonly order: readonly J[];
  /** Jobs of paused guilds, in the order they would start if every pause ended after `order` ran. */
  readonly held: readonly J[];
}

export class FairOrder<J extends QueuedJob> {
  #guilds = new RoundRobin<string>();
  #lines = new Map<string, GuildLine<J>>();
  #paused = new Set<string>();

  /** Jobs waiting (held by paused guilds included). */
  get size(): number {
    let size = 0;
    for (const line of this.#lines.values()) size += line.size;
    return size;
  }

  /** Jobs waiting in `guildId` (held or not). */
  waiting(guildId: string): number {
    return this.#lines.get(guildId)?.size ?? 0;
  }

  /** Whether `guildId` has anything waiting or running. */
  busy(guildId: string): boolean {
    return this.#guilds.has(guildId);
  }

  push(job: J): void {
    let line = this.#lines.get(job.guildId);
    if (!line) this.#lines.set(job.guildId, (line = new GuildLine<J>()));
    line.push(job);
    this.#guilds.add(job.guildId);
  }

  /**
   * The job the next free slot goes to; undefined when nothing may start. `canStart` narrows the
   * choice to jobs that have somewhere to run now (a worker serving their model): the turn passes
   * over a guild or member whose next job cannot start, without costing them their place.
   */
  next(canStart?: (job: J) => boolean): J | undefined {
    const guildId = this.#guilds.next((id) => !this.#paused.has(id) && (!canStart || this.#lines.get(id)?.peek(canStart) !== undefined));
    return guildId === undefined ? undefined : this.#lines.get(guildId)?.peek(canStart);
  }

  /** `job`, which must be `next()`'s answer, takes a slot. */
  start(job: J): void {
    this.#line(job).start(job);
    this.#guilds.start(job.guildId);
  }

  /** A running job ended, however it ended. */
  finish(job: J): void {
    this.#line(job).finish(job);
    this.#guilds.finish(job.guildId);
    this.#dropLineIfIdle(job.guildId);
  }

  /** Takes a waiting job out (cancelled); false if it was not waiting. */
  remove(job: J): boolean {
    const line = this.#lines.get(job.guildId);
    if (!line?.remove(job)) return false;
    this.#guilds.remove(job.guildId);
    this.#dropLineIfIdle(job.guildId);
    return true;
  }

  // A paused guild keeps its turn bookkeeping: when it resumes it is judged on what it was last
  // served, not treated as a newcomer. Pausing a guild with nothing queued still holds what comes.
  pause(guildId: string): void {
    this.#paused.add(guildId);
  }

  resume(guildId: string): void {
    this.#paused.delete(guildId);
  }

  isPaused(guildId: string): boolean {
    return this.#paused.has(guildId);
  }

  get pausedGuilds(): readonly string[] {
    return [...this.#paused];
  }

  /**
   * Plays the rules forward on a copy. `running` are the jobs holding slots, oldest first. Whenever
   * every slot is taken, the oldest running job is assumed to finish first: that is exact with one
   * slot, and with several it is exact whenever jobs finish in the order they started (the same
   * equal-duration assumption the ETA makes). The scheduler predicts again on every change.
   */
  predict(running: readonly J[], slots: number): PredictedOrder<J> {
    const sim = this.#clone();
    const active = [...running];
    const playOut = (): J[] => {
      const started: J[] = [];
      while (sim.next() !== undefined) {
        if (active.length >= slots) sim.finish(active.shift()!);
        // Finishing may change whose turn it is (fewer running), so ask again.
        const job = sim.next()!;
        sim.start(job);
        active.push(job);
        started.push(job);
      }
      return started;
    };
    const order = playOut();
    sim.#paused.clear();
    return { order, held: playOut() };
  }

  #clone(): FairOrder<J> {
    const copy = new FairOrder<J>();
    copy.#guilds = this.#guilds.clone();
    for (const [guildId, line] of this.#lines) copy.#lines.set(guildId, line.clone());
    copy.#paused = new Set(this.#paused);
    return copy;
  }

  #line(job: J): GuildLine<J> {
    const line = this.#lines.get(job.guildId);
    if (!line) throw new Error(`FairOrder: unknown guild ${job.guildId}`);
    return line;
  }

  #dropLineIfIdle(guildId: string): void {
    if (!this.#guilds.has(guildId)) this.#lines.delete(guildId);
  }
}
