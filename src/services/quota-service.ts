/**
 * Credits: what a job costs, when the day rolls over, and the reserve / settle / refund cycle a
 * job goes through. The ledger (src/store) makes each step atomic; this decides amounts and words.
 */
import type { ResolvedRequest } from '../diffusion/types.ts';
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
  /** Credits per image of each kind. @default imagine 1 per image, reroll 1 per image, upscale 1, vary 1, zoom and pan 1 (charged like a variation), film 1 (a whole film), diffuse 1 */
  costPerImage?: Partial<Record<JobKind, number>>;
  /**
   * `image`: a job costs its price per image times its images, whatever it computes.
   * `compute`: each image is weighed by the steps it runs times its pixels, against an image of the
   * model's default job (`referenceJob`), so a 150-step picture costs what its GPU time does.
   * @default 'image'
   */
  creditMode?: CreditMode;
  /** The model's default job (its default steps and size): one image of it costs the price per image. Needed in compute mode. */
  referenceJob?: ReferenceJob;
}

export type CreditMode = 'image' | 'compute';

export interface ReferenceJob {
  steps: number;
  width: number;
  height: number;
}

/** What a job's price depends on: the resolved request, or the job row that recorded it. */
export type PricedRequest = Pick<ResolvedRequest, 'n' | 'steps' | 'width' | 'height'> & { strength?: number | null };

/** A job's price and, in compute mode, how many default images of compute one of its images is. */
export interface Price {
  credits: number;
  mode: CreditMode;
  /** Compute of one image relative to an image of the default job (compute mode; 1 in image mode). */
  computePerImage: number;
}

const DEFAULT_COST: Record<JobKind, number> = { imagine: 1, reroll: 1, upscale: 1, vary: 1, zoom: 1, pan: 1, film: 1, diffuse: 1 };

/**
 * Denoising steps a job really runs: image-to-image starts part-way down the schedule and runs
 * floor(steps × strength) of them (diffusers' get_timesteps, as the engine does).
 */
export function stepsRun(r: Pick<PricedRequest, 'steps' | 'strength'>): number {
  return r.strength ? Math.min(r.steps, Math.floor(r.steps * r.strength)) : r.steps;
}

/**
 * Compute mode's price: credits per default image × images × (steps run × pixels) relative to the
 * default job, rounded up once for the whole job. Integer arithmetic, so a job that is exactly N
 * default images costs N, never N + 1 from a rounding error.
 */
export function computePrice(perImage: number, r: PricedRequest, reference: ReferenceJob): number {
  const work = perImage * r.n * stepsRun(r) * r.width * r.height;
  const unit = reference.steps * reference.width * reference.height;
  return Math.ceil(work / unit);
}

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

/** What a job asks for; with its size and steps (a job row has them), a compute-mode refusal explains its price. */
export interface PricedJob {
  kind?: JobKind;
  count?: number;
  steps?: number;
  width?: number;
  height?: number;
  strength?: number | null;
}

/** The job being charged. */
export interface ReservedJob extends PricedJob {
  id: number;
  guildId: string;
  userId: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "4 images, 150 steps, 192x128" (steps actually run, for image-to-image). */
export function describeJob(r: PricedRequest): string {
  return `${plural(r.n, 'image')}, ${plural(stepsRun(r), 'step')}, ${r.width}x${r.height}`;
}

/** "each image is 11.25x the compute of a default 20-step 128x128 image" */
export function describeCompute(computePerImage: number, reference: ReferenceJob): string {
  const factor = Number(computePerImage.toFixed(2));
  return `each image is ${factor}x the compute of a default ${reference.steps}-step ${reference.width}x${reference.height} image`;
}

export class QuotaService {
  readonly #store: Store;
  readonly #settings: QuotaSettings;
  readonly #now: () => Date;
  #admin?: QuotaAdmin;

  constructor(store: Store, settings: QuotaSettings, now: () => Date = () => new Date()) {
    if (settings.creditMode === 'compute' && !settings.referenceJob) {
      throw new Error('credit mode "compute" needs the model\'s default job (referenceJob) to price against');
    }
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

  get creditMode(): CreditMode {
    return this.#settings.creditMode ?? 'image';
  }

  /** Credits per image of a kind: per default-sized image in compute mode. */
  perImage(kind: JobKind): number {
    return this.#settings.costPerImage?.[kind] ?? DEFAULT_COST[kind];
  }

  /** What a job costs, from the request as resolved (or the job row that recorded it). */
  costOf(kind: JobKind, request: PricedRequest): number {
    return this.priceOf(kind, request).credits;
  }

  priceOf(kind: JobKind, asked: PricedRequest): Price {
    // A film is one animation, however many pictures it shows: priced as one image, like a variation.
    const request = kind === 'film' ? { ...asked, n: 1 } : asked;
    const perImage = this.perImage(kind);
    const reference = this.#settings.referenceJob;
    if (this.creditMode === 'image' || !reference) return { credits: perImage * request.n, mode: 'image', computePerImage: 1 };
    return {
      credits: computePrice(perImage, request, reference),
      mode: 'compute',
      computePerImage: (stepsRun(request) * request.width * request.height) / (reference.steps * reference.width * reference.height),
    };
  }

  /** The model's default job: what one credit per image buys in compute mode. */
  get referenceJob(): ReferenceJob | undefined {
    return this.#settings.referenceJob;
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
  async reserve(job: ReservedJob, amount: number, moderatorRoleId: string | null): Promise<void> {
    if (amount === 0) return;
    const r = await this.#store.ledger.reserve({ ...this.#period(job.guildId, job.userId), jobId: job.id, amount });
    if (r.ok) return;
    throw this.refusal(amount, r.balance, moderatorRoleId, job);
  }

  /** What a new job of this member reserves (the store creates the job and the reservation together). */
  reservation(guildId: string, userId: string, amount: number): JobReservation {
    const { periodStart, defaultAllowance } = this.#period(guildId, userId);
    return { periodStart, defaultAllowance, amount };
  }

  /**
   * The refusal when `amount` is more than the member has: how much is left, when it renews. Whom
   * to ask for more is the server's moderator role (`moderatorRoleId`), which src/discord words.
   */
  refusal(amount: number, balance: Balance, moderatorRoleId: string | null, job: PricedJob = {}): UserError {
    return new UserError(
      'quota.spent',
      `${this.#priceSentence(amount, job)} and you have ${balance.available} left today. ` +
        `Your ${balance.allowance} daily credits renew ${describeReset(this.#now(), this.#settings.resetHourUtc)}.`,
      { moderatorRoleId },
    );
  }

  /** "This needs 4 credits", or in compute mode what the job is and why it costs that much. */
  #priceSentence(amount: number, job: PricedJob): string {
    const reference = this.#settings.referenceJob;
    const credits = plural(amount, 'credit');
    if (this.creditMode !== 'compute' || !reference || job.count === undefined || job.steps === undefined || job.width === undefined || job.height === undefined) {
      return `This needs ${credits}`;
    }
    const asked = { n: job.count, steps: job.steps, width: job.width, height: job.height, strength: job.strength };
    const price = this.priceOf(job.kind ?? 'imagine', asked);
    return `This job (${describeJob(asked)}) costs ${credits} (${describeCompute(price.computePerImage, reference)})`;
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
