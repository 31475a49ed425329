/**
 * Socket and request deadlines for every HTTP server of diffscope, so a client that trickles
 * its headers or body (or opens a socket and says nothing) is cut off instead of holding a
 * socket forever:
 *
 *   headersTimeoutMs    all request headers must arrive within this (Node `headersTimeout`)
 *   requestTimeoutMs    the whole request, headers and body (Node `requestTimeout`)
 *   keepAliveTimeoutMs  an idle kept-alive socket between two requests
 *   idleTimeoutMs       no byte either way on a socket for this long (Fastify `connectionTimeout`);
 *                       long waits (SSE, sync generation) write heartbeats or extend it
 *
 * Node checks the first two on a timer (`connectionsCheckingInterval`, 30 s by default, so a
 * 10 s limit could take 40 s); the timer here runs at a fraction of the shortest limit.
 */
import type { FastifyServerOptions } from 'fastify';

export interface HttpTimeoutsOptions {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
}

/** The configured deadlines (docs/configuration.md, "HTTP servers"). */
export function httpTimeoutsFromConfig(config: {
  DIFFSCOPE_HTTP_HEADERS_TIMEOUT_MS: number;
  DIFFSCOPE_HTTP_REQUEST_TIMEOUT_MS: number;
  DIFFSCOPE_HTTP_KEEP_ALIVE_TIMEOUT_MS: number;
  DIFFSCOPE_HTTP_IDLE_TIMEOUT_MS: number;
}): HttpTimeoutsOptions {
  return {
    headersTimeoutMs: config.DIFFSCOPE_HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.DIFFSCOPE_HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.DIFFSCOPE_HTTP_KEEP_ALIVE_TIMEOUT_MS,
    idleTimeoutMs: config.DIFFSCOPE_HTTP_IDLE_TIMEOUT_MS,
  };
}

/** Spread into `Fastify({...})`. */
export function fastifyTimeoutOptions(t: HttpTimeoutsOptions): Pick<
  FastifyServerOptions,
  'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout'
> & {
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
} {
  // Node requires headersTimeout <= requestTimeout.
  const headersTimeout = Math.min(t.headersTimeoutMs, t.requestTimeoutMs);
  const shortest = Math.min(headersTimeout, t.requestTimeoutMs);
  return {
    connectionTimeout: t.idleTimeoutMs,
    keepAliveTimeout: t.keepAliveTimeoutMs,
    requestTimeout: t.requestTimeoutMs,
    http: {
      headersTimeout,
      requestTimeout: t.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(shortest / 4))),
    },
  };
}
