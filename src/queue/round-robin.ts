/**
 * Turn-taking among keys that have work waiting: guilds sharing the inference slots, or users
 * sharing one guild's turns. It only counts; the jobs themselves live elsewhere.
 */

interface Turn {
  waiting: number;
  running: number;
  /** Serial of this key's latest start; 0 until it has started something. */
  lastStart: number;
}

/**
 * Picks whose turn it is. Among keys with work waiting (and allowed by the caller), the turn goes
 * to the key with the fewest jobs running, then to the one served longest ago, then to the one
 * that joined first. A key joining (it had nothing waiting or running) has never been served, so
 * it goes before every key that has: a guild submitting one job while another holds ten gets the
 * next slot. A key is forgotten once it has nothing waiting or running, so memory stays bounded
 * by the keys with work.
 *
 * With one slot, nothing runs when a pick is made, so the order is plain round-robin. With more,
 * "fewest running" is what keeps a guild from holding two slots while another guild waits.
 */
export class RoundRobin<K> {
  // Map iteration follows insertion, which is join order: the last tie-break comes for free.
  #turns = new Map<K, Turn>();
  #starts = 0;

  /** Whose turn it is, among keys with work waiting that `eligible` accepts; undefined if none. */
  next(eligible: (key: K) => boolean = () => true): K | undefined {
    let best: K | undefined;
    let bestTurn: Turn | undefined;
    for (const [key, turn] of this.#turns) {
      if (turn.waiting === 0 || !eligible(key)) continue;
      if (
        bestTurn === undefined ||
        turn.running < bestTurn.running ||
        (turn.running === bestTurn.running && turn.lastStart < bestTurn.lastStart)
      ) {
        best = key;
        bestTurn = turn;
      }
    }
    return best;
  }

  /** One more job waits for `key`. */
  add(key: K): void {
    const turn = this.#turns.get(key);
    if (turn) turn.waiting++;
    else this.#turns.set(key, { waiting: 1, running: 0, lastStart: 0 });
  }

  /** A waiting job of `key` left without starting (cancelled). */
  remove(key: K): void {
    const turn = this.#get(key);
    if (turn.waiting === 0) throw new Error(`RoundRobin: ${String(key)} has nothing waiting`);
    turn.waiting--;
    this.#forgetIfIdle(key, turn);
  }

  /** A waiting job of `key` started: this is `key` taking its turn. */
  start(key: K): void {
    const turn = this.#get(key);
    if (turn.waiting === 0) throw new Error(`RoundRobin: ${String(key)} has nothing waiting`);
    turn.waiting--;
    turn.running++;
    turn.lastStart = ++this.#starts;
  }

  /** A running job of `key` ended, however it ended. */
  finish(key: K): void {
    const turn = this.#get(key);
    if (turn.running === 0) throw new Error(`RoundRobin: ${String(key)} has nothing running`);
    turn.running--;
    this.#forgetIfIdle(key, turn);
  }

  /** Whether `key` has anything waiting or running. */
  has(key: K): boolean {
    return this.#turns.has(key);
  }

  running(key: K): number {
    return this.#turns.get(key)?.running ?? 0;
  }

  waiting(key: K): number {
    return this.#turns.get(key)?.waiting ?? 0;
  }

  /** An independent copy, for predicting future picks without touching the real turns. */
  clone(): RoundRobin<K> {
    const copy = new RoundRobin<K>();
    for (const [key, turn] of this.#turns) copy.#turns.set(key, { ...turn });
    copy.#starts = this.#starts;
    return copy;
  }

  #get(key: K): Turn {
    const turn = this.#turns.get(key);
    if (!turn) throw new Error(`RoundRobin: unknown key ${String(key)}`);
    return turn;
  }

  #forgetIfIdle(key: K, turn: Turn): void {
    if (turn.waiting === 0 && turn.running === 0) this.#turns.delete(key);
  }
}
