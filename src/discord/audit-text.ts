/** The moderation audit log in words, one line per action, for /mod audit. */
import { escapeMarkdown } from 'discord.js';
import type { ModActionRecord } from '../store/index.ts';
import { when } from './quota-text.ts';

type Details = Record<string, unknown>;

function describe(r: ModActionRecord): string {
  const d = (r.details ?? {}) as Details;
  const user = r.target ? `<@${r.target}>` : 'someone';
  switch (r.action) {
    case 'cancel-job':
      return `cancelled job ${r.target}${d.owner ? ` of <@${String(d.owner)}>` : ''}`;
    case 'cancel-job-too-late':
      return `tried to cancel job ${r.target}${d.owner ? ` of <@${String(d.owner)}>` : ''}, but it had already ${d.outcome === 'posting' ? 'been made and was being posted' : d.outcome === 'delivered' ? 'been delivered' : 'ended'}`;
    case 'pause':
      return "paused the server's queue";
    case 'resume':
      return "resumed the server's queue";
    case 'ban-word':
      return `banned the word "${escapeMarkdown(r.target ?? '')}"${d.added === false ? ' (it already was)' : ''}`;
    case 'unban-word':
      return `allowed the word "${escapeMarkdown(r.target ?? '')}" again${d.removed === false ? ' (it was not banned)' : ''}`;
    case 'set-role':
      return r.target ? `made <@&${r.target}> the moderator role` : 'removed the moderator role';
    case 'set-model':
      return r.target ? `made ${escapeMarkdown(r.target)} the server's default model` : "put the server back on the bot's default model";
    case 'set-limits': {
      const parts = [d.maxJobsPerUser !== undefined ? `per-user ${String(d.maxJobsPerUser)}` : '', d.maxQueuePerGuild !== undefined ? `queue ${String(d.maxQueuePerGuild)}` : ''];
      return `set the queue limits: ${parts.filter(Boolean).join(', ')}`;
    }
    case 'set-quota':
      return d.daily === null ? `put ${user} back on the server's default allowance` : `set ${user}'s daily allowance to ${String(d.daily)}`;
    case 'grant-credits':
      return `granted ${String(d.credits)} bonus credits to ${user}${d.note ? ` (${escapeMarkdown(String(d.note))})` : ''}`;
    case 'reset-quota':
      return `gave ${user} back ${String(d.restored)} of the day's credits`;
    case 'set-default-quota':
      return `set the server's daily allowance to ${String(d.daily)}`;
    default:
      return `${r.action}${r.target ? ` ${r.target}` : ''}`;
  }
}

export function auditLine(r: ModActionRecord): string {
  // A command that stopped between claiming its interaction and recording what it did: no details.
  const what = r.pending ? `started ${r.action}${r.target ? ` (${r.target})` : ''} but was interrupted: it may not have taken effect` : describe(r);
  return `${when(r.createdAt)} <@${r.actorId}> ${what}`;
}
