import type { StageName } from './types.js';

export { isSummaryStage } from '../../../src/contract/index.js';

/**
 * How the UI names each pipeline stage. The stages and their order are the contract's
 * (src/contract/stages.ts); a Record keyed by StageName makes a new stage fail the build here
 * until it has a label. Read by the stage analysis and the compare view.
 */
export const STAGE_LABELS: Record<StageName, string> = {
  'queue.wait': 'queue wait',
  'model.load': 'model load',
  'model.warmup': 'warm-up',
  'text.encode': 'text encode',
  sampling: 'sampling',
  'vae.decode': 'decode',
  'storage.put': 'storage',
  'notify.webhook': 'notify',
  inference: 'inference (all)',
  total: 'end to end',
};
