/**
 * Faults a test injects into matching requests, beside rate-limit storms: Discord refusing a post
 * with one of its JSON errors (50013 Missing Permissions, 10003 Unknown Channel, ...), and a request
 * held unanswered until the test releases it (a slow or stalled Discord, without timing).
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

function matches(match: RequestMatch, request: RequestRecord): boolean {
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  const pathOk = typeof match.path === 'string' ? request.path.includes(match.path) : match.path.test(request.path);
  return pathOk && (match.where?.(request) ?? true);
}

/** Answers the next `count` matching requests with a Discord error instead of carrying them out. */
export class RequestFailure {
  hits = 0;
  constructor(
    readonly match: RequestMatch,
    readonly error: () => ApiError,
  ) {}

  take(request: RequestRecord): ApiError | undefined {
    if (this.hits >= (this.match.count ?? 1) || !matches(this.match, request)) return undefined;
    this.hits += 1;
    return this.error();
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
