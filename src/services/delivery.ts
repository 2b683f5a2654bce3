/**
 * The delivery stage: posts generated results, apart from the inference slots. A slot is free as
 * soon as the engine is done and the images are saved; here, at most `concurrency` posts of one
 * server run at once, however long Discord makes them wait (429s, slow uploads). Each server has
 * its own line: a server whose channel is rate-limited for minutes holds up only its own posts. The member is charged when the
 * post succeeds, and refunded when it is refused. Shutdown waits a bounded time, then stops; a
 * result not yet posted stays 'generated' in the database and the next start posts it.
 */
import PQueue from 'p-queue';
import type { ImageFiles, JobRecord, Store } from '../store/index.ts';
import { DeliveryRefusedError } from './delivery-errors.ts';
import type { JobObserver } from './job-observer.ts';
import { jobResult, loadResult, type StoredResult } from './job-results.ts';
import type { QuotaService } from './quota-service.ts';

export interface DeliveryDeps {
  store: Store;
  files: ImageFiles;
  quota: QuotaService;
  /**
   * Results of one server posted at once.
   *
   * @default 4
   */
  concurrency?: number;
  log: (message: string, err?: unknown) => void;
}

/** delivered: posted and charged; refused / failed: refunded; halted: left for the next start. */
export type DeliveryOutcome = 'delivered' | 'refused' | 'failed' | 'halted';

export const DEFAULT_DELIVERY_CONCURRENCY = 4;

export class DeliveryStage {
  readonly #d: DeliveryDeps;
  readonly #concurrency: number;
  /** One line per server with results to post; a line goes once it is empty. */
  readonly #queues = new Map<string, PQueue>();
  readonly #inFlight = new Set<AbortController>();
  #halted = false;

  constructor(deps: DeliveryDeps) {
    const concurrency = deps.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError(`expected delivery concurrency to be a whole number >= 1, got ${concurrency}`);
    this.#d = deps;
    this.#concurrency = concurrency;
  }

  /** Results waiting to be posted or being posted. */
  get pending(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.size + q.pending;
    return n;
  }

  #queueOf(guildId: string): PQueue {
    let queue = this.#queues.get(guildId);
    if (!queue) {
      const created = new PQueue({ concurrency: this.#concurrency });
      created.on('idle', () => {
        if (this.#queues.get(guildId) === created) this.#queues.delete(guildId);
      });
      this.#queues.set(guildId, created);
      queue = created;
    }
    return queue;
  }

  /** Resolves once every server's line is empty, including lines that start meanwhile. */
  async #allIdle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.all([...this.#queues.values()].map((q) => q.onIdle()));
  }

  /**
   * Posts a generated job's result, charges it, then adds what goes with it (reactions). Without
   * `stored` (after a restart) the result is read back from the image store.
   */
  deliver(job: JobRecord, observer: JobObserver, stored?: StoredResult): Promise<DeliveryOutcome> {
    return this.#queueOf(job.guildId).add(() => this.#deliver(job, observer, stored)) as Promise<DeliveryOutcome>;
  }

  async #deliver(job: JobRecord, observer: JobObserver, stored: StoredResult | undefined): Promise<DeliveryOutcome> {
    if (this.#halted) return 'halted';
    const { store, quota, log } = this.#d;
    const abort = new AbortController();
    this.#inFlight.add(abort);
    try {
      const result = stored ?? (await loadResult(store, this.#d.files, job));
      if (!result) {
        await this.#undelivered(job, 'its pictures were lost before they could be posted');
        await observer.failed(`your pictures were lost before they could be posted; your credits were returned`).catch((e) => log(`job ${job.id}: could not tell its owner`, e));
        return 'failed';
      }
      let shown: { messageId: string } | void;
      try {
        shown = await observer.done(jobResult(job, result), abort.signal);
      } catch (err) {
        if (this.#halted) return 'halted'; // nothing written: the next start posts it
        if (err instanceof DeliveryRefusedError) {
          log(`job ${job.id}: Discord refused its result (${String(err.code ?? '')} ${err.reason}); refunding`);
          const refunded = await this.#undelivered(job, `not delivered: ${err.reason}`);
          const credits = refunded === 0 ? 'nothing was charged' : `your ${refunded} credit${refunded === 1 ? ' was' : 's were'} returned`;
          await observer
            .undeliverable?.(`Job ${job.id} finished, but its result could not be posted: ${err.reason}. ${credits[0].toUpperCase()}${credits.slice(1)}.`)
            .catch((e) => log(`job ${job.id}: could not tell its owner that the post was refused`, e));
          return 'refused';
        }
        log(`job ${job.id} finished but its result could not be posted; refunding`, err);
        await this.#undelivered(job, `not delivered: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`);
        await observer.failed('your picture was made but could not be posted; your credits were returned').catch(() => undefined);
        return 'failed';
      }
      // Posted: the member has it. From here on nothing refunds it, whatever fails.
      await this.#recordDelivered(job, shown ? shown.messageId : undefined);
      if (shown && observer.delivered) await observer.delivered(shown, abort.signal).catch((e) => log(`job ${job.id}: could not finish its result message`, e));
      return 'delivered';
    } finally {
      this.#inFlight.delete(abort);
    }
  }

  async #recordDelivered(job: JobRecord, messageId: string | undefined): Promise<void> {
    const { store, quota, log } = this.#d;
    try {
      await store.jobs.markDelivered(job.id, messageId ?? null);
    } catch (err) {
      log(`job ${job.id} was posted but could not be marked delivered; the next start may post it again`, err);
    }
    try {
      await quota.settle(job.id);
    } catch (err) {
      log(`job ${job.id} was posted but its charge could not be settled; the next start settles it`, err);
    }
  }

  /** Marks the job failed and refunds it; answers the credits returned. */
  async #undelivered(job: JobRecord, reason: string): Promise<number> {
    const { store, quota, log } = this.#d;
    try {
      const failed = await store.jobs.markFailed(job.id, reason.slice(0, 500));
      // Only a job this call moved out of 'generated' is refunded: never one posted meanwhile.
      if (!failed.ok) return 0;
      return await quota.refund(job.id, 'not delivered');
    } catch (err) {
      log(`job ${job.id}: could not record that its result was not delivered`, err);
      return 0;
    }
  }

  /** Resolves when nothing waits to be posted or is being posted. */
  idle(): Promise<void> {
    return this.#allIdle();
  }

  /**
   * Shutdown: lets posts go on for at most `waitMs`, then stops the rest mid-way (their jobs stay
   * 'generated', and the next start posts them). Nothing more is written afterwards.
   */
  async stop(waitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([this.#allIdle(), bound]);
    clearTimeout(timer);
    this.#halted = true;
    for (const abort of this.#inFlight) abort.abort(new Error('the bot is shutting down'));
    await this.#allIdle();
  }
}
