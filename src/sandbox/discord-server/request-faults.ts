/**
 * Faults a test injects into matching requests, beside rate-limit storms: Discord refusing a
 * request with one of its JSON errors (50013 Missing Permissions, 10062 Unknown interaction...),
 * the connection dropped before or after Discord acted on it (a client sees a network error either
 * way and cannot tell them apart), and a request held unanswered until the test releases it (a
 * slow or stalled Discord, without timing).
 */
import type { ApiError } from './api-error.ts';
import type { RequestRecord } from './records.ts';

export interface RequestMatch {
  /** Only this HTTP method (any when omitted). */
  readonly method?: string;
  /** Decoded path without /api/v10; a string matches when the path contains it. */
  readonly path: RegExp | string;
  /** A further condition on the request (its body, its files). */
  readonly where?: (request: RequestRecord) => boolean;
  /** How many matching requests it applies to before it passes. @default 1 */
  readonly count?: number;
}

/**
 * An ApiError (or a maker of one): answered instead of running the route, so nothing happens.
 * 'drop-before': the connection closes unanswered and nothing happens.
 * 'drop-after': the request takes effect, then the connection closes unanswered.
 */
export type RequestFailureKind = ApiError | (() => ApiError) | 'drop-before' | 'drop-after';

function matches(match: RequestMatch, request: RequestRecord): boolean {
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  const pathOk = typeof match.path === 'string' ? request.path.includes(match.path) : match.path.test(request.path);
  return pathOk && (match.where?.(request) ?? true);
}

/** Fails the next `count` matching requests; `hits` counts those it failed. */
export class RequestFailure {
  hits = 0;
  constructor(
    readonly match: RequestMatch,
    readonly failure: RequestFailureKind,
  ) {}

  /** How this request fails, or undefined when the failure does not apply to it. */
  take(request: RequestRecord): ApiError | 'drop-before' | 'drop-after' | undefined {
    if (this.hits >= (this.match.count ?? 1) || !matches(this.match, request)) return undefined;
    this.hits += 1;
    return typeof this.failure === 'function' ? this.failure() : this.failure;
  }
}

/**
 * Holds the next `count` matching requests before they are carried out, until release(). A held
 * request whose client gave up is still carried out on release, as Discord would have; close()
 * drops the ones never released.
 */
export class RequestHold {
  readonly held: RequestRecord[] = [];
  #release!: () => void;
  readonly #released: Promise<void>;
  #arrived!: (request: RequestRecord) => void;
  /** Resolves with the first request it holds. */
  readonly arrived: Promise<RequestRecord>;

  constructor(readonly match: RequestMatch) {
    this.#released = new Promise((resolve) => (this.#release = resolve));
    this.arrived = new Promise((resolve) => (this.#arrived = resolve));
  }

  /** The promise to wait on before carrying `request` out, or undefined when it does not apply. */
  take(request: RequestRecord): Promise<void> | undefined {
    if (this.held.length >= (this.match.count ?? 1) || !matches(this.match, request)) return undefined;
    this.held.push(request);
    this.#arrived(request);
    return this.#released;
  }

  release(): void {
    this.#release();
  }
}
