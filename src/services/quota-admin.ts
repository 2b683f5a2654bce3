/**
 * What moderators do to credits: a member's personal allowance, bonus credits, giving back the
 * day's usage, the server's default allowance, and the reports behind /quota top and /quota log.
 * Every change is written to the audit log with the moderator who made it. Permission checks are
 * the caller's (ModerationService.requireModerator), made on every command.
 */
import type { Balance, LedgerEntry, MemberUsage, Store } from '../store/index.ts';
import type { Actor } from './moderation-service.ts';
import type { QuotaService } from './quota-service.ts';
import { UserError } from './user-error.ts';

/** Largest daily allowance or grant: the same ceiling as DEFAULT_DAILY_QUOTA. */
export const MAX_CREDITS = 1_000_000;

function requireCredits(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > MAX_CREDITS) {
    throw new UserError(`quota.${name}`, `${name} must be a whole number from ${min} to ${MAX_CREDITS}, got ${value}`);
  }
  return value;
}

export interface GuildDefault {
  daily: number;
  /** 'guild': set with /quota default; 'bot': DEFAULT_DAILY_QUOTA from the environment. */
  source: 'guild' | 'bot';
}

export class QuotaAdmin {
  readonly #store: Store;
  readonly #quota: QuotaService;

  constructor(store: Store, quota: QuotaService) {
    this.#store = store;
    this.#quota = quota;
  }

  /** A personal allowance replaces the server default; null goes back to the default. */
  async setAllowance(actor: Actor, userId: string, daily: number | null): Promise<Balance> {
    if (daily !== null) requireCredits('daily', daily, 0);
    const before = await this.#store.quotas.getPersonalAllowance(actor.guildId, userId);
    await this.#store.quotas.setPersonalAllowance(actor.guildId, userId, daily);
    await this.#audit(actor, 'set-quota', userId, { daily, before });
    return this.#quota.balance(actor.guildId, userId);
  }

  /** One-off bonus credits: spent after the day's allowance, and they do not expire. */
  async grant(actor: Actor, userId: string, credits: number, note?: string): Promise<Balance> {
    requireCredits('credits', credits, 1);
    await this.#store.ledger.grant({ guildId: actor.guildId, userId, amount: credits, actorId: actor.userId, note: note || undefined });
    await this.#audit(actor, 'grant-credits', userId, { credits, ...(note ? { note } : {}) });
    // The ledger's grant answers with no period in mind; the member's balance needs today's.
    return this.#quota.balance(actor.guildId, userId);
  }

  /** Gives back what the member used of today's allowance (bonus spent stays spent). */
  async resetToday(actor: Actor, userId: string): Promise<{ restored: number; balance: Balance }> {
    const r = await this.#store.ledger.resetDaily({
      guildId: actor.guildId,
      userId,
      periodStart: this.#quota.currentPeriodStart(),
      defaultAllowance: this.#quota.settings.defaultDaily,
      actorId: actor.userId,
      note: 'reset by a moderator',
    });
    await this.#audit(actor, 'reset-quota', userId, { restored: r.restored });
    return r;
  }

  async guildDefault(guildId: string): Promise<GuildDefault> {
    const guild = await this.#store.guilds.get(guildId);
    return guild?.defaultDailyQuota != null ? { daily: guild.defaultDailyQuota, source: 'guild' } : { daily: this.#quota.settings.defaultDaily, source: 'bot' };
  }

  /** The daily allowance of every member without a personal one. */
  async setGuildDefault(actor: Actor, daily: number): Promise<GuildDefault> {
    requireCredits('daily', daily, 0);
    const before = await this.guildDefault(actor.guildId);
    await this.#store.guilds.update(actor.guildId, { defaultDailyQuota: daily });
    await this.#audit(actor, 'set-default-quota', null, { daily, before: before.daily });
    return { daily, source: 'guild' };
  }

  /** Credits used in the current quota period, most first. */
  top(guildId: string, limit = 10): Promise<MemberUsage[]> {
    return this.#store.quotaReports.usageSince(guildId, this.#quota.currentPeriodStart(), { limit });
  }

  /** The member's ledger rows, newest first. */
  log(guildId: string, userId: string, limit = 15): Promise<LedgerEntry[]> {
    return this.#quota.history(guildId, userId, limit);
  }

  async #audit(actor: Actor, action: string, target: string | null, details: unknown): Promise<void> {
    await this.#store.modActions.record({ guildId: actor.guildId, actorId: actor.userId, action, target, details, interactionId: actor.interactionId });
  }
}
