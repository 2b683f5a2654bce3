/**
 * Routes Discord events: slash commands to their modules, buttons and reactions on results to
 * new jobs. Expected failures (UserError) are answered to the member; anything else is logged
 * with context and answered with a short generic message. No handler's failure escapes: every
 * event's promise ends in a log line at worst.
 */
import { userErrorText } from './user-error-text.ts';
import { Events, Routes, type Client, type Interaction, type MessageReaction, type PartialMessageReaction, type PartialUser, type User } from 'discord.js';
import type { JobRecord } from '../store/index.ts';
import type { JobAsk } from '../services/job-requests.ts';
import { UserError } from '../services/user-error.ts';
import { acknowledge } from './acknowledge.ts';
import type { BotContext } from './bot-context.ts';
import { canReplyInChannel, requireJobPermissions } from './bot-permissions.ts';
import { commandByName } from './command-registry.ts';
import { isRemixable, parseCustomId, parseRemixModalId, REMIX_PROMPT_INPUT } from './custom-ids.ts';
import { remixModal } from './remix-modal.ts';
import { panOp, zoomOp } from '../services/canvas-ops.ts';
import { presenterFor, replyError, type SubmissionDeps } from './job-submission.ts';
import { RefusalLimiter } from './refusal-limiter.ts';
import { REACTION_ACTIONS } from './result-message.ts';

const GENERIC = 'Something went wrong on our side. Nothing was charged; please try again.';

/** Least time between two refusal replies to one member's reactions in a server. */
export const REACTION_REFUSAL_INTERVAL_MS = 60_000;

export interface EventHandlerOptions {
  /** Clock of the reaction refusal spacing, in milliseconds. @default Date.now */
  now?: () => number;
  /** @default REACTION_REFUSAL_INTERVAL_MS */
  reactionRefusalIntervalMs?: number;
  /** Where refusals not posted are noted; nowhere by default. */
  debug?: (message: string) => void;
}

export function registerEventHandlers(client: Client, ctx: BotContext, deps: SubmissionDeps, options: EventHandlerOptions = {}): void {
  const refusals = new RefusalLimiter(options.reactionRefusalIntervalMs ?? REACTION_REFUSAL_INTERVAL_MS, options.now);
  client.on(Events.InteractionCreate, (interaction) => {
    onInteraction(interaction, ctx, deps).catch((err) => deps.log(`interaction ${interaction.id}: its handler failed`, err));
  });
  client.on(Events.MessageReactionAdd, (reaction, user) => {
    onReaction(client, reaction, user, ctx, deps, refusals, options.debug).catch((err) => deps.log(`reaction by ${user.id}: its handler failed`, err));
  });
}

/** Custom ids come from the member's client and can be forged: the job must be this server's. */
function jobOfThisServer(job: JobRecord | null, jobId: number, guildId: string | null): JobRecord {
  if (!job || job.guildId !== guildId) {
    throw new UserError('job.unknown', `There is no job ${jobId} in this server, so this button cannot start anything. Nothing was queued or charged.`);
  }
  return job;
}

async function onInteraction(interaction: Interaction, ctx: BotContext, deps: SubmissionDeps): Promise<void> {
  try {
    if (interaction.isChatInputCommand()) {
      const command = commandByName(interaction.commandName);
      if (!command) throw new UserError('command.unknown', `unknown command /${interaction.commandName}; run npm run deploy-commands`);
      // Before any database work; a command Discord did not take does nothing.
      if (command.defer && !(await acknowledge(interaction, command.defer, deps.log))) return;
      await command.execute(interaction, ctx);
    } else if (interaction.isButton()) {
      const action = parseCustomId(interaction.customId);
      if (!action) return;
      if (isRemixable(action) && interaction.inGuild() && (await ctx.settings.get(interaction.guildId, interaction.user.id)).remix) {
        // Remix: the member edits the prompt first; the modal's submit starts the job.
        const parent = jobOfThisServer(await ctx.jobs.getJob(action.jobId), action.jobId, interaction.guildId);
        await interaction.showModal(remixModal(interaction.customId, parent.prompt));
        return;
      }
      await ctx.submitJob(interaction, async () => {
        const parent = jobOfThisServer(await ctx.jobs.getJob(action.jobId), action.jobId, interaction.guildId);
        if (action.action === 'reroll') return { kind: 'reroll', parent };
        if (action.action === 'zoom') return { kind: 'zoom', parent, index: action.index, op: zoomOp(action.factor) };
        if (action.action === 'pan') return { kind: 'pan', parent, index: action.index, op: panOp(action.direction) };
        if (action.action === 'film') return { kind: 'film', parent };
        if (action.action === 'vary' && action.mode) return { kind: 'vary', parent, index: action.index, mode: action.mode };
        return { kind: action.action, parent, index: action.index };
      });
    } else if (interaction.isModalSubmit()) {
      const action = parseRemixModalId(interaction.customId);
      if (!action) return;
      const prompt = interaction.fields.getTextInputValue(REMIX_PROMPT_INPUT);
      await ctx.submitJob(interaction, async () => {
        const parent = jobOfThisServer(await ctx.jobs.getJob(action.jobId), action.jobId, interaction.guildId);
        if (action.action === 'zoom') return { kind: 'zoom', parent, index: action.index, op: zoomOp(action.factor), prompt };
        if (action.action === 'pan') return { kind: 'pan', parent, index: action.index, op: panOp(action.direction), prompt };
        return { kind: 'vary', parent, index: action.index, mode: action.mode, prompt };
      });
    }
  } catch (err) {
    if (!interaction.isRepliable()) return;
    if (err instanceof UserError) {
      await replyError(interaction as never, userErrorText(err)).catch((e) => deps.log('could not send an error reply', e));
      return;
    }
    deps.log(`interaction ${interaction.id} (${interaction.isChatInputCommand() ? `/${interaction.commandName}` : interaction.type}) failed`, err);
    await replyError(interaction as never, GENERIC).catch(() => undefined);
  }
}

/** 🔍 🔀 🔁 on a single-image result start that job for whoever reacted; 🔁 works on grids too. */
async function onReaction(
  client: Client,
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
  ctx: BotContext,
  deps: SubmissionDeps,
  refusals: RefusalLimiter,
  debug?: (message: string) => void,
): Promise<void> {
  try {
    if (user.bot) return;
    const action = REACTION_ACTIONS[reaction.emoji.name ?? ''];
    if (!action) return;
    const message = reaction.message;
    if (!message.guildId) return;
    const job = await ctx.jobs.findByResultMessage(message.id);
    if (!job || job.guildId !== message.guildId) return; // not one of our results here
    if (action !== 'reroll' && job.count !== 1) return; // on a grid, U/V buttons name the image
    const who = { guildId: message.guildId, channelId: message.channelId, userId: user.id, userName: user.username ?? undefined };
    const ask: JobAsk = action === 'reroll' ? { kind: 'reroll', parent: job } : { kind: action, parent: job, index: 0 };
    // No interaction carries app permissions here: compute them from the cached roles and overwrites.
    const channel = message.channel as typeof message.channel | null; // uncached channels resolve to null
    const permissions = channel && !channel.isDMBased() && client.user ? channel.permissionsFor(client.user) : null;
    try {
      requireJobPermissions(permissions);
      await ctx.moderation.checkPrompt(who.guildId, job.prompt, job.negativePrompt ?? undefined);
      const moderatorRoleId = await ctx.moderation.moderatorRole(who.guildId);
      await ctx.jobs.submit(who, ask, (newJob) => presenterFor(deps, newJob, { userId: user.id, replyTo: message.id }), moderatorRoleId);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (!canReplyInChannel(permissions)) return deps.log(`reaction by ${user.id} on ${message.id} refused, and the refusal cannot be posted here: ${userErrorText(err)}`);
      // Said once per member per interval; more would only repeat it in public.
      if (!refusals.tryPost(`${who.guildId}:${user.id}`)) {
        debug?.(`reaction ${reaction.emoji.name} by ${user.id} refused (${err.identifier}); not posted, one was posted recently`);
        return;
      }
      // No interaction to answer ephemerally: reply in the channel, addressed to the reactor only.
      await client.rest.post(Routes.channelMessages(message.channelId), {
        body: {
          content: `<@${user.id}> ${userErrorText(err)}`,
          allowed_mentions: { parse: [], users: [user.id] },
          message_reference: { message_id: message.id, fail_if_not_exists: false },
        },
      });
    }
  } catch (err) {
    deps.log(`reaction ${reaction.emoji.name} by ${user.id} failed`, err);
  }
}
