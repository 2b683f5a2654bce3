/**
 * One guild's waiting jobs: a first-in-first-out line per user, with users taking turns, so a
 * member with ten jobs queued does not hold up a member with one.
 */
import type { QueuedJob } from './queued-job.ts';
import { RoundRobin } from './round-robin.ts';

export class GuildLine<J extends QueuedJob> {
  #users = new RoundRobin<string>();
  #lines = new Map<string, J[]>();
  #size = 0;

  /** Jobs waiting (not running) in this guild. */
  get size(): number {
    return this.#size;
  }

  push(job: J): void {
    const line = this.#lines.get(job.userId);
    if (line) line.push(job);
    else this.#lines.set(job.userId, [job]);
    this.#users.add(job.userId);
    this.#size++;
  }

  /**
   * The job that starts when this guild next gets a slot; with `canStart`, the first job of the
   * member whose turn it is among those whose next job may start now (a member's own jobs keep
   * their order, so only the head of each member's line is asked).
   */
  peek(canStart?: (job: J) => boolean): J | undefined {
    const userId = this.#users.next(canStart ? (id) => canStart(this.#lines.get(id)![0]) : undefined);
    return userId === undefined ? undefined : this.#lines.get(userId)?.[0];
  }

  /** `job` (which must be `peek()`'s answer) starts running. */
  start(job: J): void {
    const line = this.#lines.get(job.userId);
    if (line?.[0] !== job) throw new Error(`GuildLine: ${job.id} is not at the head of its user's line`);
    line.shift();
    if (line.length === 0) this.#lines.delete(job.userId);
    this.#users.start(job.userId);
    this.#size--;
  }

  /** A running job of this guild ended. */
  finish(job: J): void {
    this.#users.finish(job.userId);
  }

  /** Takes a waiting job out of the line (cancelled); false if it was not waiting here. */
  remove(job: J): boolean {
    const line = this.#lines.get(job.userId);
    const index = line?.indexOf(job) ?? -1;
    if (!line || index === -1) return false;
    line.splice(index, 1);
    if (line.length === 0) this.#lines.delete(job.userId);
    this.#users.remove(job.userId);
    this.#size--;
    return true;
  }

  /** An independent copy (the jobs themselves are shared, not copied). */
  clone(): GuildLine<J> {
    const copy = new GuildLine<J>();
    copy.#users = this.#users.clone();
    for (const [userId, line] of this.#lines) copy.#lines.set(userId, [...line]);
    copy.#size = this.#size;
    return copy;
  }
}
