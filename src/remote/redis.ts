/** Redis connections for BullMQ and for the keys beside it: redis:// or rediss:// (TLS), with a password where the URL has one. */
import { Redis } from 'ioredis';

export function connectRedis(url: string, name: string): Redis {
  // BullMQ's blocking commands need maxRetriesPerRequest null; the rest of ours are short.
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: name, lazyConnect: false });
}

export type { Redis };
