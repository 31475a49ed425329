/**
 * A server interceptor that runs before the export message is read, so a call without the
 * token costs no body buffering: the explorer token (`authorization: Bearer <token>` or
 * `x-api-key` metadata, as on OTLP/HTTP) is checked on the call's metadata, and the message
 * must arrive within the request deadline (a client trickling its bytes is cut off, as the
 * HTTP servers cut off a slow body, src/http/server-timeouts.ts).
 */
import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status as GrpcCode,
  type Metadata,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { tokenEquals } from '../security.js';

export interface CallGuardOptions {
  /** Undefined: no token asked (a loopback bind without DIFFSCOPE_EXPLORER_TOKEN). */
  token?: string;
  /** Time from the call's start until its whole message has been received. */
  receiveTimeoutMs: number;
}

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** The token a call presents, read the way the HTTP receiver reads it (src/explorer/security.ts). */
export function presentedGrpcToken(metadata: Metadata): string | undefined {
  const auth = first(metadata, 'authorization');
  if (auth !== undefined && /^bearer /i.test(auth)) return auth.slice(7).trim();
  return first(metadata, 'x-api-key');
}

export function callGuard(options: CallGuardOptions): ServerInterceptor {
  const { token, receiveTimeoutMs } = options;
  return (_method, call) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const given = token === undefined ? undefined : presentedGrpcToken(metadata);
        if (token !== undefined && (given === undefined || !tokenEquals(given, token))) {
          stop();
          call.sendStatus({ code: GrpcCode.UNAUTHENTICATED, details: 'missing or invalid explorer token' });
          return;
        }
        next(metadata);
      })
      .withOnReceiveMessage((message, next) => {
        stop();
        next(message);
      })
      .withOnCancel(stop)
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => {
        timer = setTimeout(() => {
          timer = undefined;
          call.sendStatus({ code: GrpcCode.DEADLINE_EXCEEDED, details: `the export message did not arrive within ${receiveTimeoutMs} ms` });
        }, receiveTimeoutMs);
        timer.unref();
        next(listener);
      })
      .withSendStatus((status, next) => {
        stop();
        next(status);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}
