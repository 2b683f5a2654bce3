/**
 * Shows one job in Discord: queue position, throttled previews, then the result with its buttons
 * (and reactions on single images). Talks to Discord's REST API directly, so a job restored after
 * a restart (with only its stored token and ids) is shown exactly like a fresh one.
 *
 * Failures it absorbs, where other bots lose the job:
 * - the interaction token dies after 15 minutes: it continues in a channel message sent with the
 *   bot's own token, addressed to the requester;
 * - the reply was deleted (10008): the result is posted anew;
 * - rate limits: previews are dropped, the final result waits and retries (in the delivery stage,
 *   never holding an inference slot);
 * - a post Discord refuses for good (Missing Access, Missing Permissions, Unknown Channel, a file
 *   too large) becomes a DeliveryRefusedError: the job is refunded and the member told privately
 *   while the interaction token lives.
 */
import { DiscordAPIError, HTTPError, MessageFlags, RateLimitError, Routes, type APIMessage, type REST, type RESTPatchAPIWebhookWithTokenMessageJSONBody } from 'discord.js';
import { DeliveryRefusedError } from '../services/delivery-errors.ts';
import type { JobObserver, JobProgress, JobResult } from '../services/job-observer.ts';
import { isFilmKind } from '../store/index.ts';
import { DEFAULT_ATTACHMENT_LIMIT, fitAttachment } from './fit-attachment.ts';
import { PreviewThrottle } from './preview-throttle.ts';
import { queuedText, resultComponents, resultText, SINGLE_IMAGE_REACTIONS } from './result-message.ts';

export const NO_PINGS = { parse: [] as never[] };
const UNKNOWN_MESSAGE = 10008;
const INVALID_WEBHOOK_TOKEN = 50027;

/** Discord's answers that no retry can change, in the words the member reads. */
const REFUSALS: Record<number, string> = {
  50001: 'the bot has no access to this channel (Missing Access)',
  50013: 'the bot lacks a permission it needs in this channel (Missing Permissions)',
  10003: 'the channel no longer exists (Unknown Channel)',
  40005: 'the picture is larger than this channel accepts (Request entity too large)',
};
/** How long a final message waits out rate limits before the error is logged. */
const MAX_RATE_LIMIT_WAIT_MS = 10 * 60_000;

/** Where the job's messages go, and the ids it has posted so far (persisted by the caller). */
export interface PresenterTarget {
  applicationId: string;
  channelId: string;
  userId: string;
  /**
   * Interaction token and when it stops working; absent for jobs started by a reaction.
   * `messageId`: the webhook message this job edits (default @original; a followup of its own
   * when one interaction started several jobs).
   */
  interaction?: { token: string; expiresAt: number; messageId?: string };
  /** A message this job's channel message should reply to (reaction-started jobs). */
  replyTo?: string;
  /** The channel message used once the token is gone (restored after a restart). */
  channelMessageId?: string;
  /**
   * Names this job's channel posts for Discord's nonce check (at most 25 characters with a
   * counter). A post repeated after a crash between Discord's answer and the id being recorded
   * then returns the first message instead of creating a second.
   */
  nonceKey?: string;
  /** Largest upload Discord takes for the result, in bytes (default: a server without boosts'). */
  attachmentSizeLimit?: number;
}

export interface PresenterOptions {
  previewIntervalMs: number;
  now?: () => number;
  /** Called once, when the first post of this job has been answered (or failed). */
  onFirstShown?: () => void;
  /** Called whenever a message id the job needs after a restart changes. */
  onMessageIds?: (ids: { replyMessageId?: string; channelMessageId?: string; resultMessageId?: string }) => void;
  log?: (message: string, err?: unknown) => void;
}

type Body = RESTPatchAPIWebhookWithTokenMessageJSONBody & { message_reference?: { message_id: string }; allowed_mentions?: unknown };
interface Payload {
  body: Body;
  files?: Array<{ name: string; data: Buffer }>;
}

export class JobPresenter implements JobObserver {
  readonly #rest: REST;
  readonly #target: PresenterTarget;
  readonly #opts: PresenterOptions;
  readonly #throttle: PreviewThrottle;
  readonly #now: () => number;
  #replyDeleted = false;
  #channelMessageId?: string;
  /** Channel messages this presenter has created, so a post after a deletion gets a new nonce. */
  #channelPosts = 0;
  #finished = false;
  #result?: APIMessage;
  #single = false;
  #shown = false;

  constructor(rest: REST, target: PresenterTarget, opts: PresenterOptions) {
    this.#rest = rest;
    this.#target = target;
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#throttle = new PreviewThrottle(opts.previewIntervalMs, this.#now);
    this.#channelMessageId = target.channelMessageId;
  }

  /** True while the interaction token can still edit the reply. */
  get #tokenAlive(): boolean {
    const i = this.#target.interaction;
    return Boolean(i && !this.#replyDeleted && this.#now() < i.expiresAt);
  }

  queued(position: number | null, etaMs: number | undefined): void {
    if (!this.#throttle.tryStart()) return;
    void this.#show({ body: { content: queuedText(position, etaMs), allowed_mentions: NO_PINGS } }, 'queue position')
      .then(() => this.#throttle.done())
      .catch((err) => this.#throttle.done(retryAfter(err)));
  }

  progress(p: JobProgress): void {
    if (this.#finished || !this.#throttle.tryStart()) return;
    void (async () => {
      const png = await p.preview();
      // The job may have ended while the preview was encoded: a late preview would overwrite the
      // final message (REST keeps the order of calls, so only calls made before it are safe).
      if (this.#finished) return;
      await this.#show(
        {
          body: { content: `Step ${p.step}/${p.total}`, attachments: [{ id: 0, filename: 'preview.png' }], allowed_mentions: NO_PINGS },
          files: [{ name: 'preview.png', data: png }],
        },
        'preview',
      );
    })()
      .then(() => this.#throttle.done())
      .catch((err) => this.#throttle.done(retryAfter(err)));
  }

  async done(result: JobResult, signal?: AbortSignal): Promise<{ messageId: string }> {
    this.#finished = true;
    const film = isFilmKind(result.job.kind);
    // A film is a finished animation: no buttons, no reactions (they would act on nothing).
    this.#single = result.seeds.length === 1 && !film;
    // Over the upload limit the picture is re-encoded smaller, and the message says so (the full PNG is kept).
    const file = film
      ? { data: result.png, name: `job-${result.job.id}.webp`, note: undefined }
      : await fitAttachment(result.png, this.#target.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_LIMIT, `job-${result.job.id}`);
    const payload: Payload = {
      body: {
        content: [resultText(result), file.note].filter(Boolean).join('\n'),
        components: film ? [] : resultComponents(result.job.id, result.seeds.length),
        attachments: [{ id: 0, filename: file.name }],
        allowed_mentions: NO_PINGS,
      },
      files: [{ name: file.name, data: file.data }],
    };
    try {
      this.#result = await this.#deliver(payload, signal);
    } catch (err) {
      const refusal = refusalOf(err);
      if (refusal && !signal?.aborted) throw new DeliveryRefusedError(refusal.reason, refusal.code, { cause: err });
      throw err;
    }
    return { messageId: this.#result.id };
  }

  /** Once the result is posted and recorded (so a reaction finds its job): the reactions of a single image. */
  async delivered(_shown: { messageId: string }, signal?: AbortSignal): Promise<void> {
    const message = this.#result;
    if (!message || !this.#single) return;
    for (const emoji of SINGLE_IMAGE_REACTIONS) {
      if (signal?.aborted) return;
      await this.#retryOnRateLimit(
        (attempt) => this.#rest.put(Routes.channelMessageOwnReaction(message.channel_id, message.id, encodeURIComponent(emoji)), { signal: attempt }),
        signal,
      ).catch((err) => this.#opts.log?.(`could not add ${emoji} to ${message.id}`, err));
    }
  }

  /**
   * The result was refused: tell the member privately while the interaction token lives. Without
   * it there is nowhere to say it, since the channel is what refused.
   */
  async undeliverable(message: string): Promise<void> {
    if (!this.#tokenAlive) return;
    await this.#rest.post(Routes.webhook(this.#target.applicationId, this.#target.interaction!.token), {
      body: { content: message, flags: MessageFlags.Ephemeral, allowed_mentions: NO_PINGS },
      auth: false,
    });
  }

  async failed(message: string): Promise<void> {
    this.#finished = true;
    await this.#deliver({ body: { content: `Failed: ${message}`, components: [], attachments: [], allowed_mentions: NO_PINGS }, files: [] });
  }

  async cancelled(reason: string): Promise<void> {
    this.#finished = true;
    await this.#deliver({ body: { content: `Cancelled: ${reason}`, components: [], attachments: [], allowed_mentions: NO_PINGS }, files: [] });
  }

  /** A final message: waits out rate limits, falls back to the channel, never gives up silently. */
  async #deliver(payload: Payload, signal?: AbortSignal): Promise<APIMessage> {
    return this.#retryOnRateLimit((attempt) => this.#show(payload, 'result', attempt), signal);
  }

  async #retryOnRateLimit<T>(fn: (attempt?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    // Bounded by time, not by attempts: a long 429 storm must delay the result, never drop it.
    const giveUpAt = this.#now() + MAX_RATE_LIMIT_WAIT_MS;
    for (;;) {
      signal?.throwIfAborted();
      try {
        return await withAttemptSignal(signal, fn);
      } catch (err) {
        const wait = retryAfter(err);
        if (!wait || this.#now() + wait > giveUpAt) throw err;
        await sleep(wait, signal);
      }
    }
  }

  /** Edit the interaction reply while the token lives; after that, the job's channel message. */
  async #show(payload: Payload, what: string, signal?: AbortSignal): Promise<APIMessage> {
    try {
      return await this.#showSomewhere(payload, what, signal);
    } finally {
      if (!this.#shown) {
        this.#shown = true;
        this.#opts.onFirstShown?.();
      }
    }
  }

  async #showSomewhere(payload: Payload, what: string, signal?: AbortSignal): Promise<APIMessage> {
    if (this.#tokenAlive) {
      try {
        const i = this.#target.interaction!;
        const msg = (await this.#rest.patch(Routes.webhookMessage(this.#target.applicationId, i.token, i.messageId ?? '@original'), {
          body: payload.body,
          files: payload.files,
          signal,
          // The token in the URL is the credential. Sent with the bot's header, a 401 for an expired
          // interaction token makes @discordjs/rest drop the bot token, and every later post fails.
          auth: false,
        })) as APIMessage;
        this.#opts.onMessageIds?.({ replyMessageId: msg.id });
        return msg;
      } catch (err) {
        if (!(err instanceof DiscordAPIError)) throw err;
        if (err.code === UNKNOWN_MESSAGE) {
          this.#replyDeleted = true; // the reply was deleted: the job goes on, its result is posted anew
          this.#opts.log?.(`reply to job deleted while showing ${what}; continuing in the channel`);
        } else if (err.code === INVALID_WEBHOOK_TOKEN || err.status === 401) {
          this.#target.interaction = undefined;
        } else {
          throw err;
        }
      }
    }
    return this.#showInChannel(payload, signal);
  }

  async #showInChannel(payload: Payload, signal?: AbortSignal): Promise<APIMessage> {
    const { channelId, userId } = this.#target;
    // Outside the interaction the requester must be told whose job this is: mention them, and only them.
    const body: Body = {
      ...payload.body,
      content: `<@${userId}> ${payload.body.content ?? ''}`.trim(),
      allowed_mentions: { parse: [], users: [userId] },
    };
    if (this.#channelMessageId) {
      try {
        return (await this.#rest.patch(Routes.channelMessage(channelId, this.#channelMessageId), { body, files: payload.files, signal })) as APIMessage;
      } catch (err) {
        if (!(err instanceof DiscordAPIError && err.code === UNKNOWN_MESSAGE)) throw err;
        this.#channelMessageId = undefined; // deleted too: post anew
      }
    }
    const { attachments: _drop, ...create } = body;
    const msg = (await this.#rest.post(Routes.channelMessages(channelId), {
      body: {
        ...create,
        ...(this.#target.replyTo ? { message_reference: { message_id: this.#target.replyTo, fail_if_not_exists: false } } : {}),
        ...(this.#target.nonceKey ? { nonce: `${this.#target.nonceKey}-${this.#channelPosts}`, enforce_nonce: true } : {}),
      },
      files: payload.files,
      signal,
    })) as APIMessage;
    this.#channelMessageId = msg.id;
    this.#channelPosts++;
    this.#opts.onMessageIds?.({ channelMessageId: msg.id });
    return msg;
  }
}

/** Discord refusing a post for good: the reason the member reads, and Discord's code. */
function refusalOf(err: unknown): { reason: string; code: number } | undefined {
  if (err instanceof DiscordAPIError && typeof err.code === 'number' && REFUSALS[err.code]) return { reason: REFUSALS[err.code], code: err.code };
  // An upload over the limit can also be refused by the edge before Discord's API sees it: a bare 413.
  if ((err instanceof DiscordAPIError || err instanceof HTTPError) && err.status === 413) return { reason: REFUSALS[40005], code: 40005 };
  return undefined;
}

/**
 * Runs one REST attempt with a signal of its own that follows `signal`: the REST client leaves a
 * listener on every signal it is given, so retries on the long-lived one would pile them up.
 */
async function withAttemptSignal<T>(signal: AbortSignal | undefined, fn: (attempt?: AbortSignal) => Promise<T>): Promise<T> {
  if (!signal) return fn(undefined);
  const attempt = new AbortController();
  const follow = () => attempt.abort(signal.reason);
  signal.addEventListener('abort', follow, { once: true });
  try {
    return await fn(attempt.signal);
  } finally {
    signal.removeEventListener('abort', follow);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Milliseconds to wait when `err` is a rate limit, else 0. */
function retryAfter(err: unknown): number {
  if (err instanceof RateLimitError) return Math.max(1, err.retryAfter);
  if (err instanceof DiscordAPIError && err.status === 429) return 1000;
  return 0;
}
