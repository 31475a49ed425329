/**
 * The explorer's two rules: bound to loopback it may run open; bound anywhere else it must
 * have a token. The token is accepted as `Authorization: Bearer`, `x-api-key`, or (so an
 * <img> in the UI can load a generated image) a `diffscope_explorer_token` cookie.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DiffscopeError } from '../errors/index.js';

export const TOKEN_COOKIE = 'diffscope_explorer_token';

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
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

function presentedToken(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim();
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string') return apiKey;
  const cookie = request.headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
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

export function makeAuthHook(
  token: string | undefined,
  isProtected: (url: string) => boolean,
  reject: (request: FastifyRequest, reply: FastifyReply) => FastifyReply,
): ((request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) | undefined {
  if (!token) return undefined;
  return async (request, reply) => {
    if (!isProtected(request.url)) return undefined;
    // Returning the reply tells Fastify the hook answered and the route must not run.
    if (!tokenMatches(request, token)) return reject(request, reply);
    return undefined;
  };
}
