/** docs/telemetry.md must carry the current event table and name every attribute key and span (Fastify's errors-doc habit). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ATTR, LOG_EVENTS, SPAN } from '../../src/contract/index.js';
import { renderLogEventTable } from '../../scripts/render-log-events.js';

const doc = readFileSync(new URL('../../docs/telemetry.md', import.meta.url), 'utf8');

describe('docs/telemetry.md', () => {
  it('holds the event table rendered from the catalogue (run `npx tsx scripts/render-log-events.ts` after changing it)', () => {
    expect(doc).toContain(renderLogEventTable());
  });

  it.each(Object.keys(LOG_EVENTS))('documents log event %s with its level and every field', (event) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${event}\` |`));
    expect(row, event).toBeDefined();
    const spec = LOG_EVENTS[event as keyof typeof LOG_EVENTS];
    expect(row).toContain(`| ${spec.level} |`);
    for (const field of Object.keys(spec.fields)) expect(row).toContain(`\`${field}\``);
  });

  it.each(Object.values(ATTR))('documents attribute %s', (key) => {
    expect(doc).toContain(`\`${key}\``);
  });

  it.each(['POST /v1/generations', ...Object.values(SPAN)])('documents span %s in the span table', (name) => {
    const spanTable = doc.slice(doc.indexOf('| span | kind | attributes |'), doc.indexOf('## Attribute namespaces'));
    expect(spanTable).toContain(`\`${name}\``);
  });
});
