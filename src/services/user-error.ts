/**
 * An expected failure the user should read (bad option, queue full, quota spent), shown to them
 * ephemerally; anything else is logged with context and answered with a short generic message.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    /** Stable identifier, e.g. 'option.steps', 'queue.full', 'quota.spent'. */
    readonly identifier: string,
    message: string,
  ) {
    super(message);
  }
}
