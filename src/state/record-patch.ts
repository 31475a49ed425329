import { TERMINAL_STATUSES, type GenerationRecord, type GenerationStatus } from './generation-store.js';

export function isTerminal(status: string | undefined): boolean {
  return TERMINAL_STATUSES.includes(status as GenerationStatus);
}

/** Drop `id` and undefined values: a patch only sets what it names (shallow merge). */
export function cleanPatch(patch: Partial<GenerationRecord>): Partial<GenerationRecord> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key !== 'id' && value !== undefined) out[key] = value;
  }
  return out as Partial<GenerationRecord>;
}

export class DuplicateGenerationError extends Error {
  constructor(id: string) {
    super(`generation ${id} already exists`);
    this.name = 'DuplicateGenerationError';
  }
}

export class MissingGenerationError extends Error {
  constructor(id: string) {
    super(`generation ${id} does not exist`);
    this.name = 'MissingGenerationError';
  }
}
