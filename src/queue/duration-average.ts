/**
 * The moving average of recent job durations that ETAs are based on. Recent jobs only, because
 * durations shift when the model, image sizes or step counts people ask for change.
 */
export class DurationAverage {
  readonly #window: number;
  readonly #initialMs: number;
  #recent: number[] = [];
  #next = 0;

  /**
   * @param window How many recent durations the average covers.
   * @param initialMs The answer before any duration was recorded.
   */
  constructor(window: number, initialMs: number) {
    if (!(Number.isInteger(window) && window >= 1)) {
      throw new TypeError(`Expected \`window\` to be an integer from 1 and up, got \`${window}\` (${typeof window})`);
    }
    if (!(Number.isFinite(initialMs) && initialMs >= 0)) {
      throw new TypeError(`Expected \`initialMs\` to be a finite number >= 0, got \`${initialMs}\` (${typeof initialMs})`);
    }
    this.#window = window;
    this.#initialMs = initialMs;
  }

  /** Milliseconds: the mean of the recorded durations still in the window, or the initial guess. */
  get value(): number {
    if (this.#recent.length === 0) return this.#initialMs;
    let sum = 0;
    for (const ms of this.#recent) sum += ms;
    return sum / this.#recent.length;
  }

  record(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) {
      throw new TypeError(`Expected a duration to be a finite number >= 0, got \`${ms}\` (${typeof ms})`);
    }
    // A ring: once full, each new duration replaces the oldest.
    if (this.#recent.length < this.#window) this.#recent.push(ms);
    else this.#recent[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#window;
  }
}
