/**
 * Discord's GET /gateway/bot: how many shards it recommends and how many sessions may start (the
 * identify limits). discord.js's own `fetchRecommendedShardCount` always asks discord.com, so a
 * DISCORD_API_URL would be ignored; this asks the configured REST base.
 */
import { REST, Routes, type RESTGetAPIGatewayBotResult } from 'discord.js';

export interface GatewayBotInfo {
  shards: number;
  /** Sessions that may still start before `resetAfterMs`. */
  remaining: number;
  resetAfterMs: number;
  /** Shards that may identify at once (their ids modulo this are their buckets). */
  maxConcurrency: number;
}

export async function fetchGatewayBot(token: string, apiUrl?: string): Promise<GatewayBotInfo> {
  const rest = new REST(apiUrl ? { api: apiUrl } : {}).setToken(token);
  const answer = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  const limit = answer.session_start_limit;
  return { shards: answer.shards, remaining: limit.remaining, resetAfterMs: limit.reset_after, maxConcurrency: Math.max(1, limit.max_concurrency) };
}
