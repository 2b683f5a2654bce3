/**
 * Credits: what a job costs, when the day rolls over, and the reserve / settle / refund cycle a
 * job goes through. The ledger (src/store) makes each step atomic; this decides amounts and words.
 */
import type { Store } from '../store/index.ts';
import type { Balance, JobReservation, LedgerEntry } from '../store/index.ts';
import type { JobKind } from '../store/index.ts';
import { QuotaAdmin } from './quota-admin.ts';
import { UserError } from './user-error.ts';

export interface QuotaSettings {
  /** Daily images per member when neither the member nor the guild has an allowance. */
  defaultDaily: number;
  /** Hour (UTC) at which a quota day starts. */
  resetHourUtc: number;
  /** Credits per image of each kind. @default imagine 1 per image, reroll 1 per image, upscale 1, vary 1 */
  costPerImage?: Partial<Record<JobKind, number>>;
}

const DEFAULT_COST: Record<JobKind, number> = { imagine: 1, reroll: 1, upscale: 1, vary: 1 };

/** Start of the quota day that contains `now`. */
export function periodStart(now: Date, resetHourUtc: number): Date {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), resetHourUtc));
  if (start > now) start.setUTCDate(start.getUTCDate() - 1);
  return start;
}

export function nextReset(now: Date, resetHourUtc: number): Date {
  const next = periodStart(now, resetHourUtc);
  next.setUTCDate(next.getUTCDate() + 1);
  return next;
}

/** "in 3 h 20 min (00:00 UTC)" */
export function describeReset(now: Date, resetHourUtc: number): string {
  const ms = nextReset(now, resetHourUtc).getTime() - now.getTime();
  const h = Math.floor(ms / 3_600_000);
  const m = Math.ceil((ms % 3_600_000) / 60_000);
  const inText = h > 0 ? `${h} h ${m} min` : `${m} min`;
  return `in ${inText} (${String(resetHourUtc).padStart(2, '0')}:00 UTC)`;
}

export class QuotaService {
  readonly #store: Store;
  readonly #settings: QuotaSettings;
  readonly #now: () => Date;
  #admin?: QuotaAdmin;

  constructor(store: Store, settings: QuotaSettings, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#settings = settings;
    this.#now = now;
  }

  get settings(): QuotaSettings {
    return this.#settings;
  }

  now(): Date {
    return this.#now();
  }

  /** Start of the quota day we are in. */
  currentPeriodStart(): Date {
    return periodStart(this.#now(), this.#settings.resetHourUtc);
  }

  /** Moderators' side of credits (/quota set, grant, reset, default, top, log). */
  get admin(): QuotaAdmin {
    this.#admin ??= new QuotaAdmin(this.#store, this);
    return this.#admin;
  }

  costOf(kind: JobKind, images: number): number {
    return (this.#settings.costPerImage?.[kind] ?? DEFAULT_COST[kind]) * images;
  }

  #period(guildId: string, userId: string) {
    return { guildId, userId, periodStart: this.currentPeriodStart(), defaultAllowance: this.#settings.defaultDaily };
  }

  balance(guildId: string, userId: string): Promise<Balance> {
    return this.#store.ledger.balance(this.#period(guildId, userId));
  }

  /** The member's ledger rows (charges, refunds, grants, resets), newest first. */
  history(guildId: string, userId: string, limit = 10): Promise<LedgerEntry[]> {
    return this.#store.ledger.history(guildId, userId, { limit });
  }

  /**
   * Reserve a job's cost; refuses with how much is left, when it renews, and whom to ask.
   * Atomic in the ledger: with one credit left, two simultaneous requests give one job.
   */
  async reserve(job: { id: number; guildId: string; userId: string }, amount: number, moderatorHint: string): Promise<void> {
    if (amount === 0) return;
    const r = await this.#store.ledger.reserve({ ...this.#period(job.guildId, job.userId), jobId: job.id, amount });
    if (r.ok) return;
    throw this.refusal(amount, r.balance, moderatorHint);
  }

  /** What a new job of this member reserves (the store creates the job and the reservation together). */
  reservation(guildId: string, userId: string, amount: number): JobReservation {
    const { periodStart, defaultAllowance } = this.#period(guildId, userId);
    return { periodStart, defaultAllowance, amount };
  }

  /** The refusal when `amount` is more than the member has: how much is left, when it renews, whom to ask. */
  refusal(amount: number, balance: Balance, moderatorHint: string): UserError {
    return new UserError(
      'quota.spent',
      `This needs ${amount} credit${amount === 1 ? '' : 's'} and you have ${balance.available} left today. ` +
        `Your ${balance.allowance} daily credits renew ${describeReset(this.#now(), this.#settings.resetHourUtc)}. ` +
        `For more, ask ${moderatorHint}.`,
    );
  }

  async settle(jobId: number): Promise<void> {
    await this.#store.ledger.settle(jobId);
  }

  /** Give a job's credits back; a second refund of the same job is a no-op. */
  async refund(jobId: number, reason: string, actorId?: string): Promise<number> {
    const r = await this.#store.ledger.refund(jobId, reason, actorId);
    return r.refunded ? r.amount : 0;
  }
}
