/**
 * Shows one job in Discord: queue position, throttled previews, then the result with its buttons
 * (and reactions on single images). Talks to Discord's REST API directly, so a job restored after
 * a restart (with only its stored token and ids) is shown exactly like a fresh one.
 *
 * Failures it absorbs, where other bots lose the job:
 * - the interaction token dies after 15 minutes: it continues in a channel message sent with the
 *   bot's own token, addressed to the requester;
 * - the reply was deleted (10008): the result is posted anew;
 * - rate limits: previews are dropped, the final result waits and retries.
 */
import { DiscordAPIError, RateLimitError, Routes, type APIMessage, type REST, type RESTPatchAPIWebhookWithTokenMessageJSONBody } from 'discord.js';
import type { JobObserver, JobProgress, JobResult } from '../services/job-observer.ts';
import { DEFAULT_ATTACHMENT_LIMIT, fitAttachment } from './fit-attachment.ts';
import { PreviewThrottle } from './preview-throttle.ts';
import { queuedText, resultComponents, resultText, SINGLE_IMAGE_REACTIONS } from './result-message.ts';

export const NO_PINGS = { parse: [] as never[] };
const UNKNOWN_MESSAGE = 10008;
const INVALID_WEBHOOK_TOKEN = 50027;
/** How long a final message waits out rate limits before the error is logged. */
const MAX_RATE_LIMIT_WAIT_MS = 10 * 60_000;

/** Where the job's messages go, and the ids it has posted so far (persisted by the caller). */
export interface PresenterTarget {
  applicationId: string;
  channelId: string;
  userId: string;
  /** Interaction token and when it stops working; absent for jobs started by a reaction. */
  interaction?: { token: string; expiresAt: number };
  /** A message this job's channel message should reply to (reaction-started jobs). */
  replyTo?: string;
  /** The channel message used once the token is gone (restored after a restart). */
  channelMessageId?: string;
  /** Largest upload Discord takes for the result, in bytes (default: a server without boosts'). */
  attachmentSizeLimit?: number;
}

export interface PresenterOptions {
  previewIntervalMs: number;
  now?: () => number;
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
  #finished = false;

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

  async done(result: JobResult): Promise<{ messageId: string }> {
    this.#finished = true;
    const single = result.seeds.length === 1;
    // Over the upload limit the picture is re-encoded smaller, and the message says so (the full PNG is kept).
    const file = await fitAttachment(result.png, this.#target.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_LIMIT, `job-${result.job.id}`);
    const payload: Payload = {
      body: {
        content: [resultText(result), file.note].filter(Boolean).join('\n'),
        components: resultComponents(result.job.id, result.seeds.length),
        attachments: [{ id: 0, filename: file.name }],
        allowed_mentions: NO_PINGS,
      },
      files: [{ name: file.name, data: file.data }],
    };
    const message = await this.#deliver(payload);
    // Recorded now, before the reactions go on, so a reaction can find its job at once.
    this.#opts.onMessageIds?.({ resultMessageId: message.id });
    if (single) {
      for (const emoji of SINGLE_IMAGE_REACTIONS) {
        await this.#retryOnRateLimit(() =>
          this.#rest.put(Routes.channelMessageOwnReaction(message.channel_id, message.id, encodeURIComponent(emoji))),
        ).catch((err) => this.#opts.log?.(`could not add ${emoji} to ${message.id}`, err));
      }
    }
    return { messageId: message.id };
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
  async #deliver(payload: Payload): Promise<APIMessage> {
    return this.#retryOnRateLimit(() => this.#show(payload, 'result'));
  }

  async #retryOnRateLimit<T>(fn: () => Promise<T>): Promise<T> {
    // Bounded by time, not by attempts: a long 429 storm must delay the result, never drop it.
    const giveUpAt = this.#now() + MAX_RATE_LIMIT_WAIT_MS;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        const wait = retryAfter(err);
        if (!wait || this.#now() + wait > giveUpAt) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** Edit the interaction reply while the token lives; after that, the job's channel message. */
  async #show(payload: Payload, what: string): Promise<APIMessage> {
    if (this.#tokenAlive) {
      try {
        const msg = (await this.#rest.patch(Routes.webhookMessage(this.#target.applicationId, this.#target.interaction!.token, '@original'), {
          body: payload.body,
          files: payload.files,
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
    return this.#showInChannel(payload);
  }

  async #showInChannel(payload: Payload): Promise<APIMessage> {
    const { channelId, userId } = this.#target;
    // Outside the interaction the requester must be told whose job this is: mention them, and only them.
    const body: Body = {
      ...payload.body,
      content: `<@${userId}> ${payload.body.content ?? ''}`.trim(),
      allowed_mentions: { parse: [], users: [userId] },
    };
    if (this.#channelMessageId) {
      try {
        return (await this.#rest.patch(Routes.channelMessage(channelId, this.#channelMessageId), { body, files: payload.files })) as APIMessage;
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
      },
      files: payload.files,
    })) as APIMessage;
    this.#channelMessageId = msg.id;
    this.#opts.onMessageIds?.({ channelMessageId: msg.id });
    return msg;
  }
}

/** Milliseconds to wait when `err` is a rate limit, else 0. */
function retryAfter(err: unknown): number {
  if (err instanceof RateLimitError) return Math.max(1, err.retryAfter);
  if (err instanceof DiscordAPIError && err.status === 429) return 1000;
  return 0;
}
