/**
 * IMAGE_RETENTION_DAYS: image files older than that are deleted, at start and then once a day.
 * The Image rows stay, so buttons on those results still work: the source image is regenerated
 * from its seed. Results not yet posted (and jobs still running) are never swept.
 */
import type { ImageFiles, Store } from '../store/index.ts';

const DAY_MS = 24 * 60 * 60_000;

export interface ImageRetentionOptions {
  files: ImageFiles;
  store: Store;
  days: number;
  /** @default () => new Date() */
  now?: () => Date;
  log: (message: string, err?: unknown) => void;
}

export class ImageRetention {
  readonly #o: ImageRetentionOptions;
  readonly #now: () => Date;
  #timer?: NodeJS.Timeout;

  constructor(options: ImageRetentionOptions) {
    if (!Number.isInteger(options.days) || options.days < 1) throw new TypeError(`expected retention days to be a whole number >= 1, got ${options.days}`);
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Deletes the files past retention now; answers how many. */
  async sweep(): Promise<number> {
    const { files, store, days } = this.#o;
    const unfinished = await store.jobs.listByStatus(['queued', 'running', 'generated']);
    const keep = new Set(unfinished.map((j) => j.id));
    const uploads = new Set(unfinished.flatMap((j) => (j.inputPath ? [j.inputPath] : [])));
    return files.deleteOlderThan(new Date(this.#now().getTime() - days * DAY_MS), keep, uploads);
  }

  /** Sweeps now, then daily, until stop(). */
  start(): void {
    const run = () =>
      void this.sweep()
        .then((n) => n > 0 && this.#o.log(`image retention: deleted ${n} file(s) older than ${this.#o.days} day(s)`))
        .catch((err) => this.#o.log('image retention: sweep failed', err));
    run();
    this.#timer = setInterval(run, DAY_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
