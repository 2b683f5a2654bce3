/**
 * Starting a job from an interaction (a slash command or a button): refuse bad input at once,
 * ephemerally and before anything is queued or charged; otherwise acknowledge within Discord's
 * 3 seconds and hand the job to the job service with a presenter that will show it. Answers
 * whether a job was queued.
 */
import { userErrorText } from './user-error-text.ts';
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type ModalSubmitInteraction, type REST } from 'discord.js';
import type { JobRecord } from '../store/index.ts';
import type { JobAsk } from '../services/job-requests.ts';
import type { UploadedPicture } from '../services/upload-source.ts';
import { checkImagineOptions } from '../services/imagine-options.ts';
import type { JobService } from '../services/job-service.ts';
import type { MemberSettingsService } from '../services/member-settings.ts';
import type { ModerationService } from '../services/moderation-service.ts';
import { UserError } from '../services/user-error.ts';
import { acknowledge, waitingOutRateLimits } from './acknowledge.ts';
import { requireJobPermissions } from './bot-permissions.ts';
import { guildAttachmentLimit } from './fit-attachment.ts';
import { JobPresenter, NO_PINGS, type PresenterOptions, type PresenterTarget } from './job-presenter.ts';
import { quotePrompt } from './result-message.ts';
import { expandPermutations } from '../text/permutations.ts';

export type AnyInteraction = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

export interface SubmissionDeps {
  rest: REST;
  applicationId: () => string;
  jobs: JobService;
  moderation: ModerationService;
  /** Members' /settings: fill what an /imagine leaves unset. */
  settings: MemberSettingsService;
  previewIntervalMs: number;
  /** Jobs one /imagine with {a, b} permutations may become. @default 4 */
  maxPermutations?: number;
  /** How long an interaction token works (Discord: 15 minutes). */
  tokenLifetimeMs: number;
  /** What presenters compare token expiry and preview intervals against (default Date.now). */
  clock?: () => number;
  log: (message: string, err?: unknown) => void;
}

/** When to stop trusting a token: a little before Discord does, so no edit races the expiry. */
export function tokenExpiry(createdAt: number, lifetimeMs: number): number {
  return createdAt + lifetimeMs - Math.min(60_000, lifetimeMs / 10);
}

export function presenterFor(deps: SubmissionDeps, job: JobRecord, extra: Partial<PresenterTarget> = {}, more: { onFirstShown?: PresenterOptions['onFirstShown'] } = {}): JobPresenter {
  // A job that already has its message (after a restart, a permutation's followup) keeps editing that one.
  const interaction =
    job.interactionToken && job.tokenExpiresAt
      ? { token: job.interactionToken, expiresAt: job.tokenExpiresAt.getTime(), messageId: job.replyMessageId ?? undefined }
      : undefined;
  return new JobPresenter(
    deps.rest,
    {
      applicationId: deps.applicationId(),
      channelId: job.channelId,
      userId: job.userId,
      interaction,
      channelMessageId: job.fallbackMessageId ?? undefined,
      nonceKey: `job-${job.id}`,
      attachmentSizeLimit: job.attachmentSizeLimit ?? undefined,
      ...extra,
    },
    {
      previewIntervalMs: deps.previewIntervalMs,
      now: deps.clock,
      log: deps.log,
      onFirstShown: more.onFirstShown,
      onMessageIds: (ids) =>
        void deps.jobs
          .recordMessages(job.id, { replyMessageId: ids.replyMessageId, resultMessageId: ids.resultMessageId, fallbackMessageId: ids.channelMessageId })
          .catch((err) => deps.log(`job ${job.id}: could not record message ids`, err)),
    },
  );
}

export async function replyError(interaction: AnyInteraction, message: string): Promise<void> {
  const payload = { content: message, flags: MessageFlags.Ephemeral as const, allowedMentions: NO_PINGS };
  if (interaction.deferred && !interaction.replied && interaction.ephemeral) {
    // Only the member sees the "thinking..." reply: the refusal takes its place.
    await waitingOutRateLimits(() => interaction.editReply({ content: message, allowedMentions: NO_PINGS }));
  } else if (interaction.deferred && !interaction.replied) {
    // The public "thinking..." reply goes away; the refusal is for the member's eyes only.
    await interaction.deleteReply().catch(() => undefined);
    await waitingOutRateLimits(() => interaction.followUp(payload));
  } else if (interaction.replied) {
    await waitingOutRateLimits(() => interaction.followUp(payload));
  } else {
    await interaction.reply(payload);
  }
}

/**
 * Bad input (a malformed /imagine) is refused before anything else, with a private reply; then
 * the interaction is acknowledged publicly, before the database is read (banned words, a button's
 * parent job), so Discord's 3 seconds hold whatever the database does. Refusals after that
 * replace the public "thinking..." with a private message (replyError).
 */
export async function submitJob(deps: SubmissionDeps, interaction: AnyInteraction, askOrLoad: JobAsk | (() => Promise<JobAsk>)): Promise<boolean> {
  if (!interaction.inGuild()) {
    await interaction.reply({ content: 'Images are made in servers, not in direct messages.', flags: MessageFlags.Ephemeral });
    return false;
  }
  const guildId = interaction.guildId;
  // A job the bot could not deliver here is refused, not charged; like the pure checks of what was
  // typed, answered privately and at once (the router replies to these UserErrors).
  requireJobPermissions(interaction.appPermissions);
  let prompts: string[] | undefined;
  if (typeof askOrLoad !== 'function' && askOrLoad.kind === 'imagine') {
    // What can be judged without the database or a model load; the rest once acknowledged.
    checkImagineOptions(askOrLoad.options);
    if (askOrLoad.options.model !== undefined) deps.jobs.models.require(askOrLoad.options.model);
    prompts = expandPermutations(askOrLoad.options.prompt, deps.maxPermutations ?? 4);
  }
  if (prompts && prompts.length > 1 && typeof askOrLoad !== 'function' && askOrLoad.kind === 'imagine') {
    const ask = askOrLoad;
    return submitPermutations(deps, interaction as AnyInteraction & { guildId: string }, prompts.map((prompt) => ({ ...ask, options: { ...ask.options, prompt } })));
  }
  if (!(await acknowledge(interaction, 'public', deps.log))) return false;
  try {
    let ask = typeof askOrLoad === 'function' ? await askOrLoad() : askOrLoad;
    // The one place members' defaults apply: typed options and flags were merged already and win.
    if (ask.kind === 'imagine') ask = { ...ask, options: await deps.settings.applyTo(guildId, interaction.user.id, ask.options) };
    // A grid's V button varies as the member chose in /settings variation: (strong or subtle).
    if (ask.kind === 'vary' && !ask.mode) ask = { ...ask, mode: (await deps.settings.get(guildId, interaction.user.id)).variation ?? undefined };
    const plan = await deps.jobs.plan(guildId, ask); // bad values: refused here, nothing queued or charged
    await deps.moderation.checkPrompt(guildId, plan.resolved.prompt, plan.resolved.negativePrompt);
    const moderatorRoleId = await deps.moderation.moderatorRole(guildId);
    const expiresAt = new Date(tokenExpiry(interaction.createdTimestamp, deps.tokenLifetimeMs));
    await deps.jobs.submit(
      {
        guildId,
        channelId: interaction.channelId!, // set in a server
        userId: interaction.user.id,
        userName: interaction.user.username,
        interaction: { id: interaction.id, token: interaction.token, expiresAt },
        // The reply may carry what the interaction allows; a channel post after the token only what the server does.
        attachmentSizeLimit: Math.min(interaction.attachmentSizeLimit, guildAttachmentLimit(interaction.guild?.premiumTier)),
      },
      plan,
      (job) => {
        const note = 'upload' in ask ? fittedNote(ask.upload, job) : undefined;
        // Said privately once the job's message is up, so it never takes the reply's place.
        return presenterFor(deps, job, {}, note ? { onFirstShown: () => void privateNote(interaction, note, deps.log) } : {});
      },
      moderatorRoleId,
    );
    return true;
  } catch (err) {
    if (err instanceof UserError) {
      await replyError(interaction, userErrorText(err));
      return false;
    }
    throw err;
  }
}

/** An uploaded picture whose shape the model does not make is scaled and cropped when the job runs: the member is told to what. */
function fittedNote(upload: UploadedPicture, job: JobRecord): string | undefined {
  const { width, height } = upload.original;
  if (width * job.height === height * job.width) {
    return width === job.width ? undefined : `Your picture is ${width}x${height}; it was scaled to ${job.width}x${job.height}, the size ${job.model} makes at that shape.`;
  }
  return `Your picture is ${width}x${height}, a shape ${job.model} does not make; it was scaled and cropped (centred) to ${job.width}x${job.height}, the nearest it does.`;
}

async function privateNote(interaction: AnyInteraction, content: string, log: SubmissionDeps['log']): Promise<void> {
  await waitingOutRateLimits(() => interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS })).catch((err) => log('could not send a private note', err));
}

function requesterOf(deps: SubmissionDeps, interaction: AnyInteraction & { guildId: string }, messageIds?: readonly string[]) {
  const expiresAt = new Date(tokenExpiry(interaction.createdTimestamp, deps.tokenLifetimeMs));
  return {
    guildId: interaction.guildId,
    channelId: interaction.channelId!,
    userId: interaction.user.id,
    userName: interaction.user.username,
    interaction: { id: interaction.id, token: interaction.token, expiresAt, messageIds },
    attachmentSizeLimit: Math.min(interaction.attachmentSizeLimit, guildAttachmentLimit(interaction.guild?.premiumTier)),
  };
}

/**
 * One /imagine whose prompt has {a, b} permutations: a job per combination, each checked as a
 * single one is, then admitted all or none. The first job shows in the reply, each other one in a
 * followup of its own. Those messages are made before the jobs, and each job is created knowing
 * its own, so no job ever shows in another's message, also when a restart resumes it.
 */
async function submitPermutations(deps: SubmissionDeps, interaction: AnyInteraction & { guildId: string }, asks: Array<JobAsk & { kind: 'imagine' }>): Promise<boolean> {
  const guildId = interaction.guildId;
  if (!(await acknowledge(interaction, 'public', deps.log))) return false;
  const messageIds: string[] = [];
  try {
    const plans = [];
    for (const ask of asks) {
      const options = await deps.settings.applyTo(guildId, interaction.user.id, ask.options);
      const plan = await deps.jobs.plan(guildId, { ...ask, options });
      await deps.moderation.checkPrompt(guildId, plan.resolved.prompt, plan.resolved.negativePrompt);
      plans.push(plan);
    }
    const moderatorRoleId = await deps.moderation.moderatorRole(guildId);
    await openMessages(interaction, plans.map((p) => p.resolved.prompt), messageIds);
    await deps.jobs.submitAll(requesterOf(deps, interaction, messageIds), plans, (job) => presenterFor(deps, job), moderatorRoleId);
    return true;
  } catch (err) {
    // Refused after the messages were made (limits, credits): they go, and the refusal is private.
    await closeMessages(interaction, messageIds, deps.log);
    if (err instanceof UserError) {
      await replyError(interaction, userErrorText(err));
      return false;
    }
    throw err;
  }
}

const waitingText = (prompt: string) => `**${quotePrompt(prompt)}**\nWaiting for its turn…`;

/**
 * The reply leaves "thinking…" first: on Discord the first followup of a deferred interaction
 * would replace it instead of being a message of its own. Ids are pushed as each message exists.
 */
async function openMessages(interaction: AnyInteraction, prompts: string[], ids: string[]): Promise<void> {
  const [first, ...others] = prompts;
  ids.push((await waitingOutRateLimits(() => interaction.editReply({ content: waitingText(first), allowedMentions: NO_PINGS }))).id);
  for (const prompt of others) {
    ids.push((await waitingOutRateLimits(() => interaction.followUp({ content: waitingText(prompt), allowedMentions: NO_PINGS }))).id);
  }
}

async function closeMessages(interaction: AnyInteraction, ids: string[], log: SubmissionDeps['log']): Promise<void> {
  const [reply, ...followups] = ids;
  for (const id of followups) await interaction.deleteReply(id).catch((err) => log(`could not delete the waiting message ${id}`, err));
  if (reply) await interaction.deleteReply().catch((err) => log('could not delete the waiting reply', err));
}
