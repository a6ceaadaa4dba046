/** An error while a script runs (RFC 5228 2.10.6): the run stops and the message is kept in INBOX. */
export class SieveRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SieveRuntimeError';
  }
}
