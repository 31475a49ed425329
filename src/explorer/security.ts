/**
 * The explorer's access rules. Bound to loopback it may run open; bound anywhere else it must
 * have a token. With a token, access is decided on the ROUTE Fastify matched (after it decoded
 * and normalised the path, whatever the request line spelled: `/%61pi/…`, `http://host/api/…`),
 * and denied by default: only routes registered with `config: { public: true }` (the UI shell
 * and its static files, which hold no data) answer without it. The token is accepted as
 * `Authorization: Bearer`, `x-api-key`, or (so an <img> in the UI can load a generated image)
 * a `diffscope_explorer_token` cookie.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DiffscopeError } from '../errors/index.js';

export const TOKEN_COOKIE = 'diffscope_explorer_token';

/** Route config of the routes that answer without the token. */
export const PUBLIC_ROUTE = Object.freeze({ public: true });

export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/** Throws before any port is opened when a non-loopback bind has no token. */
export function assertSafeBind(host: string, token: string | undefined): void {
  if (!isLoopbackHost(host) && !token) {
    throw new DiffscopeError(
      'DSC_ERR_CONFIG_INVALID',
      `DIFFSCOPE_EXPLORER_HOST=${host} is not a loopback address, so the explorer (UI, query API and OTLP receiver) ` +
        'would be open to the network: set DIFFSCOPE_EXPLORER_TOKEN, or bind to 127.0.0.1',
    );
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** decodeURIComponent that answers undefined for malformed input (a bad cookie is no token, not a 500). */
function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function presentedToken(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim();
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string') return apiKey;
  const cookie = request.headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) return safeDecode(part.slice(eq + 1).trim());
    }
  }
  return undefined;
}

/** Constant-time comparison (of digests, so lengths leak nothing either). */
export function tokenEquals(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

export function tokenMatches(request: FastifyRequest, token: string): boolean {
  const given = presentedToken(request);
  return given !== undefined && tokenEquals(given, token);
}

/** True only for a route registered with PUBLIC_ROUTE; unmatched requests (404s) are not public. */
export function isPublicRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { public?: unknown } | undefined)?.public === true;
}

/**
 * An onRequest hook (it runs after routing, before any handler or body parsing) that refuses
 * every non-public route without the token. Undefined when no token is configured.
 */
export function makeAuthHook(
  token: string | undefined,
  reject: (request: FastifyRequest, reply: FastifyReply) => FastifyReply,
): ((request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) | undefined {
  if (!token) return undefined;
  return async (request, reply) => {
    if (isPublicRoute(request) || tokenMatches(request, token)) return undefined;
    // Returning the reply tells Fastify the hook answered and the route must not run.
    return reject(request, reply);
  };
}

/**
 * A same-site path for a redirect built from a request target, whatever it spelled:
 * `//evil.example/`, `/\evil.example/` or `http://evil.example/x` all stay on this host.
 * Query parameters named in `drop` are removed.
 */
export function sameSiteLocation(requestUrl: string, drop: string[] = []): string {
  let url: URL;
  try {
    url = new URL(requestUrl, 'http://explorer.invalid');
  } catch {
    return '/';
  }
  for (const name of drop) url.searchParams.delete(name);
  const pathname = `/${url.pathname.replace(/^[/\\]+/, '')}`;
  const search = url.searchParams.toString();
  return `${pathname}${search ? `?${search}` : ''}`;
}
