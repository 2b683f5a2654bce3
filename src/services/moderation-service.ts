/**
 * A server's own rules: who counts as a moderator, which words prompts may not contain, whether
 * its queue is paused and how long it may grow, which model it uses by default, and the audit trail of every moderator action.
 * Discord-agnostic: callers pass what Discord told them.
 */
import type { Store } from '../store/index.ts';
import { GuildLimits } from './guild-limits.ts';
import { bannedWordPattern, findBannedWord, type BannedWordPattern } from './prompt-screen.ts';
import { UserError } from './user-error.ts';

/** What the caller knows about the member acting. */
export interface Actor {
  userId: string;
  guildId: string;
  /** Discord's Manage Server permission. */
  canManageGuild: boolean;
  roleIds: readonly string[];
  /** The Discord interaction this comes from: a moderator's change applies once per interaction. */
  interactionId?: string;
}

export class ModerationService {
  readonly #store: Store;
  readonly #banned = new Map<string, BannedWordPattern[]>();
  /** The server's queue limits (/mod limits). */
  readonly limits: GuildLimits;

  constructor(store: Store) {
    this.#store = store;
    this.limits = new GuildLimits(store);
  }

  async isModerator(actor: Actor): Promise<boolean> {
    if (actor.canManageGuild) return true;
    const guild = await this.#store.guilds.get(actor.guildId);
    return Boolean(guild?.moderatorRoleId && actor.roleIds.includes(guild.moderatorRoleId));
  }

  /** Checked in the handler on every moderator command, not only through Discord's default permissions. */
  async requireModerator(actor: Actor): Promise<void> {
    if (!(await this.isModerator(actor))) {
      const guild = await this.#store.guilds.get(actor.guildId);
      const roleId = guild?.moderatorRoleId ?? null;
      throw new UserError('mod.forbidden', `Only members with the Manage Server permission${roleId ? " or the server's moderator role" : ''} can do this.`, { moderatorRoleId: roleId });
    }
  }

  async moderatorRole(guildId: string): Promise<string | null> {
    return (await this.#store.guilds.get(guildId))?.moderatorRoleId ?? null;
  }

  /**
   * The role whose members count as moderators (null: Manage Server only). Only Manage Server may
   * change it: a role moderator could otherwise hand moderation to anyone.
   */
  async setModeratorRole(actor: Actor, roleId: string | null): Promise<void> {
    if (!actor.canManageGuild) {
      throw new UserError('mod.role-forbidden', 'Only members with the Manage Server permission can choose the moderator role.');
    }
    if (roleId === actor.guildId) {
      throw new UserError('mod.role-everyone', 'The moderator role cannot be @everyone: that would make every member a moderator. Pick a role only moderators have.');
    }
    const before = await this.moderatorRole(actor.guildId);
    await this.#store.guilds.update(actor.guildId, { moderatorRoleId: roleId });
    await this.audit(actor, 'set-role', roleId ?? undefined, { before });
  }

  /**
   * Records the guild's queue as paused or running, so a restart pauses it again; the caller
   * pauses or resumes the live queue. Returns false when it already was so (nothing recorded).
   */
  async setPaused(actor: Actor, paused: boolean): Promise<boolean> {
    const guild = await this.#store.guilds.ensure(actor.guildId);
    if (guild.paused === paused) return false;
    await this.#store.guilds.update(actor.guildId, { paused });
    await this.audit(actor, paused ? 'pause' : 'resume');
    return true;
  }

  /** The model this server's jobs get when the member picks none (null: the bot's default). */
  async defaultModel(guildId: string): Promise<string | null> {
    return (await this.#store.guilds.get(guildId))?.defaultModel ?? null;
  }

  /**
   * Sets (or with null clears) the server's default model; the caller has checked the bot offers
   * it. Returns false when it already was so (nothing recorded).
   */
  async setDefaultModel(actor: Actor, model: string | null): Promise<boolean> {
    const before = (await this.#store.guilds.ensure(actor.guildId)).defaultModel;
    if (before === model) return false;
    await this.#store.guilds.update(actor.guildId, { defaultModel: model });
    await this.audit(actor, 'set-model', model ?? undefined, { before });
    return true;
  }

  /** Guilds whose queue a moderator paused (start-up pauses them again). */
  pausedGuilds(): Promise<string[]> {
    return this.#store.pausedGuilds.list();
  }

  async #patterns(guildId: string) {
    let list = this.#banned.get(guildId);
    if (!list) {
      const words = await this.#store.bannedWords.list(guildId);
      // Whole words only: banning "ass" must not refuse "class".
      list = words.map(bannedWordPattern);
      this.#banned.set(guildId, list);
    }
    return list;
  }

  /**
   * Refuses a prompt (or negative prompt) that contains one of the server's banned words, in any
   * spelling that folds to it or that the tokenizer decodes to it (src/services/prompt-screen.ts).
   * Every job is checked here: /imagine, buttons and reactions alike.
   */
  async checkPrompt(guildId: string, ...texts: Array<string | undefined>): Promise<void> {
    const hit = findBannedWord(await this.#patterns(guildId), texts);
    // Names the banned word as stored (folded), not the prompt's spelling of it; callers send it
    // with mentions disabled.
    if (hit) throw new UserError('prompt.banned', `This server does not allow "${hit.word}" in prompts. Nothing was queued or charged.`);
  }

  async banWord(actor: Actor, word: string): Promise<{ word: string; added: boolean }> {
    const r = await this.#store.bannedWords.add(actor.guildId, word, actor.userId);
    this.#banned.delete(actor.guildId);
    await this.audit(actor, 'ban-word', r.word, { added: r.added });
    return r;
  }

  async unbanWord(actor: Actor, word: string): Promise<{ word: string; removed: boolean }> {
    const r = await this.#store.bannedWords.remove(actor.guildId, word);
    this.#banned.delete(actor.guildId);
    await this.audit(actor, 'unban-word', r.word, { removed: r.removed });
    return r;
  }

  bannedWords(guildId: string): Promise<string[]> {
    return this.#store.bannedWords.list(guildId);
  }

  async audit(actor: Actor, action: string, target?: string, details?: unknown): Promise<void> {
    await this.#store.modActions.record({ guildId: actor.guildId, actorId: actor.userId, action, target: target ?? null, details, interactionId: actor.interactionId });
  }

  auditLog(guildId: string, limit = 20) {
    return this.#store.modActions.listRecent(guildId, { limit });
  }

  /**
   * Runs a moderator's change (`work`, which audits it) at most once for the actor's interaction,
   * however often Discord delivers it; a repeat is refused and changes nothing. Without an
   * interaction id it just runs.
   */
  async applyOnce<T>(actor: Actor, action: string, target: string | null, work: () => Promise<T>): Promise<T> {
    const interactionId = actor.interactionId;
    if (!interactionId) return work();
    const claim = await this.#store.modActions.claim({ guildId: actor.guildId, actorId: actor.userId, interactionId, action, target });
    if (!claim.claimed) {
      throw new UserError(
        'mod.repeated',
        claim.existing.pending
          ? 'This command is already being carried out (or was interrupted); it is not applied a second time.'
          : 'This command was already carried out; it is not applied a second time.',
        { pending: claim.existing.pending },
      );
    }
    let result: T;
    try {
      result = await work();
    } catch (err) {
      // A refusal changed nothing: drop the claim. Anything else may have changed something: keep it.
      if (err instanceof UserError) await this.#store.modActions.release(interactionId);
      throw err;
    }
    // A change is audited, which completes the claim; one still pending changed nothing ("it
    // already was paused") and, like every no-op, leaves no line in the audit log.
    await this.#store.modActions.release(interactionId);
    return result;
  }
}
