/**
 * DNS-rebinding guard, shared by every HTTP server of diffscope (api-server, explorer UI/query
 * API, OTLP receiver). A web page the operator opens can point a host name it controls at
 * 127.0.0.1 and then talk to a loopback server as a same-origin page; the one thing it cannot
 * forge is the `Host` header, which still names the attacker's host. So a server bound to
 * loopback answers only requests whose Host is a loopback name or address (localhost,
 * 127.0.0.0/8, [::1], any port), the host of the configured public URL, or a host the operator
 * listed (DIFFSCOPE_ALLOWED_HOSTS). A server bound elsewhere checks only when a list is given.
 * `*` in the list turns the check off.
 *
 * A request without a Host header is allowed: browsers always send one (HTTP/1.1 requires it,
 * and Node refuses an HTTP/1.1 request without it), so its absence cannot be a rebinding page.
 */
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface HostAllowlistOptions {
  /** The address the server binds (DIFFSCOPE_API_HOST, DIFFSCOPE_EXPLORER_HOST). */
  bindHost: string;
  /** The URL clients reach the server by (DIFFSCOPE_PUBLIC_URL): its host is allowed. */
  publicUrl?: string;
  /** More host names, without port (DIFFSCOPE_ALLOWED_HOSTS); `*` allows any; `.example.com` allows it and its subdomains. */
  allowedHosts?: readonly string[];
}

export interface HostAllowlist {
  /** False when every Host passes (non-loopback bind without a list, or `*`). */
  readonly enabled: boolean;
  allows(hostHeader: string | undefined): boolean;
}

/** `a, b ,c` → ['a','b','c'] (the DIFFSCOPE_ALLOWED_HOSTS form). */
export function parseHostList(spec: string | undefined): string[] {
  return (spec ?? '')
    .split(',')
    .map((h) => normalizeName(h.trim()))
    .filter((h) => h !== '');
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The host part of a Host header (`[::1]:8080` → `::1`), lower-cased; undefined when malformed. */
export function hostOfHeader(header: string): string | undefined {
  const value = header.trim();
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed) return isIP(bracketed[1]) === 6 ? bracketed[1].toLowerCase() : undefined;
  const named = /^([A-Za-z0-9._-]+)(?::\d{1,5})?$/.exec(value);
  return named ? normalizeName(named[1]) : undefined;
}

export function isLoopbackName(host: string): boolean {
  const h = normalizeName(host.replace(/^\[|\]$/g, ''));
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

function hostOfUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return normalizeName(new URL(url).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    return undefined;
  }
}

export function createHostAllowlist(options: HostAllowlistOptions): HostAllowlist {
  const listed = options.allowedHosts ?? [];
  const enabled = !listed.includes('*') && (isLoopbackName(options.bindHost) || listed.length > 0);
  const exact = new Set(listed.filter((h) => !h.startsWith('.')));
  const suffixes = listed.filter((h) => h.startsWith('.'));
  const publicHost = hostOfUrl(options.publicUrl);
  if (publicHost) exact.add(publicHost);
  // An explicit non-wildcard bind address is how local clients reach it.
  const bind = normalizeName(options.bindHost.replace(/^\[|\]$/g, ''));
  if (bind !== '0.0.0.0' && bind !== '::') exact.add(bind);
  return {
    enabled,
    allows(hostHeader) {
      if (!enabled || hostHeader === undefined) return true;
      const host = hostOfHeader(hostHeader);
      if (host === undefined) return false;
      return isLoopbackName(host) || exact.has(host) || suffixes.some((s) => host === s.slice(1) || host.endsWith(s));
    },
  };
}

/**
 * The host a request names: the authority of an absolute-form target (`GET http://host/path`),
 * which overrides the Host header (RFC 9112 §3.2.2), else the Host header. Checking only Host
 * would let such a request name any host while sending an allowed Host.
 */
export function requestHost(target: string | undefined, hostHeader: string | undefined): string | undefined {
  const absolute = target === undefined ? null : /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(target);
  return absolute ? absolute[1] : hostHeader;
}

/**
 * Registers the check as the first `onRequest` hook of `app`. `refuse` answers a refused
 * request in the server's own error shape (a 403 naming the setting to change).
 */
export function registerHostAllowlist(
  app: FastifyInstance,
  allowlist: HostAllowlist,
  refuse: (request: FastifyRequest, reply: FastifyReply, host: string) => unknown,
): void {
  if (!allowlist.enabled) return;
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host;
    if (!allowlist.allows(host)) return refuse(request, reply, String(host));
  });
}

/** The message a refused request gets, the same on every server. */
export function hostRefusedMessage(host: string): string {
  const shown = host.length > 100 ? `${host.slice(0, 100)}…` : host;
  return `Host "${shown}" is not allowed (DNS-rebinding protection); add it to DIFFSCOPE_ALLOWED_HOSTS or set DIFFSCOPE_PUBLIC_URL`;
}
