/**
 * Admitting a job, before anything is written: the server's and the member's queue limits, and
 * the job row a planned request becomes (the store then creates it with its reservation).
 */
import type { NewJob, Store } from '../store/index.ts';
import type { PlannedJob } from './job-requests.ts';
import { UserError } from './user-error.ts';

export interface Requester {
  guildId: string;
  channelId: string;
  userId: string;
  userName?: string;
  /**
   * `messageIds`: the interaction's messages the jobs of this request show in, in order (one
   * /imagine with permutations: the reply, then a followup per job); none: the reply.
   */
  interaction?: { id: string; token: string; expiresAt: Date; messageIds?: readonly string[] };
  /** Largest upload Discord takes for the result here, in bytes; kept with the job for restarts. */
  attachmentSizeLimit?: number;
}

/**
 * Refuses when the server's queue is full or the member has too many jobs waiting, running or
 * being posted here. Per-server settings win over the bot's defaults.
 */
export async function checkLimits(
  store: Store,
  defaults: { maxQueuePerGuild: number; maxJobsPerUser: number },
  guildId: string,
  counts: { waiting: number; mine: number },
  /** Jobs this request would add (a permutation adds several, admitted all or none). */
  adding = 1,
): Promise<void> {
  const guild = await store.guilds.get(guildId);
  const maxQueue = guild?.maxQueuePerGuild ?? defaults.maxQueuePerGuild;
  const maxUser = guild?.maxJobsPerUser ?? defaults.maxJobsPerUser;
  const { waiting, mine } = counts;
  if (adding > 1 && (waiting + adding > maxQueue || mine + adding > maxUser)) {
    const room = Math.max(0, Math.min(maxQueue - waiting, maxUser - mine));
    throw new UserError(
      'queue.permutations',
      `These ${adding} jobs do not fit: ${room === 0 ? 'no more jobs fit' : `only ${room} more fit`} now (this server's queue has ${waiting} of ${maxQueue} waiting; you have ${mine} of at most ${maxUser}). Nothing was queued or charged.`,
    );
  }
  if (waiting >= maxQueue) {
    throw new UserError('queue.full', `This server's queue is full (${waiting} of ${maxQueue} jobs waiting). Try again when some have finished.`);
  }
  if (mine >= maxUser) {
    throw new UserError('queue.user-limit', `You already have ${mine} job${mine === 1 ? '' : 's'} waiting or running here (at most ${maxUser}).`, { mine, max: maxUser });
  }
}

/** `index`: which job of the request this is (see Requester's messageIds). */
export function newJobOf(plan: PlannedJob, who: Requester, cost: number, index = 0): NewJob {
  const r = plan.resolved;
  return {
    kind: plan.kind,
    parentJobId: plan.parentJobId ?? null,
    parentImageIndex: plan.parentImageIndex ?? null,
    guildId: who.guildId,
    channelId: who.channelId,
    userId: who.userId,
    userName: who.userName,
    prompt: r.prompt,
    negativePrompt: r.negativePrompt || null,
    steps: r.steps,
    guidance: r.guidance,
    sampler: r.sampler,
    width: r.width,
    height: r.height,
    count: r.n,
    seed: r.seed,
    strength: r.strength ?? null,
    chaos: r.chaos ?? null,
    canvas: plan.canvas ?? null,
    inputPath: plan.inputPath ?? null,
    model: r.model,
    cost,
    interactionId: who.interaction?.id ?? null,
    interactionToken: who.interaction?.token ?? null,
    tokenExpiresAt: who.interaction?.expiresAt ?? null,
    replyMessageId: who.interaction?.messageIds?.[index] ?? null,
    attachmentSizeLimit: who.attachmentSizeLimit ?? null,
  };
}
