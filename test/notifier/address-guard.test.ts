import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, isPrivateAddress } from '../../src/notifier/index.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.254',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::10.0.0.1',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('refuses something that is not an address', () => {
    expect(isPrivateAddress('localhost')).toBe(true);
  });
});

describe('checkWebhookUrl', () => {
  const publicLookup = async () => [{ address: '93.184.216.34', family: 4 }];

  it('accepts a public https URL', async () => {
    const url = await checkWebhookUrl('https://hooks.example.com/x?token=1', { allowPrivate: false, lookup: publicLookup });
    expect(url.hostname).toBe('hooks.example.com');
  });

  it.each([
    ['ftp://example.com/hook', /http or https/],
    ['not a url', /valid URL/],
    ['https://user:pw@example.com/', /credentials/],
  ])('refuses %s', async (raw, message) => {
    await expect(checkWebhookUrl(raw, { allowPrivate: false, lookup: publicLookup })).rejects.toMatchObject({
      code: 'DSC_ERR_NOTIFY_URL_REFUSED',
      field: 'webhook.url',
      message: expect.stringMatching(message),
    });
  });

  it('refuses loopback literals and names resolving (even partly) to private addresses', async () => {
    for (const raw of ['http://127.0.0.1:8080/', 'http://[::1]/', 'http://localhost/', 'http://169.254.169.254/latest/meta-data']) {
      await expect(checkWebhookUrl(raw, { allowPrivate: false })).rejects.toMatchObject({ code: 'DSC_ERR_NOTIFY_URL_REFUSED' });
    }
    const mixed = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(checkWebhookUrl('https://rebind.example/', { allowPrivate: false, lookup: mixed })).rejects.toMatchObject({
      code: 'DSC_ERR_NOTIFY_URL_REFUSED',
    });
  });

  it('allows private targets when configured to', async () => {
    const url = await checkWebhookUrl('http://127.0.0.1:9/hook', { allowPrivate: true });
    expect(url.port).toBe('9');
  });
});
