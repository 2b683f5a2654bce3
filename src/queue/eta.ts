/**
 * When waiting jobs will start and finish, given how long each is expected to take and when each
 * slot frees up. Pure arithmetic over the predicted start order; the scheduler supplies both.
 */

export interface Eta {
  /** Milliseconds from now until the job starts (0 when running). */
  readonly startsInMs: number;
  /** Milliseconds from now until the job is expected to finish. */
  readonly finishesInMs: number;
}

/**
 * Each job, in order, takes the slot that frees first. `slotFreeInMs` has one entry per slot:
 * the remaining time of the job on it (0 if free or overdue). Returns one `Eta` per job.
 */
export function projectEtas(slotFreeInMs: readonly number[], durationsMs: readonly number[]): Eta[] {
  if (slotFreeInMs.length === 0) throw new RangeError('projectEtas needs at least one slot');
  const free = slotFreeInMs.map((ms) => Math.max(0, ms));
  return durationsMs.map((duration) => {
    let slot = 0;
    for (let i = 1; i < free.length; i++) if (free[i] < free[slot]) slot = i;
    const startsInMs = free[slot];
    free[slot] = startsInMs + duration;
    return { startsInMs, finishesInMs: free[slot] };
  });
}
