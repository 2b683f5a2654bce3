/**
 * An expected failure the user should read (bad option, queue full, quota spent), shown to them
 * ephemerally; anything else is logged with context and answered with a short generic message.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    /** Stable identifier, e.g. 'option.steps', 'queue.full', 'quota.spent'. */
    readonly identifier: string,
    /** Plain words, without any chat platform's syntax: src/discord words what needs Discord's (mentions, commands). */
    message: string,
    /** What src/discord needs to word it (a role id, a count). */
    readonly values: Readonly<Record<string, string | number | boolean | null>> = {},
  ) {
    super(message);
  }
}
