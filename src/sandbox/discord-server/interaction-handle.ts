/** What a test holds after a user invokes a command or clicks a button: the interaction and its responses. */
import type { CallbackRecord, InteractionRecord, MessageRecord } from './records.ts';
import type { WaitOptions } from './wait-for.ts';

/** The part of FakeDiscord a handle needs, kept narrow so the handle stays a thin view. */
export interface HandleHost {
  waitFor<T>(probe: () => T | Promise<T>, options?: WaitOptions): Promise<NonNullable<T>>;
  message(id: string): MessageRecord | undefined;
}

export class InteractionHandle {
  constructor(
    readonly record: InteractionRecord,
    readonly host: HandleHost,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get token(): string {
    return this.record.token;
  }

  /** The first (and only) callback, once the bot acknowledged. */
  get callback(): CallbackRecord | null {
    return this.record.callback;
  }

  /** The modal the bot answered with (callback type 9), as sent; undefined otherwise. */
  get modal(): { custom_id: string; title: string; components: Array<{ components: Array<{ custom_id: string; label: string; value?: string }> }> } | undefined {
    return this.record.callback?.type === 9 ? (this.record.callback.data as never) : undefined;
  }

  /** The @original message: the reply (types 4/5) or, for components, the message updated (6/7). Deleted ones too. */
  get original(): MessageRecord | undefined {
    return this.record.originalMessageId ? this.host.message(this.record.originalMessageId) : undefined;
  }

  get followups(): MessageRecord[] {
    return this.record.followupIds.flatMap((id) => this.host.message(id) ?? []);
  }

  /** Makes the token invalid now, as if 15 minutes had passed: webhook routes answer 401 50027. */
  expireToken(): void {
    this.record.expiresAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * Resolves when the fake has the callback, which can be before discord.js has read the answer: to
   * drive the client's interaction next (editReply...), wait for its `deferred`/`replied` instead.
   */
  waitForAck(options?: WaitOptions): Promise<CallbackRecord> {
    return this.host.waitFor(() => this.record.callback, { label: `acknowledgement of interaction ${this.id}`, ...options });
  }

  /** Waits until the original response exists and satisfies `predicate` (e.g. has an attachment). */
  waitForOriginal(predicate: (message: MessageRecord) => boolean = () => true, options?: WaitOptions): Promise<MessageRecord> {
    return this.host.waitFor(() => {
      const original = this.original;
      return original && predicate(original) ? original : undefined;
    }, { label: `the original response of interaction ${this.id} to match ${predicate.toString()}`, ...options });
  }

  /** Waits for at least `count` followups and answers them all. */
  waitForFollowups(count = 1, options?: WaitOptions): Promise<MessageRecord[]> {
    return this.host.waitFor(() => {
      const followups = this.followups;
      return followups.length >= count ? followups : undefined;
    }, { label: `${count} followup(s) of interaction ${this.id}`, ...options });
  }
}
