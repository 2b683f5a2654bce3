/**
 * Rate-limit headers and injected 429 storms. @discordjs/rest paces itself from X-RateLimit-* and
 * Retry-After (a 429 without Retry-After is retried in a hot loop), so every answer carries them.
 */
import { createHash } from 'node:crypto';

/** Headroom reported on every ordinary answer, so the client never has to wait unless a test says so. */
const BUCKET_LIMIT = 50;

export interface RateLimitOptions {
  /** Only this HTTP method (any when omitted). */
  readonly method?: string;
  /** Decoded path without /api/v10; a string matches when the path contains it. */
  readonly path: RegExp | string;
  /** How many matching requests answer 429 before the storm passes. */
  readonly count: number;
  readonly retryAfterMs: number;
  /** A global limit (X-RateLimit-Global), which stalls every route of the client. */
  readonly global?: boolean;
  /**
   * Only requests about this guild: its channels, and the webhooks of interactions made in it.
   * Discord keys limits by channel and by webhook, so one busy server can be limited alone.
   */
  readonly guildId?: string;
}

/** A running storm; `hits` counts the 429s it has answered. */
export class RateLimitStorm {
  hits = 0;
  #stopped = false;
  constructor(readonly options: RateLimitOptions) {}

  get exhausted(): boolean {
    return this.#stopped || this.hits >= this.options.count;
  }

  /** Ends the storm now (for storms given a count too large to run out, e.g. Infinity). */
  stop(): void {
    this.#stopped = true;
  }

  /** `guildOf` names the guild a request is about, or null; asked only when the storm is limited to one. */
  matches(method: string, path: string, guildOf: () => string | null = () => null): boolean {
    if (this.exhausted) return false;
    if (this.options.method && this.options.method.toUpperCase() !== method) return false;
    const pathMatches = typeof this.options.path === 'string' ? path.includes(this.options.path) : this.options.path.test(path);
    return pathMatches && (this.options.guildId === undefined || guildOf() === this.options.guildId);
  }
}

function bucketHash(route: string): string {
  return createHash('sha1').update(route).digest('hex').slice(0, 16);
}

export function okHeaders(route: string): Record<string, string> {
  const resetAfter = 1;
  return {
    'x-ratelimit-limit': String(BUCKET_LIMIT),
    'x-ratelimit-remaining': String(BUCKET_LIMIT - 1),
    'x-ratelimit-reset': ((Date.now() + resetAfter * 1000) / 1000).toFixed(3),
    'x-ratelimit-reset-after': resetAfter.toFixed(3),
    'x-ratelimit-bucket': bucketHash(route),
  };
}

/**
 * Headers of a 429. Retry-After is sent in fractional seconds (real Discord rounds it up to whole
 * seconds) so storms stay fast in tests; @discordjs/rest parses it with Number() either way.
 */
export function limitedHeaders(route: string, storm: RateLimitStorm): Record<string, string> {
  const seconds = (storm.options.retryAfterMs / 1000).toFixed(3);
  return {
    'x-ratelimit-limit': String(BUCKET_LIMIT),
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': ((Date.now() + storm.options.retryAfterMs) / 1000).toFixed(3),
    'x-ratelimit-reset-after': seconds,
    'x-ratelimit-bucket': bucketHash(route),
    'x-ratelimit-scope': storm.options.global ? 'global' : 'user',
    'retry-after': seconds,
    ...(storm.options.global ? { 'x-ratelimit-global': 'true' } : {}),
  };
}

export function limitedBody(storm: RateLimitStorm): Record<string, unknown> {
  return {
    message: 'You are being rate limited.',
    retry_after: storm.options.retryAfterMs / 1000,
    global: storm.options.global ?? false,
    code: 0,
  };
}
