/**
 * The limits table is stated in the docs by hand; this keeps the prose honest: every number the
 * docs give for a limited parameter is the table's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATION_LIMITS, withinLimit, type LimitedParam } from '../../src/contract/limits.js';

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');
const WIRE: Record<LimitedParam, string> = { steps: 'steps', n: 'n', cfgScale: 'cfg_scale', seed: 'seed' };
const range = (p: LimitedParam) => `${GENERATION_LIMITS[p].min}…${GENERATION_LIMITS[p].max}`;

/** The rows of the markdown table that follows `heading`, as arrays of trimmed cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  expect(start, `${heading} in the document`).toBeGreaterThanOrEqual(0);
  const lines = markdown.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

describe('limits table ↔ docs', () => {
  it('docs/api.md "Limits" lists exactly the table, with its minimum, maximum and default', () => {
    const rows = tableAfter(doc('api.md'), '### Limits');
    const expected = (Object.keys(GENERATION_LIMITS) as LimitedParam[]).map((p) => {
      const limit = GENERATION_LIMITS[p];
      return ['`' + WIRE[p] + '`', String(limit.min), String(limit.max), 'default' in limit ? String(limit.default) : 'random'];
    });
    expect(rows).toEqual(expected);
  });

  it('the request-field tables of docs/api.md give the same ranges and defaults', () => {
    const api = doc('api.md');
    const { steps, n, cfgScale } = GENERATION_LIMITS;
    expect(api).toContain(`| \`steps\` | integer | ${steps.default} | ${range('steps')} |`);
    expect(api).toContain(`| \`n\` | integer | ${n.default} | ${range('n')} images |`);
    expect(api).toContain(`| \`cfg_scale\` | number | ${cfgScale.default} | ${range('cfgScale')} |`);
    expect(api).toContain(`| \`seed\` | integer | random | 0…2³²−1;`);
    expect(GENERATION_LIMITS.seed.max).toBe(2 ** 32 - 1);
    // The OpenAI-compatible endpoint shares the limit on n.
    expect(tableAfter(api, '## OpenAI-compatible')).toContainEqual(['`n`', range('n')]);
  });

  it('docs/inference.md states the pipeline enforces the same numbers', () => {
    const inference = doc('inference.md');
    expect(inference).toContain(`steps ${range('steps')}, n ${range('n')}, cfg_scale ${range('cfgScale')},\nseed 0…2³²−1`);
  });

  it('withinLimit: bounds inclusive, integers where required, nothing non-finite', () => {
    expect(withinLimit('steps', GENERATION_LIMITS.steps.max)).toBe(true);
    expect(withinLimit('steps', GENERATION_LIMITS.steps.max + 1)).toBe(false);
    expect(withinLimit('steps', 2.5)).toBe(false);
    expect(withinLimit('cfgScale', 7.5)).toBe(true);
    expect(withinLimit('cfgScale', Number.NaN)).toBe(false);
    expect(withinLimit('seed', GENERATION_LIMITS.seed.min - 1)).toBe(false);
  });
});
