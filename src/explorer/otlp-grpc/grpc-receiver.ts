/**
 * OTLP/gRPC receiver: `opentelemetry.proto.collector.trace.v1.TraceService/Export` and
 * `opentelemetry.proto.collector.logs.v1.LogsService/Export` on DIFFSCOPE_OTLP_GRPC_PORT (4317,
 * where the Python, Go and Java SDKs export by default). The request message is not decoded
 * here: its bytes are an ExportTrace/LogsServiceRequest in protobuf, exactly an OTLP/HTTP
 * protobuf body, so they go to the same ingest entry point (IngestPipeline.submit) and are
 * decoded once, on the decode thread, under the same limits. grpc-js handles the transport:
 * `grpc-encoding: gzip` (decompressed size bounded by the message limit) and the message size
 * limit (RESOURCE_EXHAUSTED above DIFFSCOPE_OTLP_MAX_BODY_BYTES). Auth and the receive deadline
 * are checked before the message is read (call-guard.ts); answers as OTLP/gRPC specifies:
 * an Export*ServiceResponse (with partial_success when records were rejected or cut),
 * INVALID_ARGUMENT for a payload that does not decode, UNAVAILABLE + RetryInfo when the store
 * cannot take it now (grpc-status.ts).
 */
import {
  Server,
  ServerCredentials,
  status as GrpcCode,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { ExplorerLogger } from '../logger.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';
import type { Signal } from '../ingest/messages.js';
import { encodeLogsResponse, encodeTraceResponse } from '../otlp/decode-protobuf.js';
import { callGuard } from './call-guard.js';
import { statusOfFailure } from './grpc-status.js';

export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const LOGS_EXPORT_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
/** Where OTLP/gRPC exporters send by default. */
export const DEFAULT_OTLP_GRPC_PORT = 4317;

export interface OtlpGrpcReceiverOptions {
  ingest: IngestPipeline;
  logger: ExplorerLogger;
  /** Largest message, after decompression (DIFFSCOPE_OTLP_MAX_BODY_BYTES, as on OTLP/HTTP). */
  maxMessageBytes: number;
  token?: string;
  /** The whole message must arrive within this (DIFFSCOPE_HTTP_REQUEST_TIMEOUT_MS). */
  receiveTimeoutMs: number;
  /** A connection with no call for this long is closed (DIFFSCOPE_HTTP_IDLE_TIMEOUT_MS); exporters reconnect. */
  idleTimeoutMs: number;
}

export interface OtlpGrpcReceiver {
  /** Binds `host:port` (0: any free port); resolves with the port bound. */
  listen(host: string, port: number): Promise<number>;
  /** Answers the calls in progress (up to `graceMs`), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

/** Bytes in, bytes out: the message stays the protobuf the ingest threads decode. */
const passThrough = (bytes: Buffer): Buffer => bytes;

function exportMethod(path: string) {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  };
}

const TRACE_SERVICE: ServiceDefinition = { Export: exportMethod(TRACE_EXPORT_PATH) };
const LOGS_SERVICE: ServiceDefinition = { Export: exportMethod(LOGS_EXPORT_PATH) };

const RESPONSES: Record<Signal, (rejected: number, message?: string) => Uint8Array> = {
  traces: encodeTraceResponse,
  logs: encodeLogsResponse,
};

function hostPort(host: string, port: number): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

export function buildOtlpGrpcReceiver(options: OtlpGrpcReceiverOptions): OtlpGrpcReceiver {
  const { ingest, logger } = options;
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_connection_idle_ms': options.idleTimeoutMs,
    // one client cannot open unbounded streams on one connection
    'grpc.max_concurrent_streams': 100,
    interceptors: [callGuard({ token: options.token, receiveTimeoutMs: options.receiveTimeoutMs })],
  });

  function exportHandler(signal: Signal) {
    return (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      ingest.submit(signal, 'protobuf', '', call.request).then(
        (answer) => {
          if (answer.status === 200) {
            callback(null, Buffer.from(RESPONSES[signal](answer.rejected, answer.message)));
            return;
          }
          if (answer.status === 400)
            logger.debug('otlp_payload_rejected', { url: `grpc:${signal}`, encoding: 'protobuf', reason: answer.message });
          callback(statusOfFailure(answer), null);
        },
        (err: unknown) => {
          logger.error('otlp_receiver_error', { err, url: `grpc:${signal}` });
          callback({ code: GrpcCode.INTERNAL, details: 'internal error' }, null);
        },
      );
    };
  }
  const traces: UntypedServiceImplementation = { Export: exportHandler('traces') };
  const logs: UntypedServiceImplementation = { Export: exportHandler('logs') };
  server.addService(TRACE_SERVICE, traces);
  server.addService(LOGS_SERVICE, logs);

  let closed: Promise<void> | undefined;
  return {
    listen: (host, port) =>
      new Promise<number>((resolve, reject) => {
        server.bindAsync(hostPort(host, port), ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
      }),
    close: (graceMs = 5000) =>
      (closed ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      })),
  };
}

/**
 * Binds the receiver. `port` undefined means the default (4317) was not chosen by anyone: when
 * something else holds it, the explorer runs without OTLP/gRPC and says so, instead of failing
 * to start; a port that was set must be bound (the error propagates).
 */
export async function listenOtlpGrpc(
  receiver: OtlpGrpcReceiver,
  host: string,
  port: number | undefined,
  logger: ExplorerLogger,
): Promise<number | undefined> {
  try {
    return await receiver.listen(host, port ?? DEFAULT_OTLP_GRPC_PORT);
  } catch (err) {
    const message = (err as Error).message;
    if (port !== undefined || !/EADDRINUSE|address already in use/i.test(message)) throw err;
    await receiver.close(0);
    logger.warn('otlp_grpc_port_busy', { address: hostPort(host, DEFAULT_OTLP_GRPC_PORT), message });
    return undefined;
  }
}
