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
}

/** A running storm; `hits` counts the 429s it has answered. */
export class RateLimitStorm {
  hits = 0;
  constructor(readonly options: RateLimitOptions) {}

  get exhausted(): boolean {
    return this.hits >= this.options.count;
  }

  matches(method: string, path: string): boolean {
    if (this.exhausted) return false;
    if (this.options.method && this.options.method.toUpperCase() !== method) return false;
    return typeof this.options.path === 'string' ? path.includes(this.options.path) : this.options.path.test(path);
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
