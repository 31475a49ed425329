/**
 * One export request, from the bytes received to rows ready to insert: decompress (bounded),
 * decode (protobuf or JSON) under the ingest limits, build rows. Runs on the decode thread;
 * pure, so tests and benchmarks can call it directly.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { DecodeContext } from '../otlp/decode-context.js';
import { decodeLogsJson, decodeTracesJson } from '../otlp/decode-json.js';
import { decodeLogsProtobuf, decodeTracesProtobuf } from '../otlp/decode-protobuf.js';
import { decodeZipkinJson } from '../zipkin/decode-zipkin-json.js';
import type { IngestLimits } from '../limits.js';
import { BatchBuilder, type PreparedBatch } from '../store/rows.js';
import type { Encoding, Signal } from './messages.js';

export class IngestRequestError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'IngestRequestError';
  }
}

export interface PreparedRequest {
  batch: PreparedBatch;
  /** Records refused by the decoder (invalid ids, unbuildable rows). */
  rejected: number;
  /** Why: rejections and what the limits dropped or cut (partial_success.error_message). */
  messages: string[];
}

/** The body after Content-Encoding, never larger than `maxBytes` (a zip bomb stops at the limit). */
export function decompress(body: Uint8Array, contentEncoding: string, maxBytes: number): Uint8Array {
  const enc = contentEncoding.trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  if (enc !== 'gzip' && enc !== 'x-gzip' && enc !== 'deflate') throw new IngestRequestError(400, `unsupported Content-Encoding "${enc}"`);
  try {
    return enc === 'deflate' ? inflateSync(body, { maxOutputLength: maxBytes }) : gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new IngestRequestError(413, `decompressed body larger than ${maxBytes} bytes`);
    }
    throw new IngestRequestError(400, `cannot decompress ${enc} body: ${(err as Error).message}`);
  }
}

const DECODERS = {
  traces: { protobuf: decodeTracesProtobuf, json: decodeTracesJson, 'zipkin-json': decodeZipkinJson },
  logs: { protobuf: decodeLogsProtobuf, json: decodeLogsJson },
} as const;

export function prepareRequest(
  signal: Signal,
  encoding: Encoding,
  contentEncoding: string,
  body: Uint8Array,
  limits: Partial<IngestLimits>,
  maxBodyBytes: number,
  nowMs: number = Date.now(),
): PreparedRequest {
  const bytes = decompress(body, contentEncoding, maxBodyBytes);
  const ctx = new DecodeContext(limits, nowMs);
  const builder = new BatchBuilder();
  let rejected: number;
  let rejectReason: string | undefined;
  let warnings: string[] | undefined;
  try {
    if (signal === 'traces') {
      const decoded = DECODERS.traces[encoding](bytes, ctx);
      builder.addSpans(decoded.records);
      ({ rejected, rejectReason, warnings } = decoded);
    } else {
      if (encoding === 'zipkin-json') throw new IngestRequestError(400, 'Zipkin carries spans only');
      const decoded = DECODERS.logs[encoding](bytes, ctx);
      builder.addLogs(decoded.records);
      ({ rejected, rejectReason, warnings } = decoded);
    }
  } catch (err) {
    if (err instanceof IngestRequestError) throw err;
    // protobufjs and the JSON decoder throw on malformed input; a stack overflow here means a
    // message nested deeper than the decoder's stack, equally the payload's fault
    const message = (err as Error).message;
    const reason = err instanceof RangeError && /call stack/i.test(message) ? 'nested too deeply to decode' : message;
    throw new IngestRequestError(400, `malformed ${encoding === 'zipkin-json' ? 'Zipkin v2 JSON' : `OTLP ${encoding}`} payload: ${reason}`);
  }
  const messages: string[] = [];
  if (rejected > 0 && rejectReason) messages.push(`${rejected} record(s) rejected: ${rejectReason}`);
  if (builder.unbuildable > 0) messages.push(`${builder.unbuildable} record(s) rejected: could not be serialized`);
  if (warnings) messages.push(...warnings);
  return { batch: builder.batch, rejected: rejected + builder.unbuildable, messages };
}
