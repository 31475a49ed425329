/**
 * The error texts of the consumer policy, written once for every backend: what a dead letter
 * records, what a processor aborted by shutdown sees, what a message lost with its consumers
 * reports. The worker logs and stores these texts (the failed generation's message).
 */

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Longest error text kept with a retried or dead message (RabbitMQ carries it in a header). */
const MAX_REASON_CHARS = 1_000;

/** The text stored with a retried or dead-lettered message. */
export function reasonOf(error: Error): string {
  return error.message.slice(0, MAX_REASON_CHARS);
}

/**
 * The error a message is dead-lettered with when it comes round once more after its last
 * allowed delivery ended without an answer (the consumer died). `lastError` is the failure of
 * the last attempt that did answer, when there was one.
 */
export function lostDeliveriesError(delivered: number, lastError: string | null): Error {
  const times = `${delivered} time${delivered === 1 ? '' : 's'}`;
  return new Error(`delivered ${times} without completing (consumer died)${lastError ? `; last error: ${lastError}` : ''}`);
}

/** A body the transport cannot decode: retrying cannot help, so it is dead-lettered at once. */
export function undecodableError(cause: unknown): Error {
  return new Error(`message body could not be decoded: ${toError(cause).message}`, { cause });
}

/** The abort reason a processor sees when close({ drain: false }) hands its message back. */
export function handBackReason(): Error {
  return new Error('queue consumer closing: message handed back');
}
