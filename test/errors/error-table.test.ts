import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asDiffscopeError, DiffscopeError, ERRORS, errorFromRecord, isRetryable, publicError } from '../../src/errors/index.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every .ts file under src/ except the table itself, concatenated. */
function sourcesOutsideTable(): string {
  return (readdirSync(SRC, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.startsWith(join('errors', 'error-table.ts')))
    .map((f) => readFileSync(join(SRC, f), 'utf8'))
    .join('\n');
}

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

  it('docs/errors.md lists no code the table does not have', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(DSC_ERR_[A-Z_]+)`/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERRORS).sort());
  });

  it('every code is used somewhere in src/ (no dead codes in the table)', () => {
    const sources = sourcesOutsideTable();
    const unused = Object.keys(ERRORS).filter((key) => !sources.includes(`'${key}'`));
    expect(unused).toEqual([]);
  });

  it('DiffscopeError carries status, retryable and field', () => {
    const error = new DiffscopeError('DSC_ERR_API_VALIDATION', 'steps must be ≤ 150', { field: 'steps' });
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.toJSON()).toEqual({ code: 'DSC_ERR_API_VALIDATION', message: 'steps must be ≤ 150', field: 'steps' });
  });

  it('one mapping from anything thrown to a stored error and back to a client error', () => {
    const crash = new Error('session crashed');
    const wrapped = asDiffscopeError(crash);
    expect(wrapped).toMatchObject({ code: 'DSC_ERR_INFER_FAILED', message: 'session crashed', status: 500, cause: crash });
    const ours = new DiffscopeError('DSC_ERR_INFER_BAD_SIZE', 'width 33 is not supported', { field: 'width' });
    expect(asDiffscopeError(ours)).toBe(ours);
    expect(asDiffscopeError('boom', 'DSC_ERR_STORAGE_FAILED')).toMatchObject({ code: 'DSC_ERR_STORAGE_FAILED', message: 'boom' });

    expect(publicError(ours)).toEqual({ code: 'DSC_ERR_INFER_BAD_SIZE', message: 'width 33 is not supported' });
    expect(publicError(crash)).toEqual({ code: 'DSC_ERR_INFER_FAILED', message: 'session crashed' });

    // The status a client gets comes from the table for the stored code.
    expect(errorFromRecord(publicError(ours), 'failed')).toMatchObject({ code: 'DSC_ERR_INFER_BAD_SIZE', status: 400 });
    expect(errorFromRecord({ code: 'DSC_ERR_INFER_CANCELED', message: 'canceled by the client' }, 'x').status).toBe(409);
    // A code this version does not know (or none) reads as a failed inference.
    expect(errorFromRecord({ code: 'DSC_ERR_FROM_THE_FUTURE', message: 'm' }, 'x')).toMatchObject({
      code: 'DSC_ERR_INFER_FAILED',
      message: 'm',
    });
    expect(errorFromRecord(undefined, 'generation failed')).toMatchObject({ code: 'DSC_ERR_INFER_FAILED', message: 'generation failed' });

    expect(isRetryable(ours)).toBe(false);
    expect(isRetryable(new DiffscopeError('DSC_ERR_STORAGE_FAILED'))).toBe(true);
    expect(isRetryable(crash)).toBe(true);
  });
});
