/**
 * Which IP addresses a webhook may reach: public unicast only. The ranges are ipaddr.js's
 * special-purpose registries (IANA IPv4/IPv6 special-purpose address blocks); an IPv6 address
 * that carries an IPv4 address (IPv4-mapped, IPv4-translated, NAT64 well-known prefix, 6to4)
 * is judged by the IPv4 address it leads to, since that is where the packets end up.
 */
import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/** Why an address is refused, or `public`. */
export type AddressVerdict =
  { public: true; address: string; via?: string } | { public: false; address: string; range: string; via?: string };

/** The IPv4 address in the low 32 bits (IPv4-mapped, IPv4-translated, NAT64 /96). */
function low32(v6: IPv6): IPv4 {
  const p = v6.parts;
  return new ipaddr.IPv4([p[6] >> 8, p[6] & 255, p[7] >> 8, p[7] & 255]);
}

/** 6to4 (`2002:AABB:CCDD::/48`): the IPv4 address in bits 16-47. */
function sixToFourIpv4(v6: IPv6): IPv4 {
  const p = v6.parts;
  return new ipaddr.IPv4([p[1] >> 8, p[1] & 255, p[2] >> 8, p[2] & 255]);
}

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3') as [IPv6, number];
/** Deprecated IPv4-compatible addresses (`::a.b.c.d`, RFC 4291 §2.5.5.1), `::` and `::1` with them. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96') as [IPv6, number];
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96') as [IPv6, number];

function classifyV4(v4: IPv4, address: string, via?: string): AddressVerdict {
  const range = v4.range();
  return range === 'unicast'
    ? { public: true, address, ...(via ? { via } : {}) }
    : { public: false, address, range, ...(via ? { via } : {}) };
}

function classifyV6(v6: IPv6, address: string): AddressVerdict {
  const range = v6.range();
  switch (range) {
    case 'ipv4Mapped': // ::ffff:0:0/96
    case 'rfc6145': // ::ffff:0:0:0/96, IPv4-translated
      return classifyV4(low32(v6), address, `${range} ${low32(v6).toString()}`);
    case 'rfc6052':
      // The well-known NAT64 prefix puts the IPv4 address in the low 32 bits. The local-use
      // prefix 64:ff9b:1::/48 (RFC 8215) is the operator's own translator, with the IPv4
      // address wherever its prefix length puts it: refused as a whole.
      if (v6.match(NAT64_WELL_KNOWN)) return classifyV4(low32(v6), address, `nat64 ${low32(v6).toString()}`);
      return { public: false, address, range: 'nat64LocalUse' };
    case '6to4': // 2002::/16 tunnels to the IPv4 address it embeds
      return classifyV4(sixToFourIpv4(v6), address, `6to4 ${sixToFourIpv4(v6).toString()}`);
    case 'unicast':
      if (v6.match(IPV4_COMPATIBLE)) return { public: false, address, range: 'ipv4Compatible' };
      if (!v6.match(GLOBAL_UNICAST_V6)) return { public: false, address, range: 'unallocated' };
      return { public: true, address };
    default:
      // Teredo (2001::/32), discard (100::/64), loopback, link-local, unique-local, multicast,
      // documentation, benchmarking, ORCHID, segment routing and the rest of 2001::/23.
      return { public: false, address, range };
  }
}

/** Classifies one literal address (what DNS returned, or a URL's IP host). Anything else is refused. */
export function classifyAddress(address: string): AddressVerdict {
  const family = isIP(address);
  if (family === 0) return { public: false, address, range: 'notAnAddress' };
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv4' ? classifyV4(parsed as IPv4, address) : classifyV6(parsed as IPv6, address);
}

/** True for every address that is not public unicast (loopback, private, link-local, transition prefixes to those...). */
export function isPrivateAddress(address: string): boolean {
  return !classifyAddress(address).public;
}
