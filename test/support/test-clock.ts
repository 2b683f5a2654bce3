/** Wall-clock time plus an offset the test moves: "15 minutes pass" happens when the test says, at once. */
export class TestClock {
  #offsetMs = 0;

  /** Pass as a `() => number` clock; bound, so it can be handed around. */
  readonly now = (): number => Date.now() + this.#offsetMs;

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward: advance(${ms})`);
    this.#offsetMs += ms;
  }
}
