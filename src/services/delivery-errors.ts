/** Why a finished result was not posted, in words the delivery stage can act on without knowing Discord. */

/**
 * The chat service refused the post for good (no access to the channel, no permission, no such
 * channel, a file larger than it accepts): trying again cannot help, so the job is refunded.
 */
export class DeliveryRefusedError extends Error {
  override name = 'DeliveryRefusedError';
  constructor(
    /** What the member reads, e.g. "the bot may not post in this channel (Missing Permissions)". */
    readonly reason: string,
    /** The service's own code (Discord's 50013 ...), for the log. */
    readonly code?: number | string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}
