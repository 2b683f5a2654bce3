/** An expected, user-facing failure of a request: names the field, the value, and what is allowed. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
