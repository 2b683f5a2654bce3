/** What /cancel and /mod cancel answer: the real outcome of the request, with the credits involved. */
import type { CancelOutcome } from '../services/job-service.ts';
import { quotePrompt } from './result-message.ts';

function credits(n: number): string {
  return `${n} credit${n === 1 ? '' : 's'}`;
}

/**
 * `moderator`: said to the moderator who cancelled someone's job (names the owner, without pinging).
 */
export function cancelText(o: CancelOutcome, moderator = false): string {
  const { job } = o;
  const whose = moderator ? ` of <@${job.userId}>` : '';
  const their = moderator ? 'their' : 'your';
  const name = `job ${job.id}${whose} (**${quotePrompt(job.prompt, 100)}**)`;
  const Name = name[0].toUpperCase() + name.slice(1);
  switch (o.outcome) {
    case 'cancelled':
      return o.refunded > 0 ? `Cancelled ${name}; ${credits(o.refunded)} returned.` : `Cancelled ${name}; nothing was charged.`;
    case 'posting':
      return `${Name} was not cancelled: its picture was already made and is being posted. ${o.cost > 0 ? `${credits(o.cost)} will be charged once it arrives (returned if Discord refuses it).` : 'It costs nothing.'}`;
    case 'delivered':
      return `${Name} was not cancelled: it had already finished and was delivered${o.charged > 0 ? `; ${credits(o.charged)} charged` : ''}.`;
    case 'ended': {
      const how = job.status === 'failed' ? `failed${job.error ? ` (${job.error.slice(0, 200)})` : ''}` : `been cancelled${job.error ? ` (${job.error})` : ''}`;
      return `${Name} had already ${how}; ${o.refunded > 0 ? `${their} ${credits(o.refunded)} were returned` : 'nothing was charged'}.`;
    }
  }
}

/** The audit log's record of a /mod cancel: what happened, not what was asked. */
export function cancelAudit(o: CancelOutcome): { action: string; details: Record<string, unknown> } {
  const details = { owner: o.job.userId, prompt: o.job.prompt.slice(0, 200) };
  if (o.outcome === 'cancelled') return { action: 'cancel-job', details: { ...details, refunded: o.refunded } };
  return { action: 'cancel-job-too-late', details: { ...details, outcome: o.outcome, status: o.job.status } };
}
