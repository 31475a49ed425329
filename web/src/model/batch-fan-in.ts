// Shared with the CLI's `diffscope trace`: the one implementation is src/contract/trace-model/batch-fan-in.ts.
export * from '../../../src/contract/trace-model/batch-fan-in.js';
