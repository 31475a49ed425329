/**
 * Serves the web UI's built files (Vite output in dist/web/) without a plugin: the set is
 * small and fixed. These are the explorer's only public routes (they hold no data): `GET /`
 * and `GET /*`, where unknown paths get index.html so client-side routes work on reload, and
 * unknown `/api/…` paths get a JSON 404. Until the UI is built, a plain page says so.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PUBLIC_ROUTE, TOKEN_COOKIE, sameSiteLocation, tokenEquals, tokenMatches } from '../security.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
};

const NOT_BUILT = `<!doctype html><html><head><meta charset="utf-8"><title>diffscope explorer</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>diffscope explorer</h1><p>The web UI isn't built yet (no <code>dist/web/index.html</code>).
Run <code>npm run build</code>. The query API is up: try <a href="/api/services">/api/services</a>.</p></body></html>`;

/**
 * `token`: when set, opening any UI page once with `?token=<token>` stores it in an HttpOnly
 * cookie (which the API accepts) and redirects to the same page on this host without it, so a
 * browser can use a token-protected explorer without custom headers.
 */
export function registerStaticUi(app: FastifyInstance, webRoot: string, token?: string): void {
  const root = path.resolve(webRoot);

  async function serve(request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply): Promise<FastifyReply> {
    // the path as the router decoded it (no query string, percent-escapes resolved)
    const rel = `/${request.params['*'] ?? ''}`;
    if (token && request.query && typeof (request.query as Record<string, unknown>).token === 'string') {
      const given = (request.query as Record<string, string>).token;
      if (tokenEquals(given, token)) {
        reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`);
      }
      return reply.redirect(sameSiteLocation(request.url, ['token']), 302);
    }
    if (rel === '/api' || rel.startsWith('/api/')) {
      // not a UI page: what any unmatched path gets (401 without the token, else 404)
      if (token && !tokenMatches(request, token))
        return reply
          .code(401)
          .send({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 401, msg: 'missing or invalid explorer token' }] });
      return reply
        .code(404)
        .send({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: `no route ${request.method} ${rel}` }] });
    }
    const candidate = path.resolve(root, `.${path.posix.normalize(rel)}`);
    if (candidate.startsWith(root + path.sep)) {
      const info = await stat(candidate).catch(() => undefined);
      if (info?.isFile()) {
        const type = TYPES[path.extname(candidate).toLowerCase()] ?? 'application/octet-stream';
        // Vite's hashed assets never change; index.html must always be re-fetched.
        const cache = rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
        return reply
          .type(type)
          .header('cache-control', cache)
          .send(await readFile(candidate));
      }
    }
    const index = path.join(root, 'index.html');
    if (existsSync(index))
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(await readFile(index));
    return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
  }

  app.get('/', { config: PUBLIC_ROUTE }, serve);
  app.get('/*', { config: PUBLIC_ROUTE }, serve);
  // Other methods on unknown paths: a JSON 404 (behind the token, like every non-public route).
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: 404, msg: `no route ${request.method} ${request.url.split('?')[0]}` }],
    }),
  );
}
