import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DiffscopeError, ERRORS } from '../../src/errors/index.js';

describe('error table', () => {
  it('keys equal their codes and follow DSC_ERR_<AREA>_<WHAT>', () => {
    for (const [key, spec] of Object.entries(ERRORS)) {
      expect(spec.code).toBe(key);
      expect(key).toMatch(/^DSC_ERR_[A-Z]+_[A-Z_]+$/);
      expect(spec.status).toBeGreaterThanOrEqual(400);
    }
  });

  it('every code is documented in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const key of Object.keys(ERRORS)) expect(doc, key).toContain('`' + key + '`');
  });

  it('DiffscopeError carries status, retryable and field', () => {
    const error = new DiffscopeError('DSC_ERR_API_VALIDATION', 'steps must be ≤ 150', { field: 'steps' });
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.toJSON()).toEqual({ code: 'DSC_ERR_API_VALIDATION', message: 'steps must be ≤ 150', field: 'steps' });
  });
});
