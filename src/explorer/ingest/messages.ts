/** What the ingest threads say to each other (main ⇄ decode thread ⇄ write thread). */
import type { IngestLimits } from '../limits.js';
import type { RetentionResult } from '../store/retention.js';
import type { PreparedBatch } from '../store/rows.js';
import type { TailSamplingOptions } from '../sampling/options.js';
import type { SamplingReport } from '../sampling/sampling-stage.js';
import type { WriteOutcome } from './batch-writer.js';

export type Signal = 'traces' | 'logs';
/** OTLP protobuf or JSON; `zipkin-json` is a Zipkin v2 span list (traces only, src/explorer/zipkin/). */
export type Encoding = 'protobuf' | 'json' | 'zipkin-json';

// ---- main → decode thread
export interface DecodeRequest {
  type: 'decode';
  id: number;
  signal: Signal;
  encoding: Encoding;
  contentEncoding: string;
  body: Uint8Array;
}

// ---- decode thread → main
/** The request could not be decoded: answered without reaching the writer. */
export interface DecodeFailed {
  type: 'decode-failed';
  id: number;
  status: 400 | 413;
  message: string;
}
/** Decoded and handed to the writer (the main thread then knows a decoder crash was not about it). */
export interface Decoded {
  type: 'decoded';
  id: number;
}

// ---- decode thread → write thread
/** `rejected`/`messages`: the decoder's share of partial_success, passed on to the outcome. */
export interface WriteRequest {
  type: 'write';
  id: number;
  batch: PreparedBatch;
  rejected: number;
  messages: string[];
}

// ---- main → write thread
export type WriterCommand =
  | { type: 'retention'; id: number; nowMs: number; maxAgeMs: number; maxBytes: number }
  /** Decide the traces ready at nowMs now and commit them (tests; the thread's timer does the same). */
  | { type: 'sampling-decide'; id: number; nowMs: number }
  | { type: 'close' };

// ---- write thread → main
export type WriterEvent =
  | { type: 'ready' }
  | { type: 'written'; outcomes: WriteOutcome[] }
  | { type: 'retention-done'; id: number; result?: RetentionResult; error?: string }
  | { type: 'sampling'; report: SamplingReport }
  | { type: 'sampling-decided'; id: number }
  | { type: 'closed' };

export interface DecodeWorkerData {
  limits: IngestLimits;
  maxBodyBytes: number;
}

export interface WriteWorkerData {
  dbPath: string;
  maxSpansPerTrace: number;
  busyTimeoutMs: number;
  lingerMs: number;
  /** Tail sampling (src/explorer/sampling/): absent, every record is written as it comes. */
  sampling?: TailSamplingOptions;
}
