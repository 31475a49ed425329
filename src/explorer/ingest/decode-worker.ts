/**
 * The decode thread: takes export bodies from the main thread, decodes them under the ingest
 * limits into rows and hands the rows straight to the write thread (its own MessagePort), so
 * decoding one request overlaps with inserting the previous one on the other core, and the
 * main thread (query API) never spends time on either.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { IngestRequestError, prepareRequest } from './decode-request.js';
import type { DecodeFailed, DecodeRequest, DecodeWorkerData, Decoded, WriteRequest } from './messages.js';

const { limits, maxBodyBytes } = workerData as DecodeWorkerData;
const main = parentPort!;
let writer: MessagePort | undefined;

function decode(m: DecodeRequest): void {
  let prepared;
  try {
    prepared = prepareRequest(m.signal, m.encoding, m.contentEncoding, m.body, limits, maxBodyBytes);
  } catch (err) {
    const status = err instanceof IngestRequestError ? err.status : 400;
    main.postMessage({ type: 'decode-failed', id: m.id, status, message: (err as Error).message } satisfies DecodeFailed);
    return;
  }
  main.postMessage({ type: 'decoded', id: m.id } satisfies Decoded);
  writer!.postMessage({
    type: 'write',
    id: m.id,
    batch: prepared.batch,
    rejected: prepared.rejected,
    messages: prepared.messages,
  } satisfies WriteRequest);
}

main.on('message', (m: DecodeRequest | { type: 'writer-port'; port: MessagePort }) => {
  if (m.type === 'writer-port') writer = m.port;
  else decode(m);
});
