/**
 * fast-check arbitraries for fuzzing the api-server (test/api/adversarial/fuzz-api.test.ts):
 * request bodies of both generation routes as JSON text (so numbers the JSON grammar allows but
 * JSON.stringify never writes, duplicate and prototype keys, and deep nesting can be sent), raw
 * bodies, and the headers an attacker controls. Every prompt carries CANARY, so a response or a
 * log line that repeats the raw prompt is found by searching for it.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { GENERATION_LIMITS, type NumericLimit } from '../../../src/contract/limits.js';
import { SAMPLER_NAMES } from '../../../src/inference/types.js';
import { WEBHOOK_EVENTS } from '../../../src/notifier/index.js';

export const CANARY = `cnry${randomBytes(8).toString('hex')}`;

/** A request body as sent: its JSON text (or bytes), and the parsed value when it is JSON. */
export interface JsonBody {
  text: string;
  /** What the server's JSON.parse sees (undefined when the text is not JSON). */
  parsed: unknown;
}

/** JSON text written as is: a numeric literal JSON.stringify never writes, or nesting too deep to build as an object. */
export class RawJson {
  constructor(readonly literal: string) {}
}

const RAW_MARK = '\u0000rawjson\u0000';

/** JSON text of `value`, RawJson leaves written as their literal. */
export function toJsonText(value: unknown): string {
  const literals: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      literals.push(v.literal);
      return `${RAW_MARK}${literals.length - 1}`;
    }
    return v;
  });
  return (text ?? 'null').replace(new RegExp(`"\\\\u0000rawjson\\\\u0000(\\d+)"`, 'g'), (_m, i: string) => literals[Number(i)]);
}

export function jsonBody(value: unknown): JsonBody {
  const text = toJsonText(value);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { text, parsed };
}

// ---- values

/** Any code point, lone surrogates, NUL and the C0/C1 controls included. */
const anyText = fc.string({ unit: 'binary', maxLength: 24 });
const oddChar = fc.constantFrom('\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', '\r\n', '\t', '\u2028', '\u0085', '\uffff', '\\', '"');

/** A prompt string carrying the canary: ordinary, hostile characters, at and past the length limit, padded. */
export const canaryPrompt = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([a, b]) => `${a} ${CANARY} ${b}`) },
  { weight: 3, arbitrary: fc.tuple(anyText, anyText).map(([a, b]) => `${a}${CANARY}${b}`) },
  { weight: 2, arbitrary: fc.tuple(oddChar, oddChar).map(([a, b]) => `${a}${CANARY}${b}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1_990, max: 2_010 }).map((n) => CANARY + 'x'.repeat(n - CANARY.length)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }).map((pad) => `${' \t\n'.repeat(pad)}${CANARY}${'\r\n '.repeat(pad)}`) },
  // Over the prompt limit but within the 64 KiB body limit.
  { weight: 1, arbitrary: fc.integer({ min: 2_001, max: 60_000 }).map((n) => CANARY + 'y'.repeat(n)) },
);

/** A JSON value of no particular shape (wrong type for any field). */
export const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', 'NaN', 'Infinity', '-Infinity', '-0', '0x10', '1e3', 'null', 'true', '[]', '{}', 'undefined'),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.integer({ min: 50, max: 3_000 }).map((depth) => deepArray(depth)),
);

/** `[[[…]]]` `depth` deep (deep nesting within the body limit). */
export function deepArray(depth: number): RawJson {
  return new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

/** A prompt field: mostly a canary string, sometimes the canary inside a wrong type, or no usable prompt. */
const promptField = fc.oneof(
  { weight: 10, arbitrary: canaryPrompt },
  { weight: 1, arbitrary: canaryPrompt.map((p) => [p]) },
  { weight: 1, arbitrary: canaryPrompt.map((p) => ({ text: p, prompt: p })) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '\n\t', '\u0000') },
  { weight: 1, arbitrary: wrongType },
);

const RAW_LITERALS = [
  '1e999',
  '-1e999',
  '1E2',
  '150.0',
  '1.5e2',
  '-0.0',
  '-0',
  '0e0',
  '1e-400',
  '4294967295.0000000001',
  '4294967296',
  '1' + '0'.repeat(400),
  '0.1e1',
  '25.000000000000001',
];

/** A number for `limit`'s field: inside, at and just past each bound, fractions, huge, tiny, raw literals, wrong types. */
function limitedNumber(limit: NumericLimit) {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: limit.min, max: Math.min(limit.max, limit.min + 200) }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        limit.min,
        limit.max,
        limit.min - 1,
        limit.max + 1,
        -0,
        limit.min + 0.5,
        limit.max - 0.5,
        2 ** 53,
        -(2 ** 53),
        Number.MAX_VALUE,
        Number.MIN_VALUE,
        Number.EPSILON,
      ),
    },
    { weight: 2, arbitrary: fc.double({ min: limit.min - 10, max: limit.max + 10, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_LITERALS).map((l) => new RawJson(l)) },
    { weight: 1, arbitrary: wrongType },
  );
}

const { steps, n, cfgScale, seed } = GENERATION_LIMITS;
/** A public IPv4 literal: a webhook target the SSRF guard passes without a DNS lookup. */
const PUBLIC_HOOK = 'https://93.184.215.14/hook';

const webhookField = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record(
      { url: fc.constant(PUBLIC_HOOK), events: fc.subarray([...WEBHOOK_EVENTS], { minLength: 1 }) },
      { requiredKeys: ['url'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        url: fc.oneof(
          fc.constantFrom(
            'http://127.0.0.1/x',
            'http://[::1]/',
            'http://169.254.169.254/latest/meta-data',
            'file:///etc/passwd',
            'http://user:pw@93.184.215.14/',
            'http://[::ffff:10.0.0.1]/',
            'javascript:alert(1)',
            'http://0x7f000001/',
            '',
          ),
          fc.webUrl({ validSchemes: ['http', 'https', 'ftp'] }).filter((u) => !/\.(com|net|org)\b/.test(u)),
          fc.string({ maxLength: 3_000 }),
          wrongType,
        ),
        events: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...WEBHOOK_EVENTS), fc.string({ maxLength: 8 })), { maxLength: 4 }), wrongType),
        secret: fc.string({ maxLength: 8 }),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: wrongType },
);

/** Keys a JavaScript object treats specially, and typos. */
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'stpes', 'Prompt', 'prompt ', ''];

/** Extra members: prototype keys (as own JSON keys), typos and anything else. */
const extraMembers = fc.dictionary(
  fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 10 })),
  fc.oneof(wrongType, fc.constant({ steps: 999, polluted: true })),
  { maxKeys: 3 },
);

/** Each field valid with a high weight, else at or past its limit or of the wrong type; fields left out often. */
export const generationBody = fc
  .record(
    {
      prompt: promptField,
      negative_prompt: fc.oneof({ weight: 3, arbitrary: canaryPrompt }, { weight: 1, arbitrary: wrongType }),
      model: fc.oneof(
        { weight: 6, arbitrary: fc.constant('tiny-pixel') },
        { weight: 1, arbitrary: fc.constantFrom('', 'dall-e-3', 'nope', '../tiny-pixel', 'x'.repeat(201)) },
        { weight: 1, arbitrary: wrongType },
      ),
      sampler: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...SAMPLER_NAMES) },
        { weight: 1, arbitrary: fc.constantFrom('DDIM', 'ddim ', 'toString', '__proto__', '') },
        { weight: 1, arbitrary: wrongType },
      ),
      steps: limitedNumber(steps),
      cfg_scale: limitedNumber(cfgScale),
      seed: limitedNumber(seed),
      width: fc.oneof(
        { weight: 4, arbitrary: fc.constant(16) },
        { weight: 1, arbitrary: fc.constantFrom(0, -16, 15, 17, 32, 2 ** 31, 16.5) },
        { weight: 1, arbitrary: wrongType },
      ),
      height: fc.oneof(
        { weight: 4, arbitrary: fc.constant(16) },
        { weight: 1, arbitrary: fc.constantFrom(0, 64, 1e9) },
        { weight: 1, arbitrary: wrongType },
      ),
      n: limitedNumber(n),
      karras_sigmas: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: wrongType }),
      webhook: webhookField,
    },
    { requiredKeys: [] },
  )
  .chain((fields) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(fields) },
      { weight: 1, arbitrary: extraMembers.map((extra) => ({ ...extra, ...fields })) },
    ),
  )
  .map(jsonBody);

/** JSON text with duplicate keys, `__proto__` members, raw numbers and nothing-like-an-object at the top. */
export const oddJsonBody = fc.oneof(
  canaryPrompt.map((p) => ({ text: `{"prompt":${JSON.stringify(p)},"__proto__":{"steps":999,"polluted":true}}`, parsed: undefined })),
  canaryPrompt.map((p) => ({ text: `{"prompt":${JSON.stringify(p)},"constructor":{"prototype":{"polluted":true}}}`, parsed: undefined })),
  canaryPrompt.map((p) => ({ text: `{"prompt":1,"prompt":${JSON.stringify(p)},"steps":3,"steps":"x"}`, parsed: undefined })),
  canaryPrompt.map((p) => ({ text: `[{"prompt":${JSON.stringify(p)}}]`, parsed: undefined })),
  canaryPrompt.map((p) => ({ text: JSON.stringify(p), parsed: undefined })),
  fc
    .tuple(canaryPrompt, fc.integer({ min: 100, max: 30_000 }))
    .map(([p, d]) => ({ text: `{"prompt":${JSON.stringify(p)},"model":${'['.repeat(d)}${']'.repeat(d)}}`, parsed: undefined })),
  fc
    .tuple(canaryPrompt, fc.integer({ min: 100, max: 20_000 }))
    .map(([p, d]) => ({ text: `{"prompt":${JSON.stringify(p)},"x":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`, parsed: undefined })),
  fc.integer({ min: 100, max: 30_000 }).map((d) => ({ text: `${'['.repeat(d)}${']'.repeat(d)}`, parsed: undefined })),
  fc.json({ maxDepth: 4 }).map((text) => ({ text, parsed: undefined })),
  fc
    .constantFrom(
      '',
      ' ',
      'null',
      'true',
      '0',
      '""',
      '[]',
      '{}',
      '{"prompt":}',
      '{"prompt":"a"',
      '\ufeff{"prompt":"a"}',
      '{"prompt":"a"}garbage',
      '{"prompt":"\\ud800"}',
    )
    .map((text) => ({ text, parsed: undefined })),
);

// ---- OpenAI-compatible bodies

export const openAiBody = fc
  .record(
    {
      prompt: promptField,
      model: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('dall-e-3', 'dall-e-2', 'gpt-image-1', 'tiny-pixel') },
        { weight: 1, arbitrary: fc.constantFrom(null, '', 'nope', 'dall-e-') },
        { weight: 1, arbitrary: wrongType },
      ),
      n: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1, max: 2 }) },
        { weight: 1, arbitrary: limitedNumber(n) },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
      size: fc.oneof(
        { weight: 5, arbitrary: fc.constant('16x16') },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            '32x32',
            '16X16',
            '16x',
            'x16',
            '0x0',
            '99999x99999',
            '016x016',
            ' 16x16',
            '16x16\n',
            '1024x1024',
            null,
          ),
        },
        { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
        { weight: 1, arbitrary: wrongType },
      ),
      response_format: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom('url', 'b64_json', null) },
        { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
        { weight: 1, arbitrary: wrongType },
      ),
      quality: fc.constantFrom('standard', 'hd'),
      style: fc.string({ maxLength: 8 }),
      user: wrongType,
    },
    { requiredKeys: [] },
  )
  .chain((fields) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(fields) },
      { weight: 1, arbitrary: extraMembers.map((extra) => ({ ...extra, ...fields })) },
    ),
  )
  .map(jsonBody);

// ---- raw bodies and their framing

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/json;;;',
  'application/jsonx',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'text/json',
  'application/*',
  '*/*',
  '',
  'application/json, text/plain',
  '\tapplication/json',
] as const;

/** Bytes that are not (quite) JSON: random, invalid UTF-8 around the canary, truncated JSON, gzip. */
export const rawBodyBytes = fc.oneof(
  fc.uint8Array({ maxLength: 2_048 }).map((b) => Buffer.from(b)),
  canaryPrompt.map((p) =>
    Buffer.concat([Buffer.from(`{"prompt":"${CANARY}`), Buffer.from([0xed, 0xa0, 0x80, 0xff, 0xc0, 0x80]), Buffer.from(`${p.length}"}`)]),
  ),
  fc.tuple(canaryPrompt, fc.nat()).map(([p, cut]) => {
    const full = Buffer.from(JSON.stringify({ prompt: p, steps: 3 }));
    return full.subarray(0, cut % Math.max(1, full.length));
  }),
  canaryPrompt.map((p) => Buffer.from(`prompt=${percentEncode(p)}&steps=3`)),
);

/** Every UTF-8 byte of `text` as %XX (encodeURIComponent throws on a lone surrogate). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

export const CONTENT_ENCODINGS = [undefined, 'gzip', 'deflate', 'br', 'identity', 'x-gzip', 'gzip, gzip', 'zstd'] as const;

// ---- headers

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
/** A traceparent that W3C Trace Context calls valid: version 00, non-zero ids, lower-case hex. */
export const validTraceparent = fc
  .tuple(hex(16), hex(8), fc.constantFrom('00', '01'))
  .filter(([t, s]) => !/^0+$/.test(t) && !/^0+$/.test(s))
  .map(([t, s, f]) => ({ header: `00-${t}-${s}-${f}`, traceId: t }));

/** Header values as latin1 strings (what goes on the wire byte for byte): printable, controls, UTF-8 bytes, long. */
export const headerValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'), maxLength: 60 }),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 15_000 }).map((len) => 'a'.repeat(len)) },
);

export const traceparentHeader = fc.oneof(
  { weight: 3, arbitrary: validTraceparent.map((v) => v.header) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01',
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
      '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
      ' 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 ',
      '00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01',
      '--',
      '',
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF-xz'), maxLength: 60 }), fc.nat(3))
      .map(([s, v]) => `0${v}-${s}`),
  },
  { weight: 2, arbitrary: headerValue },
);

export const tracestateHeader = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.string({ unit: fc.constantFrom(...'abcz09_-*/@'), minLength: 1, maxLength: 20 }),
        fc.string({ unit: fc.constantFrom(...'abc=,XYZ !~09'), maxLength: 30 }),
      ),
      { maxLength: 40 },
    )
    .map((kv) => kv.map(([k, v]) => `${k}=${v}`).join(',')),
  headerValue,
);

export const baggageHeader = fc.oneof(
  fc
    .array(fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }), fc.string({ maxLength: 10 })), { maxLength: 200 })
    .map((kv) =>
      Buffer.from(kv.map(([k, v, p]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)};${p}`).join(','), 'utf8').toString('latin1'),
    ),
  fc.constantFrom(
    'k=%zz',
    'k=v;;;',
    '=v',
    'k==',
    ',,,',
    'a=' + '%'.repeat(3_000),
    Array.from({ length: 500 }, (_, i) => `k${i}=v`).join(','),
    'prompt=a%20red%20circle',
  ),
  headerValue,
);

/** Other propagators' headers (the servers run with OTEL_PROPAGATORS listing them). */
export const otherTraceHeaders = fc.record(
  {
    b3: fc.oneof(
      fc.tuple(hex(16), hex(8)).map(([t, s]) => `${t}-${s}-1`),
      headerValue,
    ),
    'x-b3-traceid': fc.oneof(hex(16), headerValue),
    'x-b3-spanid': fc.oneof(hex(8), headerValue),
    'uber-trace-id': fc.oneof(
      fc.tuple(hex(16), hex(8)).map(([t, s]) => `${t}:${s}:0:1`),
      headerValue,
    ),
    'uberctx-k': headerValue,
    'x-amzn-trace-id': fc.oneof(
      fc.tuple(hex(4), hex(12), hex(8)).map(([a, b, s]) => `Root=1-${a}-${b};Parent=${s};Sampled=1`),
      headerValue,
    ),
    'x-cloud-trace-context': fc.oneof(
      fc.tuple(hex(16), fc.nat()).map(([t, s]) => `${t}/${s};o=1`),
      headerValue,
    ),
  },
  { requiredKeys: [] },
);

export const API_KEYS = { k_alpha: 'alice', k_beta: 'bob' } as const;

/** Authorization values with whether a key server must accept them. */
export const authorizationHeader: fc.Arbitrary<{ value: string | undefined; valid: boolean }> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'BeArEr'),
      fc.constantFrom(' ', '  ', '\t', ' \t '),
      fc.constantFrom(...Object.keys(API_KEYS)),
      fc.constantFrom('', ' ', '\t'),
    )
    .map(([scheme, gap, key, tail]) => ({ value: `${scheme}${gap}${key}${tail}`, valid: true })),
  fc
    .oneof(
      fc.constantFrom(
        'Basic a19hbHBoYTo=',
        'Bearer',
        'Bearer ',
        'Bearerk_alpha',
        'Bearer k_alph',
        'Bearer k_alphaa',
        'Bearer K_ALPHA',
        'Bearer k_alpha k_beta',
        'Token k_alpha',
        'k_alpha',
        'Bearer alice',
        'Bearer __proto__',
        'Bearer constructor',
        'Bearer toString',
      ),
      fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
      headerValue,
    )
    .filter((v) => !/^bearer[ \t]+(k_alpha|k_beta)[ \t]*$/i.test(v.trim()))
    .map((value) => ({ value, valid: false })),
  fc.constant({ value: undefined, valid: false }),
);

/** Host headers with whether a loopback-bound server must serve them. */
export const hostHeader: fc.Arbitrary<{ value: string; allowed: boolean }> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('127.0.0.1', 'localhost', 'LOCALHOST', 'localhost.', '[::1]', '127.0.0.2', '127.255.255.254', '[0:0:0:0:0:0:0:1]'),
      fc.oneof(
        fc.constant(''),
        fc.integer({ min: 0, max: 65_535 }).map((p) => `:${p}`),
      ),
    )
    .map(([h, p]) => ({ value: h + p, allowed: true })),
  fc
    .oneof(
      fc.domain().filter((d) => !/^localhost\.?$/i.test(d)),
      fc.ipV4().filter((ip) => !ip.startsWith('127.')),
      fc
        .ipV6()
        .filter((ip) => ip !== '::1' && !/^(0+:){7}0*1$/.test(ip) && !/^::ffff:127\./i.test(ip))
        .map((ip) => `[${ip}]`),
      fc.constantFrom(
        'localhost.evil.example',
        'evil.example:8080',
        '127.0.0.1.nip.io',
        '[::1',
        '::1',
        'localhost:abc',
        'localhost@evil',
        'localhost/x',
        '0.0.0.0',
        '[::]',
        '2130706433',
        '0x7f000001',
        '127.1',
        ' ',
        'evil.example, localhost',
      ),
    )
    .map((value) => ({ value, allowed: false })),
);

/** `Expect`: the one expectation HTTP defines, and ones nobody can meet. */
export const expectHeader = fc.oneof(fc.constantFrom('100-continue', '100-Continue', 'foo', 'x=y', '', '100-continue, foo'), headerValue);

export const requestIdHeader = fc.oneof(
  headerValue,
  fc.constantFrom('req_000000000000000000000000', '../../etc/passwd', '\u0000', 'x'.repeat(20_000)),
);

export const acceptHeader = fc.oneof(
  fc.constantFrom('*/*', 'application/json', 'text/event-stream', 'image/png', 'text/html', 'application/xml;q=0.9, */*;q=0.1', ''),
  headerValue,
);

/** A path segment where an id goes: printable, percent-encoded anything, traversal, over-long, malformed escapes. */
export const idSegment = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...'abcdefxyz0123456789_-'), minLength: 1, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant('req_').chain((p) => hex(12).map((h) => p + h)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2F',
      '%00',
      '%ZZ',
      '%',
      '%e0%80',
      '%c0%ae',
      '%ed%a0%80',
      '__proto__',
      'constructor',
      'toString',
      'x'.repeat(129),
      'x'.repeat(2_000),
      ';',
      '%3B',
      '@',
      '~',
      '*',
    ),
  },
);

export const queryString = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(
      fc.oneof(
        fc.constantFrom('after', 'after[]', '__proto__', '__proto__[x]', 'constructor[prototype][x]', 'a[b][c]'),
        fc.string({ maxLength: 8 }).map(encodeURIComponent),
      ),
      fc.oneof(fc.string({ maxLength: 20 }).map(encodeURIComponent), fc.constantFrom('-1', '1e9', '999999999999999', '0x1', '%ZZ', '')),
      { maxKeys: 4 },
    )
    .map(
      (q) =>
        `?${Object.entries(q)
          .map(([k, v]) => `${k}=${v}`)
          .join('&')}`,
    ),
  fc.constantFrom('?', '??', '?&&&', '?after=1&after=2', `?after=${'9'.repeat(400)}`, '?%', '?a=%ZZ', '#frag'),
);

export const lastEventId = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom('-1', '0', '1e3', '999999999999', '9'.repeat(30), ' 1', '1 ', ''),
  headerValue,
);
