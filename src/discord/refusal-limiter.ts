/**
 * Spacing of public refusals. A reaction has no interaction to answer privately, so its refusal is
 * a channel message; without a limit, toggling a reaction would make the bot post again and again.
 * At most one refusal per key (a member of a server) per interval; later ones are dropped.
 */
export class RefusalLimiter {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #lastPosted = new Map<string, number>();

  /**
   * @param intervalMs Least time between two refusals for one key.
   * @param now Clock in milliseconds. @default Date.now
   */
  constructor(intervalMs: number, now: () => number = Date.now) {
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw new Error(`intervalMs must be a positive number of milliseconds, got ${intervalMs}`);
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** True, and counted, when a refusal for `key` may be posted now. */
  tryPost(key: string): boolean {
    const now = this.#now();
    const last = this.#lastPosted.get(key);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    this.#lastPosted.set(key, now);
    if (this.#lastPosted.size > 10_000) this.#forgetExpired(now);
    return true;
  }

  /** Keeps memory bounded on a busy bot: entries past their interval decide nothing. */
  #forgetExpired(now: number): void {
    for (const [key, at] of this.#lastPosted) if (now - at >= this.#intervalMs) this.#lastPosted.delete(key);
  }
}
