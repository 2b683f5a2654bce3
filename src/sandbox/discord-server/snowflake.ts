/** Discord-shaped ids and secrets: 18-19 digit snowflakes (discord.js calls BigInt(id) on them) and opaque tokens. */
import { randomBytes } from 'node:crypto';

const DISCORD_EPOCH_MS = 1_420_070_400_000n;

let last = 0n;

/** A fresh snowflake; strictly increasing so ids sort by creation, as Discord's do. */
export function nextSnowflake(): string {
  const fromClock = (BigInt(Date.now()) - DISCORD_EPOCH_MS) << 22n;
  last = fromClock > last ? fromClock : last + 1n;
  return last.toString();
}

/** The creation time encoded in a snowflake, in ms since the Unix epoch. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH_MS);
}

/** An unguessable url-safe token, long like Discord's interaction tokens. */
export function randomToken(bytes = 48): string {
  return randomBytes(bytes).toString('base64url');
}

/** A bot token in Discord's three-part shape; the first part is the base64 of the application id. */
export function botTokenFor(applicationId: string): string {
  return `${Buffer.from(applicationId).toString('base64url')}.${randomToken(4)}.${randomToken(28)}`;
}
