/**
 * Injected request failures other than rate limits: a Discord error answer (10062 Unknown
 * interaction...), or the connection dropped before or after Discord acted on the request, which
 * a client sees as a network error either way and cannot tell apart.
 */
import type { ApiError } from './api-error.ts';

export interface RequestFaultOptions {
  /** Only this HTTP method (any when omitted). */
  readonly method?: string;
  /** Decoded path without /api/v10; a string matches when the path contains it. */
  readonly path: RegExp | string;
  /** How many matching requests fail before the fault passes. @default 1 */
  readonly count?: number;
  /**
   * An ApiError: answered instead of running the route (nothing happens).
   * 'drop-before': the connection closes unanswered and nothing happens.
   * 'drop-after': the request takes effect, then the connection closes unanswered.
   */
  readonly fail: ApiError | 'drop-before' | 'drop-after';
}

/** A pending fault; `hits` counts the requests it failed. */
export class RequestFault {
  hits = 0;
  constructor(readonly options: RequestFaultOptions) {}

  get exhausted(): boolean {
    return this.hits >= (this.options.count ?? 1);
  }

  matches(method: string, path: string): boolean {
    if (this.exhausted) return false;
    if (this.options.method && this.options.method.toUpperCase() !== method) return false;
    return typeof this.options.path === 'string' ? path.includes(this.options.path) : this.options.path.test(path);
  }
}
