/** Redis connections for BullMQ and for the keys beside it: redis:// or rediss:// (TLS), with a password where the URL has one. */
import { Redis } from 'ioredis';
import { redactUrl } from '../text/redact-url.ts';

export interface RedisConnectionOptions {
  /** A subscriber's connection may send nothing but (un)subscribe once subscribed. */
  subscriber?: boolean;
  /** Where a lost or refused connection is told (once per kind of failure, not once per retry). */
  log?: (message: string) => void;
}

export function connectRedis(url: string, name: string, options: RedisConnectionOptions = {}): Redis {
  // BullMQ's blocking commands need maxRetriesPerRequest null. A subscriber carries no name:
  // CLIENT SETNAME on reconnect is not a subscriber's command.
  const redis = new Redis(url, { maxRetriesPerRequest: null, ...(options.subscriber ? {} : { connectionName: name }) });
  // ioredis retries on its own; without a listener each retry's error is printed as unhandled.
  const log = options.log ?? ((m: string) => console.error(m));
  let told: string | undefined;
  redis.on('error', (err: Error) => {
    if (err.message === told) return;
    told = err.message;
    log(`Redis ${redactUrl(url)} (${name}): ${err.message}; retrying`);
  });
  redis.on('ready', () => {
    if (told !== undefined) log(`Redis ${redactUrl(url)} (${name}): connected again`);
    told = undefined;
  });
  return redis;
}

export type { Redis };
