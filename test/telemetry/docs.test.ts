/** docs/telemetry.md must name every catalogued log event and every attribute key (Fastify's errors-doc habit). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ATTR, LOG_EVENTS } from '../../src/telemetry/index.js';

const doc = readFileSync(new URL('../../docs/telemetry.md', import.meta.url), 'utf8');

describe('docs/telemetry.md', () => {
  it.each(Object.keys(LOG_EVENTS))('documents log event %s with its required fields', (event) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${event}\` |`));
    expect(row, event).toBeDefined();
    for (const field of LOG_EVENTS[event as keyof typeof LOG_EVENTS].fields) expect(row).toContain(`\`${field}\``);
  });

  it.each(Object.values(ATTR))('documents attribute %s', (key) => {
    expect(doc).toContain(`\`${key}\``);
  });

  it.each(['POST /v1/generations', 'queue.publish', 'queue.wait', 'inference', 'model.load', 'text.encode', 'sampling', 'vae.decode', 'storage.put', 'notify.webhook'])(
    'documents span %s',
    (name) => {
      expect(doc).toContain(`| \`${name}\``);
    },
  );
});
