/**
 * The shared per-request concerns that must escape plugin encapsulation: request id,
 * the server span (span A) and its context, W3C `traceresponse`, auth and HTTP metrics.
 *
 * One SERVER span per request: when the OpenTelemetry http instrumentation is active it
 * already made one (named after the method only), so that span is renamed to
 * `<METHOD> <route>` and given `http.route`; otherwise this hook starts the SERVER span
 * itself, continuing the caller's `traceparent` (a malformed one starts a new trace). With API
 * keys the callers are tenants who must not write into each other's traces (a trace id learnt
 * from another tenant would let them append spans to it), so the caller's context is only
 * LINKED to a new trace, unless the operator trusts it (DIFFSCOPE_TRUST_INCOMING_TRACE_CONTEXT).
 *
 * Before auth, the host the request names (its `Host` header, or an absolute-form target's
 * authority) is checked against the allowlist (src/http/host-allowlist.ts).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseApiKeys } from '../config/index.js';
import { httpServerSpanName } from '../contract/index.js';
import { DiffscopeError } from '../errors/index.js';
import { hostRefusedMessage, requestHost, type HostAllowlist } from '../http/index.js';
import {
  ATTR,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  getTracer,
  exemplarOf,
  extractHttpContext,
  runWithRequestScope,
  trace,
  type Context,
  type Link,
  type Logger,
  type Span,
} from '../telemetry/index.js';
import type { HttpMetrics } from './http-metrics.js';

type SpanContext = Link['context'];

declare module 'fastify' {
  interface FastifyRequest {
    /** `anonymous` when no API keys are configured. */
    clientId: string;
    /** Context holding span A and the request scope: run handler work inside it. */
    otelContext: Context;
    serverSpan: Span | null;
    /** W3C trace id of this request (random when tracing is off). */
    traceId: string;
  }
}

const ownSpans = new WeakMap<FastifyRequest, { span: Span; ended: boolean }>();
const startTimes = new WeakMap<FastifyRequest, bigint>();
const ANONYMOUS = 'anonymous';
const PROBE_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('hex')}`;
}

function isServerSpan(span: Span | undefined): span is Span {
  if (!span || !span.isRecording()) return false;
  return (span as unknown as { kind?: number }).kind === SpanKind.SERVER;
}

function validTraceId(id: string | undefined): id is string {
  return !!id && /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id);
}

/**
 * The caller's span context from whichever trace header OTEL_PROPAGATORS accepts (W3C by default;
 * B3, Jaeger, X-Ray, X-Cloud-Trace-Context when listed); only the span context, no baggage from the internet.
 */
function callerSpanContext(headers: FastifyRequest['headers']): SpanContext | undefined {
  return trace.getSpanContext(extractHttpContext(headers));
}

/** Continue the caller's trace (parent) or only point at it (link) from a new one. */
function spanOrigin(caller: SpanContext | undefined, continueCaller: boolean): { parent: Context; links: Link[] } {
  if (!caller) return { parent: ROOT_CONTEXT, links: [] };
  if (continueCaller) return { parent: trace.setSpanContext(ROOT_CONTEXT, caller), links: [] };
  return { parent: ROOT_CONTEXT, links: [{ context: { ...caller, isRemote: true } }] };
}

export interface RequestContextOptions {
  apiKeys: string;
  logger: Logger;
  metrics: HttpMetrics;
  /** Requests whose Host it refuses get 403 DSC_ERR_API_HOST_NOT_ALLOWED before anything else. */
  hostAllowlist?: HostAllowlist;
  /** With API keys: continue an incoming traceparent rather than link it (default false). */
  trustIncomingTraceContext?: boolean;
}

export function registerRequestContext(app: FastifyInstance, options: RequestContextOptions): void {
  // Makes sure a context manager exists before the first request (without the SDK the API's
  // default one is a no-op and context.with below would drop span A).
  runWithRequestScope({ requestId: 'startup' }, () => undefined);
  const keys = parseApiKeys(options.apiKeys);
  const authRequired = keys.size > 0;
  // Without keys every caller is the same "anonymous" client: continuing its trace crosses no tenant.
  const continueCaller = !authRequired || options.trustIncomingTraceContext === true;
  const tracer = getTracer();

  app.decorateRequest('clientId', ANONYMOUS);
  app.decorateRequest('otelContext', null as unknown as Context);
  app.decorateRequest('serverSpan', null);
  app.decorateRequest('traceId', '');

  app.addHook('onRequest', async (request, reply) => {
    startTimes.set(request, process.hrtime.bigint());
    const route = request.routeOptions.url ?? 'unmatched';
    const name = httpServerSpanName(request.method, route);
    const active = trace.getActiveSpan();
    let span: Span;
    let base: Context;
    if (PROBE_ROUTES.has(route) && !isServerSpan(active)) {
      // Probes and scrapes make no trace (the http instrumentation ignores them too).
      span = trace.wrapSpanContext({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: 0 });
      base = context.active();
    } else if (isServerSpan(active)) {
      span = active;
      span.updateName(name);
      span.setAttribute(ATTR.HTTP_ROUTE, route);
      base = context.active();
    } else {
      const { parent, links } = spanOrigin(callerSpanContext(request.headers), continueCaller);
      span = tracer.startSpan(
        name,
        {
          kind: SpanKind.SERVER,
          links,
          attributes: {
            [ATTR.HTTP_REQUEST_METHOD]: request.method,
            [ATTR.HTTP_ROUTE]: route,
            [ATTR.URL_PATH]: request.url.split('?')[0],
            [ATTR.URL_SCHEME]: request.protocol,
            [ATTR.CLIENT_ADDRESS]: request.ip,
            [ATTR.USER_AGENT_ORIGINAL]: request.headers['user-agent'] ?? '',
          },
        },
        parent,
      );
      ownSpans.set(request, { span, ended: false });
      base = trace.setSpan(parent, span);
    }
    span.setAttribute(ATTR.REQUEST_ID, request.id);
    request.serverSpan = span;

    const sc = span.spanContext();
    if (validTraceId(sc.traceId)) {
      request.traceId = sc.traceId;
      reply.header('traceresponse', `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 1) === 1 ? '01' : '00'}`);
    } else {
      // Tracing off: still give the client an id to quote, in the same format.
      request.traceId = randomBytes(16).toString('hex');
      reply.header('traceresponse', `00-${request.traceId}-${randomBytes(8).toString('hex')}-00`);
    }
    reply.header('x-request-id', request.id);

    // HTTP/1.1 requires Host (RFC 9112 §3.2); Node's own check answers a bare 400, so it is off
    // (build-api-server.ts) and made here, in the error shape.
    const hostHeader = request.headers.host;
    if (hostHeader === undefined && request.raw.httpVersionMajor === 1 && request.raw.httpVersionMinor === 1) {
      request.otelContext = context.with(base, () => runWithRequestScope({ requestId: request.id }, () => context.active()));
      throw new DiffscopeError('DSC_ERR_API_VALIDATION', 'an HTTP/1.1 request needs a Host header');
    }
    const host = requestHost(request.raw.url, hostHeader);
    if (options.hostAllowlist && !options.hostAllowlist.allows(host)) {
      request.otelContext = context.with(base, () => runWithRequestScope({ requestId: request.id }, () => context.active()));
      throw new DiffscopeError('DSC_ERR_API_HOST_NOT_ALLOWED', hostRefusedMessage(String(host)));
    }

    // Auth (health and metrics endpoints stay open for probes and scrapers).
    let clientId = ANONYMOUS;
    // Everything but the probes needs a key (unknown paths too: no probing without one).
    const protectedRoute = !PROBE_ROUTES.has(route);
    if (authRequired && protectedRoute) {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      const found = match ? keys.get(match[1]) : undefined;
      if (!found) {
        request.otelContext = context.with(base, () => runWithRequestScope({ requestId: request.id }, () => context.active()));
        reply.header('www-authenticate', 'Bearer');
        throw new DiffscopeError('DSC_ERR_API_UNAUTHORIZED');
      }
      clientId = found;
    }
    request.clientId = clientId;
    span.setAttribute(ATTR.CLIENT_ID, clientId);
    request.otelContext = context.with(base, () => runWithRequestScope({ requestId: request.id, clientId }, () => context.active()));
  });

  app.addHook('onResponse', async (request, reply) => {
    finishRequest(request, reply.statusCode, options.metrics);
  });

  if (!authRequired) {
    options.logger.warn('auth_disabled', {
      message: 'DIFFSCOPE_API_KEYS is empty: every request is accepted as client "anonymous"',
    });
  }
}

/**
 * End span A (when this hook owns it) and record metrics; safe to call twice. Hijacked
 * replies (SSE) call it themselves when the stream closes.
 */
export function finishRequest(request: FastifyRequest, statusCode: number, metrics: HttpMetrics): void {
  const started = startTimes.get(request);
  if (started === undefined) return;
  startTimes.delete(request);
  const route = request.routeOptions.url ?? 'unmatched';
  const span = request.serverSpan;
  metrics.observe(request.method, route, statusCode, Number(process.hrtime.bigint() - started) / 1e9, exemplarOf(span?.spanContext()));
  if (span) {
    span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, statusCode);
    if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  const own = ownSpans.get(request);
  if (own && !own.ended) {
    own.ended = true;
    own.span.end();
  }
}

/** Run `fn` inside the request's trace + scope context (so logs carry trace_id/request_id). */
export function inRequest<T>(request: FastifyRequest, fn: () => T): T {
  return request.otelContext ? context.with(request.otelContext, fn) : fn();
}

/** Route handler wrapper: the handler body runs inside the request context. */
export function traced<R extends FastifyRequest, T>(handler: (request: R, reply: FastifyReply) => Promise<T>) {
  return (request: R, reply: FastifyReply): Promise<T> => inRequest(request, () => handler(request, reply));
}
