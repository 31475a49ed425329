/**
 * Webhook targets are user-supplied URLs fetched from inside the deployment: without a
 * guard they reach metadata services, admin ports and the rest of the private network
 * (SSRF). Every address a name resolves to is checked, at validation time and again at
 * connection time (custom `lookup`), so a DNS answer that changes in between (rebinding)
 * is refused too.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { DiffscopeError } from '../errors/index.js';

const blocked = new BlockList();
// IPv4: "this network", RFC 1918, CGNAT, loopback, link-local, IETF protocol assignments,
// documentation/benchmark nets, multicast and reserved.
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
// IPv6: unspecified, loopback, unique-local, link-local, site-local (deprecated), multicast, documentation.
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['2001:db8::', 32],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped/-compatible or NAT64 IPv6 address, if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const match = /^(?:::ffff:|::|64:ff9b::)(.+)$/.exec(lower);
  if (!match) return undefined;
  const tail = match[1];
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(tail);
  if (!hex) return undefined;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True for loopback, private, link-local, unique-local, CGNAT and other non-public addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return blocked.check(v4, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true; // not an IP at all: refuse rather than guess
}

export interface WebhookUrlCheckOptions {
  allowPrivate: boolean;
  /** Injected for tests; default node:dns lookup. */
  lookup?: (hostname: string) => Promise<LookupAddress[]>;
}

function lookupAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

/** Parses and checks a webhook URL; throws DSC_ERR_NOTIFY_URL_REFUSED (field `webhook.url`). */
export async function checkWebhookUrl(raw: string, options: WebhookUrlCheckOptions): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DiffscopeError('DSC_ERR_NOTIFY_URL_REFUSED', 'webhook.url is not a valid URL', { field: 'webhook.url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DiffscopeError('DSC_ERR_NOTIFY_URL_REFUSED', 'webhook.url must use http or https', { field: 'webhook.url' });
  }
  if (url.username || url.password) {
    throw new DiffscopeError('DSC_ERR_NOTIFY_URL_REFUSED', 'webhook.url must not carry credentials', { field: 'webhook.url' });
  }
  if (options.allowPrivate) return url;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  try {
    addresses = await (options.lookup ?? lookupAll)(hostname);
  } catch {
    throw new DiffscopeError('DSC_ERR_NOTIFY_URL_REFUSED', `webhook.url host "${hostname}" does not resolve`, { field: 'webhook.url' });
  }
  if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) {
    throw new DiffscopeError(
      'DSC_ERR_NOTIFY_URL_REFUSED',
      `webhook.url host "${hostname}" resolves to a loopback, private or link-local address (set DIFFSCOPE_WEBHOOK_ALLOW_PRIVATE=true to allow)`,
      { field: 'webhook.url' },
    );
  }
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that refuses private addresses at connection time, so the
 * address connected to is the address checked (no rebinding window).
 */
export function guardedLookup(hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void {
  dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
    if (err) return callback(err, options.all ? [] : '', undefined);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad || addresses.length === 0) {
      const refused = Object.assign(new Error(`refusing to connect to ${hostname} (${bad?.address ?? 'no address'}): private address`), {
        code: 'DSC_ERR_NOTIFY_URL_REFUSED',
      }) as NodeJS.ErrnoException;
      return callback(refused, options.all ? [] : '', undefined);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    callback(null, first.address, first.family);
  });
}
