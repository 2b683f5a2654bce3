/**
 * Who a new message would notify, from its content and allowed_mentions, following Discord's rules:
 * without allowed_mentions everything parsed pings; with it, only what `parse` or the id lists allow.
 * Edits never notify, so only creation is evaluated.
 */
import type { AllowedMentions, Pings } from './records.ts';

export const NO_PINGS: Pings = { users: [], roles: [], everyone: false };

export function pingsOf(content: string, allowed: AllowedMentions | undefined): Pings {
  const users = [...new Set([...content.matchAll(/<@!?(\d{17,20})>/g)].map((m) => m[1]))];
  const roles = [...new Set([...content.matchAll(/<@&(\d{17,20})>/g)].map((m) => m[1]))];
  const everyone = /@(everyone|here)\b/.test(content);
  if (!allowed) return { users, roles, everyone };
  const parse = new Set(allowed.parse ?? []);
  return {
    users: parse.has('users') ? users : users.filter((id) => allowed.users?.includes(id)),
    roles: parse.has('roles') ? roles : roles.filter((id) => allowed.roles?.includes(id)),
    everyone: everyone && parse.has('everyone'),
  };
}
