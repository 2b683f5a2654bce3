/**
 * A database that stalls: every call into the store's repositories waits while the stall is on.
 * Tests use it to show what happens before the database answers (acknowledgements must not wait
 * for it), by events rather than by timing: `entered` resolves once a call is waiting.
 */
import type { Store } from '../../src/store/index.ts';

export interface StoreStall {
  /** Resolves when the first call has reached the stalled store (and is waiting). */
  readonly entered: Promise<string>;
  /** Names of the calls that reached the store since the stall began ("ledger.grant"...), in order. */
  readonly calls: readonly string[];
  /** Lets every waiting and later call through. */
  release(): void;
}

/** Stalls `store` until release(). */
export function stallStore(store: Store): StoreStall {
  const calls: string[] = [];
  let entered!: (name: string) => void;
  let open!: () => void;
  const enteredPromise = new Promise<string>((resolve) => (entered = resolve));
  const gate = new Promise<void>((resolve) => (open = resolve));
  const restore: Array<() => void> = [];
  for (const [repoName, repo] of Object.entries(store)) {
    if (typeof repo !== 'object' || repo === null) continue;
    for (const [method, fn] of Object.entries(repo as Record<string, unknown>)) {
      if (typeof fn !== 'function') continue;
      const target = repo as Record<string, unknown>;
      const original = fn as (...args: unknown[]) => Promise<unknown>;
      target[method] = async (...args: unknown[]) => {
        const name = `${repoName}.${method}`;
        calls.push(name);
        entered(name);
        await gate;
        return original.apply(repo, args);
      };
      restore.push(() => (target[method] = original));
    }
  }
  return {
    entered: enteredPromise,
    calls,
    release() {
      for (const undo of restore) undo();
      open();
    },
  };
}
