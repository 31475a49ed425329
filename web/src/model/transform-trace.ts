// Shared with the CLI's `diffscope trace`: the one implementation is src/contract/trace-model/transform-trace.ts.
export * from '../../../src/contract/trace-model/transform-trace.js';
