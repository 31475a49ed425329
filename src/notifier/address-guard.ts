/**
 * Webhook targets are user-supplied URLs fetched from inside the deployment: without a
 * guard they reach metadata services, admin ports and the rest of the private network
 * (SSRF). Every address a name resolves to is checked (src/notifier/address-class.ts), at
 * validation time and again at connection time (the `lookup` handed to the HTTP request), so
 * a DNS answer that changes in between (rebinding) is refused too. A name that fails to
 * resolve for a passing reason (EAI_AGAIN, a DNS timeout) is a retryable failure, not a refusal.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { DiffscopeError } from '../errors/index.js';
import { isPrivateAddress } from './address-class.js';

export { classifyAddress, isPrivateAddress, type AddressVerdict } from './address-class.js';

/** Every address of a name (the resolver seam: the system's getaddrinfo by default). */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/**
 * getaddrinfo's "try again later" and c-ares' server failures and timeouts: the name may well
 * resolve in a moment. NXDOMAIN (ENOTFOUND) and the rest are answers, not outages.
 */
const TRANSIENT_DNS_CODES = new Set(['EAI_AGAIN', 'ETIMEOUT', 'ETIMEDOUT', 'ESERVFAIL', 'ECONNREFUSED', 'ECANCELLED', 'EAI_MEMORY']);

export function isTransientDnsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_DNS_CODES.has(code);
}

export interface WebhookUrlCheckOptions {
  allowPrivate: boolean;
  /** Default: the system resolver. */
  lookup?: ResolveAll;
}

function refused(message: string): DiffscopeError {
  return new DiffscopeError('DSC_ERR_NOTIFY_URL_REFUSED', message, { field: 'webhook.url' });
}

function privateRefusal(hostname: string): DiffscopeError {
  return refused(
    `webhook.url host "${hostname}" resolves to a loopback, private, link-local or otherwise non-public address (set DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE=true to allow)`,
  );
}

/** The addresses of `hostname`, all public; throws a refusal, or DSC_ERR_NOTIFY_DNS_UNAVAILABLE (retryable) on a passing DNS failure. */
async function resolvePublic(hostname: string, resolveAll: ResolveAll): Promise<LookupAddress[]> {
  if (isIP(hostname) !== 0) {
    if (isPrivateAddress(hostname)) throw privateRefusal(hostname);
    return [{ address: hostname, family: isIP(hostname) }];
  }
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(hostname);
  } catch (err) {
    if (isTransientDnsError(err)) {
      throw new DiffscopeError(
        'DSC_ERR_NOTIFY_DNS_UNAVAILABLE',
        `webhook.url host "${hostname}" could not be resolved for now (${(err as { code: string }).code})`,
        {
          field: 'webhook.url',
          cause: err,
        },
      );
    }
    throw refused(`webhook.url host "${hostname}" does not resolve`);
  }
  if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) throw privateRefusal(hostname);
  return addresses;
}

/** The URL's form alone: http(s), no credentials. Throws DSC_ERR_NOTIFY_URL_REFUSED (field `webhook.url`). */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('webhook.url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused('webhook.url must use http or https');
  if (url.username || url.password) throw refused('webhook.url must not carry credentials');
  return url;
}

/**
 * A host given as an IP literal is connected to without any lookup, so the connection-time
 * check never sees it: it is checked here instead.
 */
export function assertPublicLiteral(url: URL, allowPrivate: boolean): void {
  const host = hostOf(url);
  if (!allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) throw privateRefusal(host);
}

/** Parses and checks a webhook URL, resolving its host; throws DSC_ERR_NOTIFY_URL_REFUSED (field `webhook.url`). */
export async function checkWebhookUrl(raw: string, options: WebhookUrlCheckOptions): Promise<URL> {
  const url = parseWebhookUrl(raw);
  if (options.allowPrivate) return url;
  await resolvePublic(hostOf(url), options.lookup ?? systemResolveAll);
  return url;
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type ConnectLookup = (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback) => void;

/**
 * A `lookup` for http(s).request: resolves through `resolveAll` and, unless private targets
 * are allowed, refuses private addresses at connection time, so the address connected to is
 * the address checked (no rebinding window). Errors keep their DiffscopeError code.
 */
export function connectLookup(resolveAll: ResolveAll, allowPrivate: boolean): ConnectLookup {
  return (hostname, options, callback) => {
    const found = allowPrivate ? resolveAll(hostname) : resolvePublic(hostname, resolveAll);
    found.then(
      (addresses) => {
        if (options.all) return callback(null, addresses);
        const first = addresses[0];
        if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', undefined);
        callback(null, first.address, first.family);
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), options.all ? [] : '', undefined),
    );
  };
}
