/**
 * Decides whether a preview edit may go out now. Previews are disposable: one that would arrive
 * late (an edit still in flight, the interval not yet over, or Discord's rate limit hit) is
 * dropped, never queued, so a slow or rate-limited channel never builds a backlog in front of the
 * final result.
 */
export class PreviewThrottle {
  #lastStart = -Infinity;
  #inFlight = false;
  #blockedUntil = 0;
  readonly #intervalMs: number;
  readonly #now: () => number;

  constructor(intervalMs: number, now: () => number = Date.now) {
    if (!(intervalMs >= 0)) throw new TypeError(`intervalMs must be >= 0, got ${intervalMs}`);
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** True when an edit may start now; the caller must then call `done()` when it settles. */
  tryStart(): boolean {
    const now = this.#now();
    if (this.#inFlight || now < this.#blockedUntil || now - this.#lastStart < this.#intervalMs) return false;
    this.#inFlight = true;
    this.#lastStart = now;
    return true;
  }

  /** The edit settled; `retryAfterMs` when Discord answered with a rate limit. */
  done(retryAfterMs = 0): void {
    this.#inFlight = false;
    if (retryAfterMs > 0) this.#blockedUntil = this.#now() + retryAfterMs;
  }

  get inFlight(): boolean {
    return this.#inFlight;
  }
}
