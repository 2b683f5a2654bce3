/**
 * The one fair queue of all shards, in the sharding manager: a FairScheduler whose jobs are the
 * shards' jobs. A shard submits a job and runs it when told to start; the manager decides the
 * order across all servers of all shards (so fairness holds between servers on different shards)
 * and tells each shard where its jobs stand.
 *
 * A shard process that dies leaves its jobs where they are: waiting ones keep their places,
 * running ones their slots (their workers go on with them). They cannot start while nobody can
 * run them. The shard's next process recovers its jobs from the database and submits them again;
 * a job the queue still holds is claimed (a running one is told to start again, which finds its
 * worker's queue job and waits for it, as after a gateway restart), and once its recovery is over
 * the ones it did not claim (finished, cancelled or failed meanwhile) are dropped.
 */
import { FairScheduler, type JobInfo } from '../queue/index.ts';
import type { ManagerMessage, ShardMessage, ShardView } from './protocol.ts';
import { shardOf } from './shard-of.ts';

export interface GlobalQueueOptions {
  shardCount: number;
  /** Whether a job may take a free slot (a worker serving its model is free); every job by default. */
  canStart?: (job: JobInfo, running: readonly JobInfo[]) => boolean;
  now?: () => number;
}

interface Entry {
  readonly id: string;
  /** The shard whose servers the job belongs to, and the process of it that last claimed it. */
  shard: number;
  incarnation: number;
  started: boolean;
  finish?: { resolve: () => void; reject: (err: Error) => void };
}

interface ShardLink {
  incarnation: number;
  send?: (message: ManagerMessage) => void;
  seen: number;
  lastView?: string;
}

export class GlobalQueue {
  readonly scheduler: FairScheduler;
  readonly #o: GlobalQueueOptions;
  readonly #jobs = new Map<string, Entry>();
  readonly #shards = new Map<number, ShardLink>();
  readonly #now: () => number;
  #viewsScheduled = false;

  constructor(options: GlobalQueueOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const canStart = options.canStart;
    // Slots are set by the caller (the workers alive); limits are the shards' business (they know
    // their servers' settings), as they are never the scheduler's.
    this.scheduler = new FairScheduler({
      slots: 1,
      now: this.#now,
      canStart: (job, running) => this.#reachable(job.id) && (canStart ? canStart(job, running) : true),
    });
    this.scheduler.onChange(() => this.#scheduleViews());
  }

  /**
   * A shard process started: messages for that shard go to `send` from now on. Answers the token
   * its messages are received with (see `receive`).
   */
  connect(shardId: number, send: (message: ManagerMessage) => void): number {
    const link = this.#link(shardId);
    link.incarnation += 1;
    link.send = send;
    link.seen = 0;
    link.lastView = undefined;
    this.#scheduleViews();
    return link.incarnation;
  }

  /** A shard process ended: its jobs stay, unstartable, until its next process claims them. */
  disconnect(shardId: number): void {
    const link = this.#link(shardId);
    link.send = undefined;
    link.seen = 0;
  }

  /** A message from the shard's process that `connect` answered `token` for; an older process's is ignored. */
  receive(shardId: number, message: ShardMessage, token: number): void {
    const link = this.#link(shardId);
    if (token !== link.incarnation) return;
    link.seen = Math.max(link.seen, message.seq);
    switch (message.kind) {
      case 'submit':
        this.#submit(shardId, link, message.job);
        break;
      case 'cancel': {
        if (this.#jobs.get(message.id)?.shard === shardId) this.scheduler.cancel(message.id);
        break;
      }
      case 'finished': {
        const entry = this.#jobs.get(message.id);
        const finish = entry?.finish;
        if (!entry || !finish) break;
        entry.finish = undefined;
        if (message.ok) finish.resolve();
        else finish.reject(new Error(`job ${message.id} did not finish on shard ${shardId}`));
        break;
      }
      case 'pause':
        this.scheduler.pause(message.guildId);
        break;
      case 'resume':
        this.scheduler.resume(message.guildId);
        break;
      case 'recovered':
        this.#dropUnclaimed(shardId, link);
        break;
    }
    this.#scheduleViews();
  }

  #submit(shardId: number, link: ShardLink, job: { id: string; guildId: string; userId: string; pool?: string }): void {
    const known = this.#jobs.get(job.id);
    if (known) {
      // A restarted shard claims its job again: it keeps its place, or its slot.
      known.shard = shardId;
      known.incarnation = link.incarnation;
      if (known.started && known.finish) link.send?.({ kind: 'start', id: job.id });
      this.scheduler.wake();
      return;
    }
    const entry: Entry = { id: job.id, shard: shardId, incarnation: link.incarnation, started: false };
    this.#jobs.set(job.id, entry);
    const ticket = this.scheduler.submit({ ...job, run: () => this.#run(entry) });
    // Cancelled, dropped or failed: the shard has told its member already.
    void ticket.done.then(
      () => this.#forget(entry),
      () => this.#forget(entry),
    );
  }

  #forget(entry: Entry): void {
    if (this.#jobs.get(entry.id) === entry) this.#jobs.delete(entry.id);
  }

  /** The slot's part, from the manager's side: the shard runs the job; this waits for its word. */
  #run(entry: Entry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      entry.started = true;
      entry.finish = { resolve, reject };
      this.#shards.get(entry.shard)?.send?.({ kind: 'start', id: entry.id });
    });
  }

  #dropUnclaimed(shardId: number, link: ShardLink): void {
    for (const entry of [...this.#jobs.values()]) {
      if (entry.shard !== shardId || entry.incarnation === link.incarnation) continue;
      if (entry.finish) {
        const finish = entry.finish;
        entry.finish = undefined;
        finish.reject(new Error(`job ${entry.id} was not resumed by shard ${shardId}`));
      } else if (!entry.started) this.scheduler.cancel(entry.id);
    }
  }

  /** A job can start only where a live process of its shard knows it. */
  #reachable(id: string): boolean {
    const entry = this.#jobs.get(id);
    const link = entry && this.#shards.get(entry.shard);
    return Boolean(entry && link?.send && entry.incarnation === link.incarnation);
  }

  #link(shardId: number): ShardLink {
    let link = this.#shards.get(shardId);
    if (!link) this.#shards.set(shardId, (link = { incarnation: 0, seen: 0 }));
    return link;
  }

  #scheduleViews(): void {
    if (this.#viewsScheduled) return;
    this.#viewsScheduled = true;
    queueMicrotask(() => {
      this.#viewsScheduled = false;
      this.#sendViews();
    });
  }

  /** Each live shard hears where its own jobs stand, when that changed. */
  #sendViews(): void {
    const snap = this.scheduler.snapshot();
    const count = this.#o.shardCount;
    const views = new Map<number, Omit<ShardView, 'at'>>();
    const waitingTotal = snap.waiting.filter((w) => w.position !== null).length;
    for (const [shardId, link] of this.#shards) {
      if (!link.send) continue;
      views.set(shardId, { kind: 'view', seen: link.seen, running: [], waiting: [], pausedGuilds: snap.pausedGuilds.filter((g) => shardOf(g, count) === shardId), waitingTotal });
    }
    const viewOf = (id: string) => {
      const entry = this.#jobs.get(id);
      return entry && entry.incarnation === this.#shards.get(entry.shard)?.incarnation ? views.get(entry.shard) : undefined;
    };
    for (const r of snap.running) viewOf(r.id)?.running.push({ id: r.id, startedAt: r.startedAt });
    for (const w of snap.waiting) {
      const view = viewOf(w.id);
      if (!view) continue;
      const eta = w.position === null ? undefined : this.scheduler.eta(w.id);
      view.waiting.push({ id: w.id, position: w.position, ...(eta ? { startsInMs: eta.startsInMs, finishesInMs: eta.finishesInMs } : {}) });
    }
    const at = this.#now();
    for (const [shardId, view] of views) {
      const link = this.#shards.get(shardId)!;
      const text = JSON.stringify(view);
      if (text === link.lastView) continue;
      link.lastView = text;
      link.send!({ ...view, at });
    }
  }
}
