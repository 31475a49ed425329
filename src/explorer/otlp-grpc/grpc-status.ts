/**
 * gRPC statuses of the OTLP/gRPC receiver, as the OTLP specification asks: a store that cannot
 * take the export now answers UNAVAILABLE with a `google.rpc.RetryInfo` in the status details
 * (the `grpc-status-details-bin` trailer, a serialized `google.rpc.Status`), which the Collector
 * and the Go/Java/Python exporters read as "retry after this delay"; a payload that can never
 * be stored answers INVALID_ARGUMENT (or RESOURCE_EXHAUSTED when too large), which they do not
 * retry. Messages are encoded with protobufjs over the googleapis definitions below.
 */
import protobuf from 'protobufjs';
import { Metadata, status as GrpcCode, type StatusObject } from '@grpc/grpc-js';
import type { IngestAnswer } from '../ingest/ingest-pipeline.js';

/** Transcribed from googleapis google/rpc/{status,error_details}.proto and protobuf's any/duration.proto (field numbers are the contract). */
const RICH_STATUS_PROTO = `
syntax = "proto3";
package google.protobuf;
message Any { string type_url = 1; bytes value = 2; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
`;
const RPC_DETAILS_PROTO = `
syntax = "proto3";
package google.rpc;
message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
message RetryInfo { google.protobuf.Duration retry_delay = 1; }
`;

const root = new protobuf.Root();
protobuf.parse(RICH_STATUS_PROTO, root, { keepCase: false });
protobuf.parse(RPC_DETAILS_PROTO, root, { keepCase: false });
root.resolveAll();
const RpcStatus = root.lookupType('google.rpc.Status');
const RetryInfo = root.lookupType('google.rpc.RetryInfo');

/** The status-details trailer gRPC defines for rich errors. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** The protobufjs types, for tests that read the trailer back. */
export const richStatusTypes = { RpcStatus, RetryInfo };

/** UNAVAILABLE + RetryInfo(retry_delay = `retryAfterS`): what OTLP/gRPC says for "retry later". */
export function unavailable(message: string, retryAfterS: number): Partial<StatusObject> {
  const retryInfo = RetryInfo.encode(RetryInfo.create({ retryDelay: { seconds: retryAfterS, nanos: 0 } })).finish();
  const details = RpcStatus.encode(
    RpcStatus.create({
      code: GrpcCode.UNAVAILABLE,
      message,
      details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: retryInfo }],
    }),
  ).finish();
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(details));
  return { code: GrpcCode.UNAVAILABLE, details: message, metadata };
}

/** The gRPC status of an ingest answer that is not a success. */
export function statusOfFailure(answer: Exclude<IngestAnswer, { status: 200 }>): Partial<StatusObject> {
  if (answer.status === 503) return unavailable(answer.message, answer.retryAfterS);
  return { code: answer.status === 413 ? GrpcCode.RESOURCE_EXHAUSTED : GrpcCode.INVALID_ARGUMENT, details: answer.message };
}
