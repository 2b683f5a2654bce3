/** Redis connections for BullMQ and for the keys beside it: redis:// or rediss:// (TLS), with a password where the URL has one. */
import { Redis } from 'ioredis';

export function connectRedis(url: string, name: string, options: { subscriber?: boolean } = {}): Redis {
  // BullMQ's blocking commands need maxRetriesPerRequest null. A subscriber's connection may send
  // nothing but (un)subscribe once subscribed, so it carries no name (CLIENT SETNAME on reconnect).
  return new Redis(url, { maxRetriesPerRequest: null, ...(options.subscriber ? {} : { connectionName: name }) });
}

export type { Redis };
