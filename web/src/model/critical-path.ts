// Shared with the CLI's `diffscope trace`: the one implementation is src/contract/trace-model/critical-path.ts.
export * from '../../../src/contract/trace-model/critical-path.js';
