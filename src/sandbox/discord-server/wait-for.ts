/** Polling until a condition on the fake's state holds, failing with what was last seen when it never does. */
import { setTimeout as sleep } from 'node:timers/promises';

export const DEFAULT_TIMEOUT_MS = 60_000;

export interface WaitOptions {
  /**
   * Default 60 s: a safety net for a machine that is slow or loaded, never the thing under test.
   * Tests control timing with events (a held engine step, a moved clock) rather than with this.
   */
  readonly timeoutMs?: number;
  /** Default 5 ms: the fake's state changes on socket events, so polling is cheap. */
  readonly intervalMs?: number;
  /** What is being waited for, for the failure message. */
  readonly label?: string;
}

/**
 * Resolves with the probe's first truthy result. A probe that throws (e.g. an `expect`) counts as
 * "not yet", and its last error is reported on timeout; return true after assertions to pass.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  options: WaitOptions = {},
  diagnostics: () => string = () => '',
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      lastValue = await probe();
      lastError = undefined;
      if (lastValue) return lastValue as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(options.intervalMs ?? 5);
  }
  const what = options.label ?? probe.toString();
  const last = lastError instanceof Error ? `last error: ${lastError.message}` : `last value: ${describe(lastValue)}`;
  const extra = diagnostics();
  throw new Error(`waitFor timed out after ${timeoutMs} ms waiting for ${what}\n  ${last}${extra ? `\n${extra}` : ''}`, {
    cause: lastError,
  });
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))?.slice(0, 300) ?? String(value);
  } catch {
    return String(value);
  }
}
