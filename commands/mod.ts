/**
 * /mod: moderators' tools for this server: cancel any job, pause and resume the queue, banned
 * words, the moderator role, queue limits, the default model, the workers, and the audit log.
 *
 * Allowed for Manage Server or the server's moderator role, checked here on every call. No default
 * member permission is set on purpose: Discord would then hide /mod from the moderator role too,
 * unless an admin also opened it to that role under Server Settings > Integrations.
 */
import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { answer } from '../src/discord/acknowledge.ts';
import { actorOf } from '../src/discord/actor.ts';
import { auditLine } from '../src/discord/audit-text.ts';
import { cancelAudit, cancelText } from '../src/discord/cancel-text.ts';
import type { BotContext } from '../src/discord/bot-context.ts';
import { workersText } from '../src/discord/workers-text.ts';
import { LIMIT_RANGES, type LimitsView } from '../src/services/guild-limits.ts';
import type { Actor } from '../src/services/moderation-service.ts';
import { UserError } from '../src/services/user-error.ts';

const MAX_WORD_LENGTH = 100;

/** The command as registered: `models` are the choices of /mod model (none: any name). */
export function dataFor(models: readonly string[]) {
  return new SlashCommandBuilder()
    .setName('mod')
    .setDescription("Moderators: this server's queue, banned words, moderator role, limits, model and audit log")
    .addSubcommand((s) =>
      s
        .setName('cancel')
        .setDescription("Cancel anyone's waiting or running job; their credits come back")
        .addIntegerOption((o) => o.setName('job').setDescription('Job number (see /queue)').setRequired(true).setMinValue(1)),
    )
    .addSubcommand((s) => s.setName('pause').setDescription("Pause this server's queue: nothing new starts (running jobs finish)"))
    .addSubcommand((s) => s.setName('resume').setDescription("Resume this server's queue"))
    .addSubcommandGroup((g) =>
      g
        .setName('banned-words')
        .setDescription('Words prompts may not contain (any case, any accents)')
        .addSubcommand((s) =>
          s
            .setName('add')
            .setDescription('Refuse prompts containing this word or phrase')
            .addStringOption((o) => o.setName('word').setDescription('Word or phrase').setRequired(true).setMaxLength(MAX_WORD_LENGTH)),
        )
        .addSubcommand((s) =>
          s
            .setName('remove')
            .setDescription('Allow this word or phrase again')
            .addStringOption((o) => o.setName('word').setDescription('Word or phrase').setRequired(true).setMaxLength(MAX_WORD_LENGTH)),
        )
        .addSubcommand((s) => s.setName('list').setDescription('The banned words')),
    )
    .addSubcommand((s) =>
      s
        .setName('role')
        .setDescription('The role whose members count as moderators (Manage Server only; leave out to see it)')
        .addRoleOption((o) => o.setName('role').setDescription('The moderator role'))
        .addBooleanOption((o) => o.setName('clear').setDescription('Remove the moderator role (Manage Server only then)')),
    )
    .addSubcommand((s) =>
      s
        .setName('limits')
        .setDescription('Queue limits of this server (leave both out to see them)')
        .addIntegerOption((o) =>
          o.setName('per-user').setDescription('Jobs one member may have waiting or running').setMinValue(LIMIT_RANGES.maxJobsPerUser.min).setMaxValue(LIMIT_RANGES.maxJobsPerUser.max),
        )
        .addIntegerOption((o) =>
          o.setName('queue').setDescription('Jobs that may wait in this server\'s queue').setMinValue(LIMIT_RANGES.maxQueuePerGuild.min).setMaxValue(LIMIT_RANGES.maxQueuePerGuild.max),
        ),
    )
    .addSubcommand((s) => s.setName('workers').setDescription('The inference workers alive, their models and the jobs they run'))
    .addSubcommand((s) =>
      s
        .setName('audit')
        .setDescription('Recent moderator actions, newest first')
        .addIntegerOption((o) => o.setName('count').setDescription('How many (default 15)').setMinValue(1).setMaxValue(25)),
    )
    .addSubcommand((s) =>
      s
        .setName('model')
        .setDescription("This server's default model for /imagine (leave out to see it and the choices)")
        .addStringOption((o) => {
          o.setName('model').setDescription('The model members get when they pick none');
          return models.length ? o.addChoices(...models.map((m) => ({ name: m, value: m }))) : o.setMaxLength(64);
        })
        .addBooleanOption((o) => o.setName('clear').setDescription("Use the bot's default model again")),
    );
}

export const data = dataFor([]);

/** Every answer is private; the router defers it before the database is read. */
export const defer = 'ephemeral';

type Interaction = ChatInputCommandInteraction<'cached' | 'raw'>;
type Handler = (interaction: Interaction, ctx: BotContext, actor: Actor) => Promise<string>;

function limitsText(l: LimitsView): string {
  const tag = (custom: boolean) => (custom ? 'set here' : "the bot's default");
  return (
    `per-user: ${l.maxJobsPerUser.value} job(s) waiting or running per member (${tag(l.maxJobsPerUser.custom)})\n` +
    `queue: ${l.maxQueuePerGuild.value} job(s) waiting in this server (${tag(l.maxQueuePerGuild.custom)})`
  );
}

function wordOption(interaction: Interaction): string {
  const word = interaction.options.getString('word', true).trim();
  if (!/[\p{L}\p{N}]/u.test(word) || word.length > MAX_WORD_LENGTH) {
    throw new UserError('mod.word', `word must have letters or digits in it and at most ${MAX_WORD_LENGTH} characters, got "${word.slice(0, 120)}"`);
  }
  return word;
}

const HANDLERS: Record<string, Handler> = {
  async cancel(interaction, ctx, actor) {
    const id = interaction.options.getInteger('job', true);
    const outcome = await ctx.moderation.applyOnce(actor, 'cancel-job', String(id), async () => {
      const result = await ctx.jobs.cancel(id, { userId: actor.userId, guildId: actor.guildId, moderator: true });
      // Audit what happened, not what was asked: a job already made is not cancelled.
      const audit = cancelAudit(result);
      await ctx.moderation.audit(actor, audit.action, String(result.job.id), audit.details);
      return result;
    });
    return cancelText(outcome, true);
  },

  async pause(interaction, ctx, actor) {
    const changed = await ctx.moderation.applyOnce(actor, 'pause', null, () => ctx.moderation.setPaused(actor, true));
    ctx.jobs.pause(actor.guildId);
    const waiting = ctx.jobs.queueOf(actor.guildId).waiting.length;
    const state = changed ? "Paused this server's queue" : "This server's queue was already paused";
    return `${state}: ${waiting} waiting job(s) keep their place and nothing new starts until /mod resume. Running jobs finish.`;
  },

  async resume(interaction, ctx, actor) {
    const changed = await ctx.moderation.applyOnce(actor, 'resume', null, () => ctx.moderation.setPaused(actor, false));
    const waiting = ctx.jobs.queueOf(actor.guildId).waiting.length; // before the first of them starts
    ctx.jobs.resume(actor.guildId);
    return `${changed ? "Resumed this server's queue" : "This server's queue was not paused"}: ${waiting} waiting job(s) start in turn.`;
  },

  async 'banned-words add'(interaction, ctx, actor) {
    const word = wordOption(interaction);
    const r = await ctx.moderation.applyOnce(actor, 'ban-word', word, () => ctx.moderation.banWord(actor, word));
    return r.added ? `Prompts containing "${r.word}" are now refused, in any case and with or without accents.` : `"${r.word}" was already banned.`;
  },

  async 'banned-words remove'(interaction, ctx, actor) {
    const word = wordOption(interaction);
    const r = await ctx.moderation.applyOnce(actor, 'unban-word', word, () => ctx.moderation.unbanWord(actor, word));
    return r.removed ? `"${r.word}" is allowed in prompts again.` : `"${r.word}" was not banned here.`;
  },

  async 'banned-words list'(interaction, ctx) {
    const words = await ctx.moderation.bannedWords(interaction.guildId);
    return words.length ? `Banned words (${words.length}): ${words.map((w) => `"${w}"`).join(', ')}` : 'No words are banned here.';
  },

  async role(interaction, ctx, actor) {
    const role = interaction.options.getRole('role');
    const clear = interaction.options.getBoolean('clear') ?? false;
    if (role && clear) throw new UserError('mod.role-options', 'Give either a role or clear: True, not both.');
    if (role) {
      await ctx.moderation.applyOnce(actor, 'set-role', role.id, () => ctx.moderation.setModeratorRole(actor, role.id));
      return `Members with <@&${role.id}> are now moderators here, as is everyone with Manage Server.`;
    }
    if (clear) {
      await ctx.moderation.applyOnce(actor, 'set-role', null, () => ctx.moderation.setModeratorRole(actor, null));
      return 'There is no moderator role any more: only members with Manage Server can moderate.';
    }
    const current = await ctx.moderation.moderatorRole(actor.guildId);
    return current ? `The moderator role is <@&${current}> (and Manage Server).` : 'There is no moderator role: only members with Manage Server can moderate. Set one with /mod role role:';
  },

  async limits(interaction, ctx, actor) {
    const perUser = interaction.options.getInteger('per-user');
    const queue = interaction.options.getInteger('queue');
    const defaults = { maxJobsPerUser: ctx.config.queue.maxJobsPerUser, maxQueuePerGuild: ctx.config.queue.maxQueuePerGuild };
    if (perUser === null && queue === null) return `Queue limits:\n${limitsText(await ctx.moderation.limits.current(actor.guildId, defaults))}`;
    const patch = { ...(perUser !== null ? { maxJobsPerUser: perUser } : {}), ...(queue !== null ? { maxQueuePerGuild: queue } : {}) };
    const view = await ctx.moderation.applyOnce(actor, 'set-limits', null, () => ctx.moderation.limits.set(actor, patch, defaults));
    return `Queue limits changed:\n${limitsText(view)}`;
  },

  async model(interaction, ctx, actor) {
    const model = interaction.options.getString('model');
    const clear = interaction.options.getBoolean('clear') ?? false;
    const models = ctx.jobs.models;
    if (model !== null && clear) throw new UserError('mod.model-options', 'Give either a model or clear: True, not both.');
    const offered = `Models: ${models.names.join(', ')} (the bot's default: ${models.defaultName}).`;
    if (model !== null) {
      models.require(model);
      const changed = await ctx.moderation.applyOnce(actor, 'set-model', model, () => ctx.moderation.setDefaultModel(actor, model));
      return `${changed ? `This server's default model is now ${model}` : `${model} already was this server's default model`}: /imagine uses it unless a member picks another.`;
    }
    if (clear) {
      const changed = await ctx.moderation.applyOnce(actor, 'set-model', null, () => ctx.moderation.setDefaultModel(actor, null));
      return `${changed ? 'This server uses' : 'This server already used'} the bot's default model, ${models.defaultName}.`;
    }
    const current = await ctx.moderation.defaultModel(actor.guildId);
    if (current && !models.has(current)) return `This server's default model ${current} is no longer offered, so /imagine uses the bot's default, ${models.defaultName}. ${offered}`;
    return `${current ? `This server's default model is ${current}.` : `This server uses the bot's default model, ${models.defaultName}.`} ${offered}`;
  },

  async workers(_interaction, ctx) {
    return workersText(ctx.inferenceStatus());
  },

  async audit(interaction, ctx) {
    const records = await ctx.moderation.auditLog(interaction.guildId, interaction.options.getInteger('count') ?? 15);
    if (records.length === 0) return 'No moderator actions yet.';
    return ['**Moderator actions**, newest first', ...records.map(auditLine)].join('\n');
  },
};

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!interaction.inGuild()) return answer(interaction, 'Use this in a server.');
  const actor = actorOf(interaction);
  await ctx.moderation.requireModerator(actor);
  const group = interaction.options.getSubcommandGroup(false);
  const name = [group, interaction.options.getSubcommand()].filter(Boolean).join(' ');
  const handler = HANDLERS[name];
  if (!handler) throw new Error(`/mod ${name} has no handler`);
  const content = await handler(interaction, ctx, actor);
  // Mentions only say whose job or which role: answer() keeps them from pinging anyone.
  await answer(interaction, content);
}
