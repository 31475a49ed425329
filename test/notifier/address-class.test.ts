/**
 * SSRF residue (issue 9, item 15): IPv6 transition prefixes carry an IPv4 address (or tunnel to
 * one) and must be judged by where the packets go. One row per spelling: the address, whether a
 * webhook may reach it, and the range (or the embedded IPv4) that decides.
 */
import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, classifyAddress, isPrivateAddress } from '../../src/notifier/index.js';

const TABLE: Array<[address: string, isPublic: boolean, decidedBy: string]> = [
  // IPv4-mapped ::ffff:0:0/96, dotted and hex spellings
  ['::ffff:127.0.0.1', false, 'loopback'],
  ['::ffff:7f00:1', false, 'loopback'],
  ['::ffff:10.1.2.3', false, 'private'],
  ['::ffff:169.254.169.254', false, 'linkLocal'],
  ['::ffff:8.8.8.8', true, 'ipv4Mapped 8.8.8.8'],
  // IPv4-translated ::ffff:0:0:0/96 (RFC 6145)
  ['::ffff:0:7f00:1', false, 'loopback'],
  ['::ffff:0:a00:1', false, 'private'],
  ['::ffff:0:808:808', true, 'rfc6145 8.8.8.8'],
  // NAT64 well-known prefix 64:ff9b::/96: judged by the embedded IPv4
  ['64:ff9b::10.0.0.1', false, 'private'],
  ['64:ff9b::7f00:1', false, 'loopback'],
  ['64:ff9b::a9fe:a9fe', false, 'linkLocal'],
  ['64:ff9b::8.8.8.8', true, 'nat64 8.8.8.8'],
  // NAT64 local-use 64:ff9b:1::/48 (RFC 8215): the operator's translator, refused whole
  ['64:ff9b:1::10.0.0.1', false, 'nat64LocalUse'],
  ['64:ff9b:1:abcd::808:808', false, 'nat64LocalUse'],
  // 6to4 2002::/16 embeds an IPv4 address in bits 16-47
  ['2002:7f00:1::1', false, 'loopback'],
  ['2002:a00:1::', false, 'private'],
  ['2002:c0a8:101::5', false, 'private'],
  ['2002:a9fe:a9fe::1', false, 'linkLocal'],
  ['2002:808:808::1', true, '6to4 8.8.8.8'],
  // Teredo 2001::/32 (a tunnel to any IPv4 host), refused whole
  ['2001::1', false, 'teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false, 'teredo'],
  // Discard-only 100::/64
  ['100::1', false, 'discard'],
  ['100::ffff:ffff:ffff:ffff', false, 'discard'],
  // IPv4-compatible ::/96 (deprecated), with :: and ::1
  ['::127.0.0.1', false, 'loopback'],
  ['::a00:1', false, 'ipv4Compatible'],
  ['::', false, 'unspecified'],
  ['::1', false, 'loopback'],
  // The rest of the IPv6 special-purpose space
  ['fe80::1', false, 'linkLocal'],
  ['fe80::1%eth0', false, 'linkLocal'],
  ['fc00::1', false, 'uniqueLocal'],
  ['fd12:3456::1', false, 'uniqueLocal'],
  ['fec0::1', false, 'deprecatedSiteLocal'],
  ['ff02::1', false, 'multicast'],
  ['2001:db8::1', false, 'reserved'],
  ['2001:2::1', false, 'benchmarking'],
  ['2001:20::1', false, 'orchid2'],
  ['5f00::1', false, 'segmentRouting'],
  ['4000::1', false, 'unallocated'],
  ['2606:4700:4700::1111', true, ''],
  ['2a00:1450:4001:81b::200e', true, ''],
  // IPv4
  ['127.0.0.1', false, 'loopback'],
  ['10.1.2.3', false, 'private'],
  ['172.16.0.1', false, 'private'],
  ['192.168.1.1', false, 'private'],
  ['100.64.0.1', false, 'carrierGradeNat'],
  ['169.254.169.254', false, 'linkLocal'],
  ['0.0.0.0', false, 'unspecified'],
  ['192.0.0.8', false, 'reserved'],
  ['192.88.99.1', false, 'reserved'],
  ['198.18.0.1', false, 'reserved'],
  ['224.0.0.1', false, 'multicast'],
  ['240.0.0.1', false, 'reserved'],
  ['255.255.255.255', false, 'broadcast'],
  ['8.8.8.8', true, ''],
  ['172.32.0.1', true, ''],
  ['100.128.0.1', true, ''],
  // not an address at all
  ['localhost', false, 'notAnAddress'],
  ['127.1', false, 'notAnAddress'],
];

describe('classifyAddress: IPv6 transition prefixes and special-purpose ranges', () => {
  it.each(TABLE)('%s → public %s (%s)', (address, isPublic, decidedBy) => {
    const verdict = classifyAddress(address);
    expect(verdict.public).toBe(isPublic);
    expect(isPrivateAddress(address)).toBe(!isPublic);
    if (!verdict.public) expect(verdict.range).toBe(decidedBy);
    else if (decidedBy) expect(verdict.via).toBe(decidedBy);
  });

  it('refuses the same spellings as webhook URL hosts, literal or resolved', async () => {
    for (const [address, isPublic] of TABLE) {
      if (isPublic || address === 'localhost' || address === '127.1' || address.includes('%')) continue;
      const resolvesThere = async () => [{ address, family: address.includes(':') ? 6 : 4 }];
      await expect(checkWebhookUrl('https://hooks.example.com/h', { allowPrivate: false, lookup: resolvesThere })).rejects.toMatchObject({
        code: 'DSC_ERR_NOTIFY_URL_REFUSED',
      });
      const literal = address.includes(':') ? `[${address}]` : address;
      await expect(checkWebhookUrl(`https://${literal}/h`, { allowPrivate: false })).rejects.toMatchObject({
        code: 'DSC_ERR_NOTIFY_URL_REFUSED',
      });
    }
  });
});
